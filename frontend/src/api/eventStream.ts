/**
 * Reads the ``text/event-stream`` answer of ``POST /invoke/stream`` (docs/design.md §3) with ``eventsource-parser``:
 * ``delta`` frames carry text (and ``reasoning`` frames, from reasoning models, the model's reasoning, never part of
 * the answer), then one ``done`` frame carries usage, latency and stop reason, or one ``error`` frame carries an API
 * error body. Comments (the ``: keep-alive`` lines sent while the model is silent) are skipped by the
 * parser, which also joins frames split across network chunks and accepts CRLF line ends.
 */
import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";
import { ApiError, isErrorBody } from "./errors";
import type { ErrorBody, InvokeResponse, Usage } from "./types";

export const EVENT_STREAM = "text/event-stream";

/** The ``done`` frame: everything of a buffered answer except the text and the reasoning, which came in frames. */
type DoneFrame = Omit<InvokeResponse, "output" | "reasoning" | "debug">;

type ResponseBody = NonNullable<Response["body"]>;

/** The HTTP status was already 200 when the stream failed: its errors are reported as a bad gateway. */
const STREAM_FAILURE_STATUS = 502;

const STREAM_ENDED_EARLY: ErrorBody = {
  error: "stream_incomplete",
  message: "The stream ended before the model finished.",
};

function streamFailure(body: ErrorBody): ApiError {
  return new ApiError(STREAM_FAILURE_STATUS, body);
}

function unreadable(event: string): ApiError {
  return streamFailure({ error: "bad_stream", message: `The API sent an unreadable "${event}" frame.` });
}

function parseData(message: EventSourceMessage): unknown {
  try {
    return JSON.parse(message.data);
  } catch {
    throw unreadable(message.event ?? "message");
  }
}

function isUsage(value: unknown): value is Usage {
  if (typeof value !== "object" || value === null) return false;
  const usage = value as Record<string, unknown>;
  return typeof usage.input_tokens === "number" && typeof usage.output_tokens === "number" && typeof usage.estimated === "boolean";
}

function isDoneFrame(value: unknown): value is DoneFrame {
  if (typeof value !== "object" || value === null) return false;
  const frame = value as Record<string, unknown>;
  return (
    isUsage(frame.usage) &&
    typeof frame.latency_ms === "number" &&
    typeof frame.model_id === "string" &&
    typeof frame.request_id === "string"
  );
}

/** The text of a ``delta`` or ``reasoning`` frame. */
function frameText(message: EventSourceMessage): string {
  const payload = parseData(message);
  const text = typeof payload === "object" && payload !== null ? (payload as { text?: unknown }).text : undefined;
  if (typeof text !== "string") throw unreadable(message.event ?? "message");
  return text;
}

function doneFrame(message: EventSourceMessage): DoneFrame {
  const payload = parseData(message);
  if (!isDoneFrame(payload)) throw unreadable("done");
  return payload;
}

function errorFrame(message: EventSourceMessage): ApiError {
  const payload = parseData(message);
  return streamFailure(isErrorBody(payload) ? payload : { error: "stream_error", message: "The model stream failed." });
}

/** The SSE messages of a response body; aborting ``signal`` errors the stream with the abort reason. */
function messagesOf(body: ResponseBody, signal: AbortSignal | undefined): ReadableStreamDefaultReader<EventSourceMessage> {
  return body
    .pipeThrough(new TextDecoderStream(), signal ? { signal } : {})
    .pipeThrough(new EventSourceParserStream())
    .getReader();
}

/** The response's body when it is an event stream (a successful answer of ``POST /invoke/stream`` always is). */
function eventStreamBody(response: Response): ResponseBody {
  const type = (response.headers.get("content-type") ?? "").toLowerCase();
  if (!type.startsWith(EVENT_STREAM) || !response.body) {
    throw streamFailure({
      error: "bad_stream",
      message: `The API answered ${type || "no content type"} instead of ${EVENT_STREAM}.`,
    });
  }
  return response.body;
}

/**
 * Calls ``onDelta`` with each piece of text as it arrives (``onReasoning`` with each piece of reasoning) and resolves
 * with the whole answer at the ``done`` frame (its ``reasoning`` joined from the ``reasoning`` frames, if any).
 * Rejects with an ``ApiError`` on an ``error`` frame, on a frame it cannot read, and on a stream that ends without
 * ``done``; with the abort reason when ``signal`` aborts. The text shown so far stays with the caller, who received
 * it through ``onDelta``. Nothing after ``done`` or ``error`` is read: the connection is released there.
 */
export async function readInvokeStream(
  response: Response,
  onDelta: (text: string) => void,
  signal?: AbortSignal,
  onReasoning?: (text: string) => void,
): Promise<InvokeResponse> {
  const messages = messagesOf(eventStreamBody(response), signal);
  let output = "";
  let reasoning = "";
  try {
    for (let next = await messages.read(); !next.done; next = await messages.read()) {
      const message = next.value;
      if (message.event === "delta") {
        const text = frameText(message);
        output += text;
        onDelta(text);
      } else if (message.event === "reasoning") {
        const text = frameText(message);
        reasoning += text;
        onReasoning?.(text);
      } else if (message.event === "done") {
        return { ...doneFrame(message), output, ...(reasoning ? { reasoning } : {}) };
      } else if (message.event === "error") {
        throw errorFrame(message);
      }
    }
    throw streamFailure(STREAM_ENDED_EARLY);
  } finally {
    await messages.cancel().catch(() => undefined);
  }
}
