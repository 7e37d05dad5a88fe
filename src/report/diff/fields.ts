import type { KubeObject } from '../../model/manifest.js';
import { isRecord, kindOf, listIdentity, type ListIdentity } from './list-identity.js';
import type { FieldChange } from './model.js';

/**
 * Every leaf where `after` differs from `before`, dyff style: `spec.replicas`,
 * `spec.template.spec.containers[name=web].image`, `metadata.labels["app.kubernetes.io/name"]`.
 * Keys keep their order (the writer sorts them). Lists with an identity (list-identity.ts) are
 * matched entry by entry: an entry only on one side is one `add` or `remove` change holding the
 * whole entry, a matched entry is compared field by field, and a move is no change unless the
 * list's order matters (then one `reorder` change). Other lists compare by position.
 */
export function changedFields(before: KubeObject, after: KubeObject): FieldChange[] {
  const kind = kindOf(after);
  return walk(before, after, { path: '', shape: '', identityOf: (shape) => listIdentity(kind, shape) });
}

interface Walk {
  /** Where the walk is, as the report names it: `spec.http[name=canary].timeout`. */
  readonly path: string;
  /** The same place with entries written `[]`, as the identity table names lists. */
  readonly shape: string;
  readonly identityOf: (shape: string) => ListIdentity | undefined;
}

function walk(before: unknown, after: unknown, at: Walk): FieldChange[] {
  if (before === after) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    return keys.flatMap((key) => walk(before[key], after[key], { ...at, path: `${at.path}${keySegment(key, at.path)}`, shape: `${at.shape}${keySegment(key, at.shape)}` }));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const entryAt = (label: string): Walk => ({ ...at, path: `${at.path}[${label}]`, shape: `${at.shape}[]` });
    const identity = at.identityOf(at.shape);
    const matched = identity && matchEntries(before, after, identity);
    if (!matched) {
      const length = Math.max(before.length, after.length);
      return Array.from({ length }, (_, i) => walk(before[i], after[i], entryAt(String(i)))).flat();
    }
    const changes: FieldChange[] = [];
    if (matched.reordered && identity.ordered([...before, ...after])) {
      changes.push({ path: at.path, before: matched.orderBefore, after: matched.orderAfter, entry: 'reorder' });
    }
    for (const r of matched.removed) changes.push({ path: entryAt(r.label).path, before: r.entry, entry: 'remove' });
    for (const e of matched.after) {
      if (e.beforeAt === undefined) changes.push({ path: entryAt(e.label).path, after: e.entry, entry: 'add' });
      else changes.push(...walk(before[e.beforeAt], e.entry, entryAt(e.label)));
    }
    return changes;
  }
  return deepEqual(before, after) ? [] : [{ path: at.path, before, after }];
}

interface Matched {
  /** The after side in order; `beforeAt` is the matching entry's index on the before side, absent for an added entry. */
  readonly after: readonly { entry: unknown; label: string; beforeAt?: number }[];
  /** Entries only on the before side, in order. */
  readonly removed: readonly { entry: unknown; label: string }[];
  /**
   * Whether precedence changed: entries on both sides are in another order, or a new entry comes
   * before one that was there (it now matches first). A removal or an entry appended changes no
   * other entry's precedence.
   */
  readonly reordered: boolean;
  /** The before side's labels in order, and the after side's (a new entry as `+[label]`), for the reorder change. */
  readonly orderBefore: readonly string[];
  readonly orderAfter: readonly string[];
}

/**
 * Pairs the entries of two lists by identity; `undefined` when some entry has none. Entries that
 * share an identity on one side (two Calico rules that match the same traffic, annotated for two
 * traffic rules) pair with an identical entry first, then with the rest in order; in paths they
 * are `label`, `label#2`, ….
 */
function matchEntries(before: readonly unknown[], after: readonly unknown[], identity: ListIdentity): Matched | undefined {
  const [b, a] = [keyed(before, identity), keyed(after, identity)];
  if (!b || !a) return undefined;
  const pairOf = pairByKey(before, after, b, a);
  const paired = new Set(pairOf.filter((i) => i !== undefined));
  const entries = a.map((e, j) => ({ entry: after[j], label: e.label, beforeAt: pairOf[j] }));

  const common = entries.flatMap((e) => (e.beforeAt === undefined ? [] : [e.beforeAt]));
  const moved = common.some((i, n) => n > 0 && i < common[n - 1]);
  const lastCommon = entries.reduce((last, e, j) => (e.beforeAt === undefined ? last : j), -1);
  const insertedAhead = entries.some((e, j) => e.beforeAt === undefined && j < lastCommon);
  return {
    after: entries,
    removed: before.flatMap((entry, i) => (paired.has(i) ? [] : [{ entry, label: b[i].label }])),
    reordered: moved || insertedAhead,
    orderBefore: b.map((e) => `[${e.label}]`),
    orderAfter: entries.map((e) => (e.beforeAt === undefined ? `+[${e.label}]` : `[${b[e.beforeAt].label}]`)),
  };
}

/** For each after entry, the index of its before entry with the same key: an identical one if any, else the first left. */
function pairByKey(before: readonly unknown[], after: readonly unknown[], b: readonly Keyed[], a: readonly Keyed[]): (number | undefined)[] {
  const free = new Map<string, number[]>();
  b.forEach((e, i) => free.set(e.key, [...(free.get(e.key) ?? []), i]));
  const pairOf: (number | undefined)[] = a.map(() => undefined);
  const take = (j: number, pick: (i: number) => boolean) => {
    const candidates = free.get(a[j].key) ?? [];
    const at = candidates.findIndex(pick);
    if (at >= 0) pairOf[j] = candidates.splice(at, 1)[0];
  };
  a.forEach((_, j) => take(j, (i) => deepEqual(before[i], after[j])));
  a.forEach((_, j) => pairOf[j] === undefined && take(j, () => true));
  return pairOf;
}

interface Keyed {
  readonly key: string;
  readonly label: string;
}

/** Each entry's identity and how paths name it, or `undefined` when one has no identity. */
function keyed(list: readonly unknown[], identity: ListIdentity): Keyed[] | undefined {
  const seen = new Map<string, number>();
  const out: Keyed[] = [];
  for (const [i, entry] of list.entries()) {
    const key = identity.key(entry);
    if (key === undefined) return undefined;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    out.push({ key, label: identity.label ? `${identity.label(entry)}${n > 1 ? `#${n}` : ''}` : String(i) });
  }
  return out;
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
