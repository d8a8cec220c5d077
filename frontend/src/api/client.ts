/** Typed client of the model-studio HTTP API. Sends the Cognito ID token as ``Authorization``. */
import type { JsonSchema } from "../model-editor/schemaValidation";
import { ApiError, isErrorBody } from "./errors";
import { SseParser } from "./sse";
import type {
  InvokeRequest,
  InvokeResponse,
  Me,
  ModelDetail,
  ModelSummary,
  SaveRequest,
  SaveResponse,
  Usage,
  ValidateResponse,
} from "./types";

export interface ApiClientOptions {
  baseUrl: string;
  getToken: () => Promise<string | null>;
  fetchImpl?: typeof fetch;
}

export interface StreamedInvoke extends InvokeResponse {
  /** False when the deployment answered buffered JSON instead of an event stream. */
  streamed: boolean;
}

interface DoneFrame {
  usage: Usage;
  latency_ms: number;
  model_id: string;
  request_id: string;
  stop_reason?: string | null;
}

export class ApiClient {
  private readonly baseUrl: string;
  private readonly getToken: () => Promise<string | null>;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.getToken = options.getToken;
    this.fetchImpl = options.fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  me(): Promise<Me> {
    return this.json<Me>("GET", "/me");
  }

  async listModels(): Promise<ModelSummary[]> {
    return (await this.json<{ models: ModelSummary[] }>("GET", "/models")).models;
  }

  getModel(id: string): Promise<ModelDetail> {
    return this.json<ModelDetail>("GET", `/models/${encodeURIComponent(id)}`);
  }

  schema(): Promise<JsonSchema> {
    return this.json<JsonSchema>("GET", "/schema/model-config");
  }

  /** Any JSON route, by method and path (the discovery component keeps its own routes). */
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.json<T>(method, path, body);
  }

  invoke(body: InvokeRequest, signal?: AbortSignal): Promise<InvokeResponse> {
    const { stream: _stream, ...buffered } = body;
    return this.json<InvokeResponse>("POST", "/invoke", buffered, signal);
  }

  validate(body: InvokeRequest): Promise<ValidateResponse> {
    const { stream: _stream, debug: _debug, ...rest } = body;
    return this.json<ValidateResponse>("POST", "/models/validate", rest);
  }

  saveModel(id: string, body: SaveRequest): Promise<SaveResponse> {
    return this.json<SaveResponse>("PUT", `/models/${encodeURIComponent(id)}`, body);
  }

  deleteModel(id: string, version: number): Promise<{ id: string; deleted: boolean }> {
    return this.json("DELETE", `/models/${encodeURIComponent(id)}?version=${version}`);
  }

  /** ``POST /invoke`` with ``stream: true``: reads ``text/event-stream`` frames, or the buffered JSON fallback. */
  async invokeStream(body: InvokeRequest, onDelta: (text: string) => void, signal?: AbortSignal): Promise<StreamedInvoke> {
    const response = await this.send("POST", "/invoke", { ...body, stream: true }, signal, "text/event-stream, application/json");
    const type = response.headers.get("content-type") ?? "";
    if (!type.includes("text/event-stream")) {
      const result = (await readJson(response)) as InvokeResponse;
      onDelta(result.output);
      return { ...result, streamed: false };
    }
    if (!response.body) throw new ApiError(502, { error: "bad_stream", message: "The stream had no body." });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    let output = "";
    let done: DoneFrame | null = null;
    const handle = (event: string, data: string): void => {
      const payload: unknown = data ? JSON.parse(data) : {};
      if (event === "delta") {
        const text = (payload as { text?: string }).text ?? "";
        output += text;
        onDelta(text);
      } else if (event === "done") {
        done = payload as DoneFrame;
      } else if (event === "error") {
        const errorBody = isErrorBody(payload)
          ? payload
          : { error: "stream_error", message: "The model stream failed." };
        throw new ApiError(502, errorBody);
      }
    };
    for (;;) {
      const { value, done: finished } = await reader.read();
      if (finished) break;
      for (const frame of parser.push(value)) handle(frame.event, frame.data);
    }
    for (const frame of parser.flush()) handle(frame.event, frame.data);
    const final = done as DoneFrame | null;
    if (final === null) throw new ApiError(502, { error: "bad_stream", message: "The stream ended before its done frame." });
    return { ...final, output, streamed: true };
  }

  private async json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return (await readJson(await this.send(method, path, body, signal))) as T;
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    accept = "application/json",
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    const token = await this.getToken();
    if (token) headers.Authorization = token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (signal) init.signal = signal;
    const response = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    if (!response.ok) throw await errorFrom(response);
    return response;
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, { error: "bad_response", message: "The API answered something that is not JSON." });
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (isErrorBody(parsed)) return new ApiError(response.status, parsed);
  // API Gateway's own answers (e.g. the authorizer's 401) are {"message": "..."} without an error code.
  const message =
    typeof parsed === "object" && parsed !== null && typeof (parsed as { message?: unknown }).message === "string"
      ? (parsed as { message: string }).message
      : `HTTP ${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, { error: `http_${response.status}`, message });
}
