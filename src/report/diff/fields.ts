import type { FieldChange } from './model.js';

/**
 * Every leaf where `after` differs from `before`, dyff style: `spec.replicas`,
 * `spec.http[0].route[1].weight`, `metadata.labels["app.kubernetes.io/name"]`. Keys keep their
 * order (the writer sorts them); lists compare by position, since fleet keeps list order stable.
 */
export function changedFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (before === after) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    return keys.flatMap((key) => changedFields(before[key], after[key], `${path}${keySegment(key, path)}`));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => changedFields(before[i], after[i], `${path}[${i}]`)).flat();
  }
  return deepEqual(before, after) ? [] : [{ path, before, after }];
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function keySegment(key: string, path: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path ? `.${key}` : key;
  return `[${JSON.stringify(key)}]`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
