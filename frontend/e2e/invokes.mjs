// What a page's invokes look like on the network, read from Chromium over the DevTools protocol: every POST to
// /api/invoke and /api/invoke/stream (path and JSON body), and for each answer its status, content type and, for an
// event stream, the chunks of its body in the order they arrived (Network.streamResourceContent). The output text
// the page shows is recorded on the same DevTools session (a Runtime binding called by a MutationObserver), so one
// ordered timeline says which texts were on screen before the chunk that held the done frame arrived.
import { createParser } from "eventsource-parser";
import { expect, expectEqual } from "./harness.mjs";

export const INVOKE_PATH = "/api/invoke";
export const STREAM_PATH = "/api/invoke/stream";
const SHOWN_BINDING = "__e2eOutputShown";

/** The SSE frames of the chunks, parsed as the UI parses them, each with the timeline place of the chunk completing it. */
export function framesOf(chunks) {
  const frames = [];
  let order = null;
  const parser = createParser({ onEvent: ({ event }) => frames.push({ event: event ?? "message", order }) });
  for (const chunk of chunks) {
    order = chunk.order;
    parser.feed(chunk.text);
  }
  return frames;
}

/** Starts recording the page's invokes. Call `observeOutput()` before an invoke whose shown texts matter. */
export async function watchInvokes(page) {
  const session = await page.context().newCDPSession(page);
  const invokes = new Map(); // requestId -> { path, body, status, contentType, chunks, ended, failure }
  const timeline = []; // { kind: "chunk", requestId, text, order } | { kind: "shown", text, order }; order = index
  const decoders = new Map();
  let observedSince = 0;

  const addChunk = (requestId, base64) => {
    if (!base64) return;
    const text = decoders.get(requestId).decode(Buffer.from(base64, "base64"), { stream: true });
    const entry = { kind: "chunk", requestId, text, order: timeline.length };
    timeline.push(entry);
    invokes.get(requestId).chunks.push(entry);
  };

  session.on("Network.requestWillBeSent", ({ requestId, request }) => {
    const path = new URL(request.url).pathname;
    if (request.method !== "POST" || (path !== INVOKE_PATH && path !== STREAM_PATH)) return;
    const body = request.postData === undefined ? undefined : JSON.parse(request.postData);
    invokes.set(requestId, { path, body, status: null, contentType: null, chunks: [], ended: false, failure: null });
  });
  session.on("Network.responseReceived", ({ requestId, response }) => {
    const invoke = invokes.get(requestId);
    if (!invoke) return;
    invoke.status = response.status;
    invoke.contentType = response.mimeType;
    if (response.mimeType !== "text/event-stream") return;
    decoders.set(requestId, new TextDecoder());
    session
      .send("Network.streamResourceContent", { requestId })
      .then(({ bufferedData }) => addChunk(requestId, bufferedData))
      .catch((error) => {
        invoke.streamError = String(error);
      });
  });
  session.on("Network.dataReceived", ({ requestId, data }) => {
    if (decoders.has(requestId)) addChunk(requestId, data);
  });
  session.on("Network.loadingFinished", ({ requestId }) => {
    const invoke = invokes.get(requestId);
    if (invoke) invoke.ended = true;
  });
  // The UI stops reading at the done frame; if the connection was still open then, the request ends "canceled".
  session.on("Network.loadingFailed", ({ requestId, errorText, canceled }) => {
    const invoke = invokes.get(requestId);
    if (invoke) Object.assign(invoke, { ended: true, failure: canceled ? "canceled" : errorText });
  });
  session.on("Runtime.bindingCalled", ({ name, payload }) => {
    if (name === SHOWN_BINDING) timeline.push({ kind: "shown", text: payload, order: timeline.length });
  });
  await session.send("Network.enable");
  await session.send("Runtime.enable");
  await session.send("Runtime.addBinding", { name: SHOWN_BINDING });

  return {
    /** The invokes sent so far, oldest first: path, body, status, content type, received chunks. */
    all: () => [...invokes.values()],
    /** The first `count` invokes, once each has been answered to its end (the DevTools events trail the page). */
    async settled(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const ready = () => invokes.size >= count && [...invokes.values()].slice(0, count).every((invoke) => invoke.ended);
      while (!ready() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ready(), `${count} invokes answered to their end: ${JSON.stringify([...invokes.values()])}`);
      return [...invokes.values()].slice(0, count);
    },
    /** Records every new text of the result's output from now on (until the next call). */
    async observeOutput() {
      observedSince = timeline.length;
      await page.evaluate((binding) => {
        window.__e2eOutputObserver?.disconnect();
        let last = "";
        const report = () => {
          const text = document.querySelector('[data-testid="invoke-output"]')?.textContent ?? "";
          if (text && text !== last) window[binding](text);
          last = text;
        };
        window.__e2eOutputObserver = new MutationObserver(report);
        window.__e2eOutputObserver.observe(document.body, { subtree: true, childList: true, characterData: true });
      }, SHOWN_BINDING);
    },
    /** The texts the output showed since `observeOutput()`, in order, each with its place on the timeline. */
    shownTexts: () => timeline.slice(observedSince).filter((entry) => entry.kind === "shown"),
  };
}

/**
 * Checks one streamed invoke, as the network saw it: it went to /api/invoke/stream and came back 200
 * `text/event-stream` in several chunks, delta frames first and the done frame last, the done frame arriving after
 * at least `minDeltas` deltas; and the output on screen grew, at least twice, before the done frame had arrived.
 * Returns the figures the pytest side asserts on.
 */
export function expectStreamedInvoke(invoke, shown, { minDeltas = 3 } = {}) {
  expectEqual(invoke.path, STREAM_PATH, "the streamed invoke's path");
  expectEqual(invoke.status, 200, "the streamed invoke's status");
  expectEqual(invoke.contentType, "text/event-stream", "the streamed invoke's content type");
  expect(invoke.failure === null || invoke.failure === "canceled", `the event stream did not fail: ${invoke.failure}`);
  expect(!invoke.streamError, `Chromium streamed the response's chunks: ${invoke.streamError}`);
  const frames = framesOf(invoke.chunks);
  const events = frames.map((frame) => frame.event);
  const deltas = events.filter((event) => event === "delta").length;
  expect(deltas >= minDeltas, `the API sent several delta frames: ${JSON.stringify(events)}`);
  expectEqual(events, [...Array(deltas).fill("delta"), "done"], "delta frames, then exactly one done frame");
  const done = frames[deltas];
  const deltasBeforeDone = frames.filter((frame) => frame.event === "delta" && frame.order < done.order).length;
  expect(
    deltasBeforeDone >= minDeltas,
    `${deltasBeforeDone} delta frames arrived in chunks before the done frame's (of ${invoke.chunks.length} chunks)`,
  );
  const shownBeforeDone = shown.filter((entry) => entry.order < done.order).map((entry) => entry.text);
  expect(shownBeforeDone.length >= 2, `the output grew before the done frame arrived: ${JSON.stringify(shownBeforeDone)}`);
  for (let index = 1; index < shown.length; index += 1) {
    expect(shown[index].text.startsWith(shown[index - 1].text), `each shown text extends the previous one: ${JSON.stringify(shown)}`);
  }
  return {
    path: invoke.path,
    content_type: invoke.contentType,
    chunks: invoke.chunks.length,
    ended_by: invoke.failure ?? "finished",
    delta_frames: deltas,
    delta_frames_before_done: deltasBeforeDone,
    shown_texts: shown.length,
    shown_before_done: shownBeforeDone.length,
  };
}
