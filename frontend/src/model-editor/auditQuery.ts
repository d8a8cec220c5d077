/**
 * The audit filters live in the page's URL (``/audit?model_id=x&action=save``), so a filtered view can be shared and
 * survives a reload; the same filters become the query of ``GET /audit``. Dates are UTC, inclusive (the API's rule).
 */
import type { AuditAction, AuditOutcome, AuditQuery } from "../api/types";

export const AUDIT_ACTIONS: readonly AuditAction[] = ["invoke", "validate", "save", "restore", "delete", "read"];
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ["allowed", "denied", "success", "error"];
export const AUDIT_PAGE_SIZE = 25;

export interface AuditFilters {
  model_id?: string;
  actor?: string;
  action?: AuditAction;
  outcome?: AuditOutcome;
  /** ``YYYY-MM-DD`` or a date-time, UTC, inclusive. */
  since?: string;
  until?: string;
}

const KEYS = ["model_id", "actor", "action", "outcome", "since", "until"] as const;
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,3})?)?)?Z?)?$/;
const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The filters in a URL's query; values the API would refuse are dropped (a hand-edited URL never breaks the page). */
export function filtersFromSearch(search: URLSearchParams | string): AuditFilters {
  const params = typeof search === "string" ? new URLSearchParams(search) : search;
  const filters: AuditFilters = {};
  const modelId = params.get("model_id")?.trim();
  if (modelId && MODEL_ID.test(modelId)) filters.model_id = modelId;
  const actor = params.get("actor")?.trim();
  if (actor) filters.actor = actor.slice(0, 128);
  const action = params.get("action");
  if (action && (AUDIT_ACTIONS as readonly string[]).includes(action)) filters.action = action as AuditAction;
  const outcome = params.get("outcome");
  if (outcome && (AUDIT_OUTCOMES as readonly string[]).includes(outcome)) filters.outcome = outcome as AuditOutcome;
  for (const key of ["since", "until"] as const) {
    const value = params.get(key)?.trim();
    if (value && DATE.test(value)) filters[key] = value;
  }
  return filters;
}

/** The query string of the filters (stable key order; empty members left out). */
export function filtersToSearch(filters: AuditFilters): string {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  return params.toString();
}

/** The ``GET /audit`` query for one page of the filtered records. */
export function auditQuery(filters: AuditFilters, page: { nextToken?: string | null; limit?: number } = {}): AuditQuery {
  const query: AuditQuery = { ...filters, limit: page.limit ?? AUDIT_PAGE_SIZE };
  if (page.nextToken) query.next_token = page.nextToken;
  return query;
}

/** Why the time range cannot be sent, or null (the API would answer 400). */
export function rangeProblem(filters: AuditFilters): string | null {
  if (filters.since && filters.until && filters.since.slice(0, 10) > filters.until.slice(0, 10)) {
    return "The start date is after the end date.";
  }
  return null;
}
