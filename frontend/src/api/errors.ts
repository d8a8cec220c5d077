import type { ErrorBody } from "./types";

/** An API answer other than 2xx, with the API's error body (or one made up for a non-JSON answer). */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }

  get code(): string {
    return this.body.error;
  }
}

const RULES: Record<string, string> = {
  admin_only: "only members of the admin group may do this",
  cross_account_stage: "cross-account roles are not allowed on this stage",
  cross_account_role: "this role ARN is not in the stage's allow-list",
  custom_endpoint: "custom Bedrock endpoints are not allowed on this stage",
  discovery_scope: "discovery is not enabled on this stage, or not in this region",
};

export function describeRule(rule: string): string {
  return RULES[rule] ?? rule;
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const body = value as Record<string, unknown>;
  return typeof body.error === "string" && typeof body.message === "string";
}

/** Any thrown value -> an ``ErrorBody`` to show. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof ApiError) return error.body;
  // By name: an abort reason is a DOMException named AbortError, not always this realm's DOMException (jsdom).
  if (error instanceof Error && error.name === "AbortError") return { error: "aborted", message: "Cancelled." };
  if (error instanceof Error) return { error: "client_error", message: error.message };
  return { error: "client_error", message: String(error) };
}
