/**
 * `record[key]` when `record` itself holds `key`; otherwise undefined.
 *
 * Spec mappings (labels, selectors, splits) are plain objects, and a plain lookup also finds what
 * every object inherits from Object.prototype: `labels['constructor']` is a function, so a selector
 * `{ key: constructor, operator: Exists }` would match every app. Every lookup of a key the spec's
 * author chose goes through here (or through a Map).
 */
export function ownValue<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
