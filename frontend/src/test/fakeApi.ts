/** A fake of the HTTP API behind ``fetch``: routes by method + path and records every request. */
import schema from "./fixtures/model-config.schema.json";
import { ApiClient } from "../api/client";
import type { Me, ModelDetail, ModelSummary } from "../api/types";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export type Handler = (request: RecordedRequest) => Response | Promise<Response>;

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** One SSE frame as the API writes it. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A ``text/event-stream`` answer whose body arrives in exactly these chunks (text is UTF-8 encoded). */
export function chunkedEventStream(chunks: (string | Uint8Array)[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream; charset=utf-8" } });
}

/** A ``text/event-stream`` answer whose body the test writes as it goes: ``write`` raw text, ``send`` one frame. */
export function handFedEventStream() {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({ start: (started) => void (controller = started) });
  const encoder = new TextEncoder();
  const write = (text: string) => controller?.enqueue(encoder.encode(text));
  return {
    response: new Response(body, { headers: { "Content-Type": "text/event-stream" } }),
    write,
    send: (event: string, data: unknown) => write(sseFrame(event, data)),
    close: () => controller?.close(),
  };
}

/** The frames, as an event stream cut in the middle of a frame (the parser must join the halves). */
export function eventStream(frames: { event: string; data: unknown }[]): Response {
  const bytes = new TextEncoder().encode(frames.map(({ event, data }) => sseFrame(event, data)).join(""));
  const cut = Math.floor(bytes.length / 2);
  return chunkedEventStream([bytes.slice(0, cut), bytes.slice(cut)]);
}

export interface FakeApiOptions {
  me: Me;
  models: ModelSummary[];
  details?: Record<string, ModelDetail>;
  routes?: Record<string, Handler>;
}

export function createFakeApi(options: FakeApiOptions) {
  const requests: RecordedRequest[] = [];
  const routes: Record<string, Handler> = {
    "GET /me": () => json(200, options.me),
    "GET /models": () => json(200, { models: options.models }),
    "GET /schema/model-config": () => json(200, schema),
    ...options.routes,
  };
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const path = `${url.pathname.replace(/^\/api/, "")}${url.search}`;
    const method = init?.method ?? "GET";
    const headers = { ...(init?.headers as Record<string, string> | undefined) };
    const request: RecordedRequest = { method, path, headers, body: init?.body ? JSON.parse(String(init.body)) : undefined };
    requests.push(request);
    const exact = routes[`${method} ${path}`] ?? routes[`${method} ${url.pathname.replace(/^\/api/, "")}`];
    if (exact) return exact(request);
    const detail = method === "GET" && path.startsWith("/models/") ? options.details?.[decodeURIComponent(path.slice(8))] : undefined;
    if (detail) return json(200, detail);
    return json(404, { error: "not_found", message: `No route for ${method} ${path}` });
  };
  const api = new ApiClient({ baseUrl: "http://ui.test/api", getToken: async () => "id-token-123", fetchImpl });
  return { api, requests, routes, fetchImpl };
}
