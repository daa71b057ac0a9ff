/**
 * `o` without its undefined properties, so that spreading it over defaults keeps the default
 * (with `exactOptionalPropertyTypes`, `{ a: undefined }` is not `{}`).
 */
export function definedOnly<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
