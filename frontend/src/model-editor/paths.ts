/**
 * Field paths. The editor names a field by a dotted key (``provider.endpoint_name``), the same form the API
 * uses in ``details[].path`` (array items as ``[0]``, the root as ``$``).
 */

export type Path = readonly string[];

export function pathKey(path: Path): string {
  return path.join(".");
}

/** ``/prompt/stop_sequences/0`` (JSON Pointer, as Ajv reports) -> ``prompt.stop_sequences[0]``. */
export function pointerToKey(pointer: string, child?: string): string {
  const segments = pointer
    .split("/")
    .slice(1)
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
  if (child !== undefined) segments.push(child);
  let key = "";
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) key += `[${segment}]`;
    else key += key ? `.${segment}` : segment;
  }
  return key || "$";
}

/** True when the error at ``errorKey`` belongs to the field ``fieldKey`` (itself or something inside it). */
export function isWithin(errorKey: string, fieldKey: string): boolean {
  return errorKey === fieldKey || errorKey.startsWith(`${fieldKey}.`) || errorKey.startsWith(`${fieldKey}[`);
}

export interface FieldError {
  path: string;
  message: string;
}

/**
 * Puts each error at the most specific field that contains it; the rest are ``unassigned`` (shown in a summary).
 */
export function assignErrors(
  errors: readonly FieldError[],
  fieldKeys: readonly string[],
): { byField: Record<string, string[]>; unassigned: FieldError[] } {
  const byField: Record<string, string[]> = {};
  const unassigned: FieldError[] = [];
  const sorted = [...fieldKeys].sort((a, b) => b.length - a.length);
  for (const error of errors) {
    const field = sorted.find((key) => isWithin(error.path, key));
    if (field === undefined) {
      unassigned.push(error);
      continue;
    }
    const where = error.path === field ? "" : `${error.path.slice(field.length).replace(/^\./, "")}: `;
    (byField[field] ??= []).push(`${where}${error.message}`);
  }
  return { byField, unassigned };
}
