import type { PathSegment } from '../1-load/index.js';

/**
 * A readable path into the spec, used in messages and generated-file headers:
 * `apps.checkout.versions[canary].image`. Top-level items are named by their `name`;
 * nested named items in brackets; unnamed ones by index.
 */
export function specPath(root: unknown, path: readonly PathSegment[]): string {
  let out = '';
  let node: unknown = root;
  path.forEach((segment, depth) => {
    const next = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment as string] : undefined;
    if (typeof segment === 'number') {
      const name = nameOf(next);
      out += depth === 1 && name !== undefined ? `.${name}` : `[${name ?? segment}]`;
    } else {
      out += out === '' ? segment : `.${segment}`;
    }
    node = next;
  });
  return out;
}

function nameOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const name = (value as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Decodes an ajv instancePath (a JSON Pointer) into path segments. */
export function fromJsonPointer(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
}
