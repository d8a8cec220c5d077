/**
 * Unsaved edits survive a reload: the editor's draft is kept in ``localStorage`` per model (``new`` for the create
 * flow) with the version it was made on, and restored with a banner that offers to discard it.
 */
import { isJsonObject, type JsonObject } from "./json";

export const DRAFT_PREFIX = "model-studio:draft:";

export interface StoredDraft {
  /** The config being edited (the editor's draft, possibly invalid). */
  draft: JsonObject;
  /** When it was last written (ISO). */
  savedAt: string;
  /** The model version the edits were made on (null: predefined model or a new one). */
  baseVersion: number | null;
  /** Extra state of the page (e.g. the create flow's step and starting point). */
  extra?: JsonObject;
}

type StorageLike = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function storage(): StorageLike | null {
  try {
    return typeof window !== "undefined" ? window.localStorage : null;
  } catch {
    return null; // storage disabled (privacy mode): drafts are simply not kept
  }
}

export function draftKey(modelKey: string): string {
  return `${DRAFT_PREFIX}${modelKey}`;
}

export function readDraft(modelKey: string, store: StorageLike | null = storage()): StoredDraft | null {
  const text = store?.getItem(draftKey(modelKey));
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (!isJsonObject(value as never)) return null;
    const stored = value as Record<string, unknown>;
    if (!isJsonObject(stored.draft as never) || typeof stored.savedAt !== "string") return null;
    const baseVersion = typeof stored.baseVersion === "number" ? stored.baseVersion : null;
    const extra = isJsonObject(stored.extra as never) ? (stored.extra as JsonObject) : undefined;
    return { draft: stored.draft as JsonObject, savedAt: stored.savedAt, baseVersion, ...(extra ? { extra } : {}) };
  } catch {
    return null;
  }
}

export function writeDraft(
  modelKey: string,
  draft: Omit<StoredDraft, "savedAt">,
  store: StorageLike | null = storage(),
  now: () => Date = () => new Date(),
): void {
  try {
    store?.setItem(draftKey(modelKey), JSON.stringify({ ...draft, savedAt: now().toISOString() }));
  } catch {
    // quota exceeded: the draft is not kept, the editor keeps working
  }
}

export function clearDraft(modelKey: string, store: StorageLike | null = storage()): void {
  store?.removeItem(draftKey(modelKey));
}
