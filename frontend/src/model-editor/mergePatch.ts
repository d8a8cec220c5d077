/**
 * RFC 7396 JSON Merge Patch: create the patch that turns ``source`` into ``target`` and apply one.
 *
 * Objects diff recursively, a removed key becomes ``null``, anything else (arrays included) is replaced whole.
 * A merge patch cannot set an object member to ``null`` (null means "delete"), so a member that is null or
 * absent counts as the same thing on both sides.
 */
import { deepEqual, isJsonObject, pruneNulls, type JsonObject, type JsonValue } from "./json";

export function createMergePatch(source: JsonValue, target: JsonValue): JsonValue {
  if (!isJsonObject(source) || !isJsonObject(target)) return pruneNulls(structuredClone(target));
  return createObjectMergePatch(source, target);
}

/** The patch between two objects, which is always an object (``{}`` when nothing changed). */
export function createObjectMergePatch(source: JsonObject, target: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(source)) {
    if (source[key] !== null && (!Object.hasOwn(target, key) || target[key] === null)) patch[key] = null;
  }
  for (const [key, after] of Object.entries(target)) {
    if (after === null) continue;
    const before = source[key];
    if (before === undefined || before === null) {
      patch[key] = pruneNulls(structuredClone(after));
    } else if (!deepEqual(before, after)) {
      const child = createMergePatch(before, after);
      if (!(isJsonObject(child) && isJsonObject(before) && isJsonObject(after) && Object.keys(child).length === 0)) {
        patch[key] = child;
      }
    }
  }
  return patch;
}

export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result: JsonObject = isJsonObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

export function isEmptyPatch(patch: JsonValue): boolean {
  return isJsonObject(patch) && Object.keys(patch).length === 0;
}

/** Every leaf path a patch touches, as editor path keys (``provider.endpoint_name``). */
export function patchedPaths(patch: JsonValue, prefix: readonly string[] = []): string[] {
  if (!isJsonObject(patch) || (prefix.length > 0 && Object.keys(patch).length === 0)) {
    return prefix.length ? [prefix.join(".")] : [];
  }
  return Object.entries(patch).flatMap(([key, value]) => patchedPaths(value, [...prefix, key]));
}

/** True when ``fieldPath`` is one of ``changed`` or an ancestor / descendant of one. */
export function isPathChanged(changed: readonly string[], fieldPath: string): boolean {
  return changed.some(
    (path) => path === fieldPath || path.startsWith(`${fieldPath}.`) || fieldPath.startsWith(`${path}.`),
  );
}
