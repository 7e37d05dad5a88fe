/**
 * JSON Patch (RFC 6902) over plain JSON values, with JSON Pointers (RFC 6901). Small on purpose:
 * fleet needs the six operations, exact errors (which step of which path failed), and nothing
 * else; `fast-json-patch` would add a dependency whose errors name no pointer step.
 *
 * Operations never change their input: applyOperation works on the document it is given, so
 * callers copy first (applyPatch does).
 */

export type PatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly path: string; readonly from: string };

/** Why an operation could not be applied: the pointer that failed (`path` or `from`), or a failed `test`. */
export class PatchError extends Error {
  constructor(
    readonly field: 'path' | 'from' | 'value',
    message: string,
  ) {
    super(message);
  }
}

/** A copy of `document` with `operations` applied in order; throws PatchError at the first that fails (RFC 6902 §5: the whole patch fails). */
export function applyPatch<T>(document: T, operations: readonly PatchOperation[]): T {
  let result: unknown = structuredClone(document);
  for (const operation of operations) result = applyOperation(result, operation);
  return result as T;
}

/** Applies one operation to `document` in place where it can, and returns the result (a whole-document `add`/`replace` returns the new value). */
export function applyOperation(document: unknown, operation: PatchOperation): unknown {
  const path = parsePointer(operation.path, 'path');
  switch (operation.op) {
    case 'add':
      return add(document, path, structuredClone(operation.value), 'path');
    case 'remove':
      remove(document, path, 'path');
      return document;
    case 'replace':
      if (path.length === 0) return structuredClone(operation.value);
      valueAt(document, path, 'path');
      remove(document, path, 'path');
      return add(document, path, structuredClone(operation.value), 'path');
    case 'move': {
      const from = parsePointer(operation.from, 'from');
      if (from.length < path.length && from.every((token, i) => token === path[i])) {
        throw new PatchError('from', `cannot move ${operation.from} into its own child ${operation.path}`);
      }
      const value = valueAt(document, from, 'from');
      remove(document, from, 'from');
      return add(document, path, value, 'path');
    }
    case 'copy':
      return add(document, path, structuredClone(valueAt(document, parsePointer(operation.from, 'from'), 'from')), 'path');
    case 'test': {
      const actual = valueAt(document, path, 'path');
      if (!jsonEqual(actual, operation.value)) throw new PatchError('value', `${operation.path} is ${JSON.stringify(actual)}, not ${JSON.stringify(operation.value)}`);
      return document;
    }
  }
}

/** RFC 6901: `""` is the whole document; otherwise `/`-separated tokens, `~1` for `/` and `~0` for `~` (in that order). */
export function parsePointer(pointer: string, field: 'path' | 'from'): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(field, `${JSON.stringify(pointer)} is not a JSON Pointer: it must start with /`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw new PatchError(field, `${JSON.stringify(pointer)} has a ~ that is neither ~0 nor ~1`);
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** The pointer of the first `length` tokens, for messages. */
function pointerOf(tokens: readonly string[], length = tokens.length): string {
  return tokens
    .slice(0, length)
    .map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}

function valueAt(document: unknown, tokens: readonly string[], field: 'path' | 'from'): unknown {
  let current = document;
  tokens.forEach((token, i) => {
    current = child(current, token, tokens, i, field);
  });
  return current;
}

function child(container: unknown, token: string, tokens: readonly string[], i: number, field: 'path' | 'from'): unknown {
  const at = pointerOf(tokens, i) || '/';
  if (Array.isArray(container)) {
    const index = arrayIndex(token, tokens, i, field);
    if (index >= container.length) throw new PatchError(field, `${pointerOf(tokens, i + 1)}: ${at} has ${container.length} item(s), no index ${index}`);
    return container[index];
  }
  if (isObject(container)) {
    if (!Object.hasOwn(container, token)) throw new PatchError(field, `${pointerOf(tokens, i + 1)}: ${at} has no member ${JSON.stringify(token)}${membersHint(container)}`);
    return container[token];
  }
  throw new PatchError(field, `${pointerOf(tokens, i + 1)}: ${at} is ${JSON.stringify(container)}, not an object or array`);
}

function add(document: unknown, tokens: readonly string[], value: unknown, field: 'path' | 'from'): unknown {
  if (tokens.length === 0) return value;
  const parent = valueAt(document, tokens.slice(0, -1), field);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    if (last === '-') parent.push(value);
    else {
      const index = arrayIndex(last, tokens, tokens.length - 1, field);
      if (index > parent.length) throw new PatchError(field, `${pointerOf(tokens)}: ${pointerOf(tokens, tokens.length - 1)} has ${parent.length} item(s); add inserts at 0 to ${parent.length} or at -`);
      parent.splice(index, 0, value);
    }
  } else if (isObject(parent)) parent[last] = value;
  else throw new PatchError(field, `${pointerOf(tokens)}: ${pointerOf(tokens, tokens.length - 1) || '/'} is ${JSON.stringify(parent)}, not an object or array`);
  return document;
}

function remove(document: unknown, tokens: readonly string[], field: 'path' | 'from'): void {
  if (tokens.length === 0) throw new PatchError(field, 'cannot remove the whole object');
  valueAt(document, tokens, field);
  const parent = valueAt(document, tokens.slice(0, -1), field) as unknown[] | Record<string, unknown>;
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
}

function arrayIndex(token: string, tokens: readonly string[], i: number, field: 'path' | 'from'): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(field, `${pointerOf(tokens, i + 1)}: ${pointerOf(tokens, i) || '/'} is an array, and ${JSON.stringify(token)} is not an index`);
  return Number(token);
}

function membersHint(object: Record<string, unknown>): string {
  const keys = Object.keys(object).sort();
  if (keys.length === 0) return ' (it is empty)';
  return ` (it has ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''})`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6902 §4.6 equality: same type; objects with the same members (any order); arrays item by item; numbers by value. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return a === b;
}
