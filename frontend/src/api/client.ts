/**
 * Typed client of the model-studio HTTP API (bodies typed from lambdas/openapi.json, see ./types.ts). Sends the
 * Cognito ID token as ``Authorization``. Answers are not checked at run time: their types are the API's contract.
 */
import type { JsonSchema } from "../model-editor/schemaValidation";
import { ApiError, isErrorBody } from "./errors";
import type {
  AuditList,
  AuditQuery,
  BedrockModelList,
  CrossAccountRole,
  DeleteResponse,
  EndpointPage,
  InvokeRequest,
  InvokeResponse,
  Me,
  ModelDetail,
  ModelList,
  ModelSummary,
  ModelVersion,
  ModelVersionList,
  ProbeRequest,
  ProbeResult,
  SaveRequest,
  SaveResponse,
  ValidateResponse,
} from "./types";

/** Where discovery reads: a region, through a cross-account role when one is given. */
export interface DiscoveryScope {
  region: string;
  role?: CrossAccountRole | null;
}

function discoveryQuery(scope: DiscoveryScope, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ region: scope.region, ...extra });
  if (scope.role?.role_arn) params.set("role_arn", scope.role.role_arn);
  if (scope.role?.role_arn && scope.role.external_id) params.set("external_id", scope.role.external_id);
  return params.toString();
}

export interface ApiClientOptions {
  baseUrl: string;
  getToken: () => Promise<string | null>;
  fetchImpl?: typeof fetch;
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
    return (await this.json<ModelList>("GET", "/models")).models;
  }

  getModel(id: string): Promise<ModelDetail> {
    return this.json<ModelDetail>("GET", `/models/${encodeURIComponent(id)}`);
  }

  listVersions(id: string): Promise<ModelVersionList> {
    return this.json<ModelVersionList>("GET", `/models/${encodeURIComponent(id)}/versions`);
  }

  getVersion(id: string, version: number): Promise<ModelVersion> {
    return this.json<ModelVersion>("GET", `/models/${encodeURIComponent(id)}/versions/${version}`);
  }

  /** ``GET /audit``: members left out (or empty) are not sent. */
  listAudit(query: AuditQuery = {}): Promise<AuditList> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const search = params.toString();
    return this.json<AuditList>("GET", search ? `/audit?${search}` : "/audit");
  }

  schema(): Promise<JsonSchema> {
    return this.json<JsonSchema>("GET", "/schema/model-config");
  }

  /** ``POST /invoke``: the whole answer at once. */
  invoke(body: InvokeRequest, signal?: AbortSignal): Promise<InvokeResponse> {
    return this.json<InvokeResponse>("POST", "/invoke", body, signal);
  }

  validate(body: InvokeRequest): Promise<ValidateResponse> {
    const { debug: _debug, ...rest } = body;
    return this.json<ValidateResponse>("POST", "/models/validate", rest);
  }

  saveModel(id: string, body: SaveRequest): Promise<SaveResponse> {
    return this.json<SaveResponse>("PUT", `/models/${encodeURIComponent(id)}`, body);
  }

  deleteModel(id: string, version: number): Promise<DeleteResponse> {
    return this.json<DeleteResponse>("DELETE", `/models/${encodeURIComponent(id)}?version=${version}`);
  }

  /** ``GET /discovery/sagemaker/endpoints`` (admins, audited): a region's endpoints with their detected formats. */
  discoverEndpoints(scope: DiscoveryScope, nextToken?: string): Promise<EndpointPage> {
    const extra: Record<string, string> = { limit: "50" };
    if (nextToken) extra.next_token = nextToken;
    return this.json<EndpointPage>("GET", `/discovery/sagemaker/endpoints?${discoveryQuery(scope, extra)}`);
  }

  /** ``GET /discovery/bedrock/models`` (admins, audited): models, profiles, imported and Marketplace models. */
  discoverBedrockModels(scope: DiscoveryScope): Promise<BedrockModelList> {
    return this.json<BedrockModelList>("GET", `/discovery/bedrock/models?${discoveryQuery(scope)}`);
  }

  /** ``POST /discovery/probe`` (admins, audited): which catalogue format a target answers, in a few bounded calls. */
  probe(body: ProbeRequest): Promise<ProbeResult> {
    return this.json<ProbeResult>("POST", "/discovery/probe", body);
  }

  /**
   * ``POST /invoke/stream``: ``onDelta`` gets the text as it arrives (``onReasoning`` the model's reasoning, from
   * reasoning models); resolves with the whole answer after the ``done`` frame. A refusal or an invalid body is
   * answered before the stream starts, as the same JSON error as ``POST /invoke`` (an ``ApiError`` with that status
   * and body).
   */
  async invokeStream(
    body: InvokeRequest,
    onDelta: (text: string) => void,
    signal?: AbortSignal,
    onReasoning?: (text: string) => void,
  ): Promise<InvokeResponse> {
    // The stream reader (and its SSE parser) is loaded while the request goes out: no page needs it to open.
    const reader = import("./eventStream");
    const response = await this.send("POST", "/invoke/stream", body, signal, "text/event-stream, application/json");
    const { readInvokeStream } = await reader;
    return readInvokeStream(response, onDelta, signal, onReasoning);
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
