import { describe, expect, it } from "vitest";
import { chunkedEventStream, sseFrame } from "../test/fakeApi";
import { ApiError } from "./errors";
import { readInvokeStream } from "./eventStream";
import type { InvokeResponse } from "./types";

const DONE = {
  usage: { input_tokens: 3, output_tokens: 4, estimated: false },
  latency_ms: 42,
  model_id: "claude-haiku",
  request_id: "req-7",
  stop_reason: "end_turn",
};

/** Reads a stream, collecting the deltas; resolves with the answer or with what it was rejected with. */
async function read(response: Response): Promise<{ deltas: string[]; outcome: InvokeResponse | ApiError }> {
  const deltas: string[] = [];
  const outcome = await readInvokeStream(response, (text) => deltas.push(text)).catch((error: unknown) => {
    if (error instanceof ApiError) return error;
    throw error;
  });
  return { deltas, outcome };
}

/** The outcome, which must be an ``ApiError``. */
function apiError(outcome: InvokeResponse | ApiError): ApiError {
  if (!(outcome instanceof ApiError)) throw new Error(`expected an ApiError, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** All the bytes of ``text``, cut at ``cuts`` (byte offsets, ascending). */
function cutAt(text: string, cuts: number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  return [0, ...cuts].map((start, index) => bytes.slice(start, cuts[index] ?? bytes.length));
}

describe("readInvokeStream", () => {
  // Keep-alive comments around the frames, CRLF line ends, and non-ASCII text whose UTF-8 bytes can be cut apart.
  const WIRE = [
    ": keep-alive\r\n\r\n",
    sseFrame("delta", { text: "Grüße" }).replaceAll("\n", "\r\n"),
    ": keep-alive\n\n",
    sseFrame("delta", { text: " 👋" }),
    sseFrame("done", DONE),
  ].join("");
  const BYTES = new TextEncoder().encode(WIRE).length;

  it("gives each delta as it arrives and the done frame's figures at the end", async () => {
    // Given the API's frames in one chunk
    // When the stream is read
    const { deltas, outcome } = await read(chunkedEventStream([WIRE]));
    // Then the keep-alives are not text, and the answer is the deltas joined plus the done frame
    expect(deltas).toEqual(["Grüße", " 👋"]);
    expect(outcome).toEqual({ ...DONE, output: "Grüße 👋" });
  });

  it("gives the reasoning frames apart from the text, and joins them into the answer's reasoning", async () => {
    // Given a reasoning model's stream: reasoning first, then the answer
    const wire = [
      sseFrame("reasoning", { text: "The user asks" }),
      sseFrame("reasoning", { text: " for a capital." }),
      sseFrame("delta", { text: "Paris." }),
      sseFrame("done", DONE),
    ].join("");
    const deltas: string[] = [];
    const thoughts: string[] = [];

    // When the stream is read with a reasoning callback
    const answer = await readInvokeStream(chunkedEventStream([wire]), (text) => deltas.push(text), undefined, (text) =>
      thoughts.push(text),
    );

    // Then each piece of reasoning came as it arrived, never as answer text, and the answer carries it whole
    expect(thoughts).toEqual(["The user asks", " for a capital."]);
    expect(deltas).toEqual(["Paris."]);
    expect(answer).toEqual({ ...DONE, output: "Paris.", reasoning: "The user asks for a capital." });
  });

  it("reads reasoning frames without a reasoning callback, and leaves reasoning out when there was none", async () => {
    const wire = [sseFrame("reasoning", { text: "Hmm." }), sseFrame("delta", { text: "Yes." }), sseFrame("done", DONE)];
    const { deltas, outcome } = await read(chunkedEventStream([wire.join("")]));
    expect(deltas).toEqual(["Yes."]);
    expect(outcome).toEqual({ ...DONE, output: "Yes.", reasoning: "Hmm." });
    const plain = await read(chunkedEventStream([sseFrame("delta", { text: "Yes." }) + sseFrame("done", DONE)]));
    expect(plain.outcome).not.toHaveProperty("reasoning");
  });

  it("refuses a reasoning frame without text", async () => {
    const { outcome } = await read(chunkedEventStream([sseFrame("reasoning", { thought: 1 }) + sseFrame("done", DONE)]));
    expect(apiError(outcome).body).toEqual({ error: "bad_stream", message: 'The API sent an unreadable "reasoning" frame.' });
  });

  it("reads the same answer whichever byte the network cuts the stream at", async () => {
    for (let cut = 1; cut < BYTES; cut += 1) {
      // Given the stream cut in two at that byte (inside a field name, a CRLF, a comment or a UTF-8 character)
      // When it is read
      const { deltas, outcome } = await read(chunkedEventStream(cutAt(WIRE, [cut])));
      // Then nothing is lost, doubled or garbled
      expect({ cut, deltas, outcome }).toEqual({ cut, deltas: ["Grüße", " 👋"], outcome: { ...DONE, output: "Grüße 👋" } });
    }
  });

  it("reads a stream delivered one byte at a time", async () => {
    const everyByte = Array.from({ length: BYTES - 1 }, (_, index) => index + 1);
    const { deltas, outcome } = await read(chunkedEventStream(cutAt(WIRE, everyByte)));
    expect(deltas).toEqual(["Grüße", " 👋"]);
    expect(outcome).toEqual({ ...DONE, output: "Grüße 👋" });
  });

  it("resolves at the done frame and lets go of a connection that stays open", async () => {
    // Given a stream whose connection is not closed after its done frame
    let cancelled = false;
    const open = new ReadableStream<Uint8Array>({
      start(stream) {
        stream.enqueue(new TextEncoder().encode(sseFrame("delta", { text: "Hi" }) + sseFrame("done", DONE)));
      },
      cancel() {
        cancelled = true;
      },
    });
    // When it is read
    const { deltas, outcome } = await read(new Response(open, { headers: { "Content-Type": "text/event-stream" } }));
    // Then the answer is complete without waiting for the end, and the body is cancelled
    expect(deltas).toEqual(["Hi"]);
    expect(outcome).toEqual({ ...DONE, output: "Hi" });
    expect(cancelled).toBe(true);
  });

  it("turns an error frame into the API's error, after the text that came before it", async () => {
    // Given a model that fails after one delta
    const failure = { error: "model_error", message: "The model failed.", details: [{ path: "upstream", message: "500", type: "model" }] };
    const response = chunkedEventStream([
      sseFrame("delta", { text: "partial" }),
      sseFrame("error", failure),
      sseFrame("delta", { text: " never shown" }),
    ]);
    // When the stream is read
    const { deltas, outcome } = await read(response);
    // Then the partial text was delivered, and the error carries the frame's body
    expect(deltas).toEqual(["partial"]);
    expect(apiError(outcome).status).toBe(502);
    expect(apiError(outcome).body).toEqual(failure);
  });

  it("says the stream ended early when it closes without a done frame", async () => {
    // Given a connection that closes after two deltas (a frame without its blank line is never complete)
    const response = chunkedEventStream([sseFrame("delta", { text: "Hel" }), sseFrame("delta", { text: "lo" }), "event: done\n"]);
    // When it is read
    const { deltas, outcome } = await read(response);
    // Then the text so far was delivered, and the error says the model did not finish
    expect(deltas).toEqual(["Hel", "lo"]);
    expect(apiError(outcome).body).toEqual({
      error: "stream_incomplete",
      message: "The stream ended before the model finished.",
    });
  });

  it("refuses a frame whose data is not the expected JSON", async () => {
    const { outcome } = await read(chunkedEventStream(["event: delta\ndata: {not json\n\n"]));
    expect(apiError(outcome).body).toEqual({ error: "bad_stream", message: 'The API sent an unreadable "delta" frame.' });
    const { outcome: done } = await read(chunkedEventStream([sseFrame("done", { latency_ms: 1 })]));
    expect(apiError(done).body).toEqual({ error: "bad_stream", message: 'The API sent an unreadable "done" frame.' });
  });

  it("refuses an answer that is not an event stream", async () => {
    // Given a 200 JSON answer where an event stream was expected (there is no buffered fallback)
    const response = new Response(JSON.stringify({ ...DONE, output: "Whole" }), { headers: { "Content-Type": "application/json" } });
    // When it is read
    const { deltas, outcome } = await read(response);
    // Then no text is shown and the error names what came instead
    expect(deltas).toEqual([]);
    expect(apiError(outcome).body).toEqual({
      error: "bad_stream",
      message: "The API answered application/json instead of text/event-stream.",
    });
  });

  it("stops with the abort reason when cancelled mid-stream, keeping the text so far", async () => {
    // Given a model that sent one delta and then stays silent
    const controller = new AbortController();
    const silent = new ReadableStream<Uint8Array>({
      start(stream) {
        stream.enqueue(new TextEncoder().encode(sseFrame("delta", { text: "Hel" })));
      },
    });
    const response = new Response(silent, { headers: { "Content-Type": "text/event-stream" } });
    const deltas: string[] = [];
    const reading = readInvokeStream(
      response,
      (text) => {
        deltas.push(text);
        // When the user cancels once the first text is shown
        controller.abort();
      },
      controller.signal,
    );
    // Then the read stops with an AbortError, and the first text was delivered
    await expect(reading).rejects.toMatchObject({ name: "AbortError" });
    expect(deltas).toEqual(["Hel"]);
  });
});
