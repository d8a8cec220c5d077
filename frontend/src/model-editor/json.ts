/** JSON value types and small structural helpers shared by the editor modules. */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

export function clone<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** Drops object members whose value is null (recursively through objects, not inside arrays). */
export function pruneNulls<T extends JsonValue>(value: T): T {
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (child !== null) out[key] = pruneNulls(child);
  }
  return out as T;
}

/** True when an object anywhere inside ``value`` holds a null member (a merge patch cannot express those). */
export function hasNullMembers(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.some(hasNullMembers);
  if (!isJsonObject(value)) return false;
  return Object.values(value).some((child) => child === null || hasNullMembers(child));
}

export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
