/**
 * Version history helpers: the difference between two saved versions as an RFC 7396 merge patch (what applying it to
 * version A gives version B), and the ``PUT /models/{id}`` body that restores an old version as a new one.
 */
import type { ModelVersion, SaveRequest } from "../api/types";
import { pruneNulls, type JsonObject } from "./json";
import { createObjectMergePatch, isEmptyPatch, patchedPaths } from "./mergePatch";

export interface VersionDiff {
  patch: JsonObject;
  /** The changed leaf paths (``provider.endpoint_name``), for a one-line summary. */
  paths: string[];
  same: boolean;
}

/** The merge patch from ``from`` to ``to`` (nulls in the stored configs are "not set", as in the editor). */
export function versionDiff(from: JsonObject, to: JsonObject): VersionDiff {
  const patch = createObjectMergePatch(pruneNulls(from), pruneNulls(to));
  return { patch, paths: patchedPaths(patch), same: isEmptyPatch(patch) };
}

/**
 * Restoring version ``old.version`` saves its config again as a new version on top of ``currentVersion`` (optimistic
 * locking: a 409 if someone saved meanwhile), recorded as ``restored_from`` and audited as a restore.
 */
export function restoreRequest(old: ModelVersion, currentVersion: number): SaveRequest {
  return {
    config: structuredClone(old.config) as unknown as SaveRequest["config"],
    version: currentVersion,
    restored_from: old.version,
    ...(old.base_model_id ? { base_model_id: old.base_model_id } : {}),
  };
}

/** The two versions to compare by default: the one before the latest, and the latest. */
export function defaultComparison(versions: readonly { version: number }[]): { a: number | null; b: number | null } {
  const [latest, previous] = versions;
  return { a: previous?.version ?? latest?.version ?? null, b: latest?.version ?? null };
}
