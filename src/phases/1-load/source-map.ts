import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Span } from '../../diagnostics/diagnostic.js';
import type { EntryRanges } from './block-yaml.js';

export type PathSegment = string | number;

/** One parsed YAML document of one spec file. */
export interface SourceDocument {
  /** The path as the user named it, for diagnostics. */
  readonly file: string;
  /** Relative to the spec's folder, for generated-file headers. */
  readonly name: string;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
  /** Where the key `key` of the mapping `owner` (as read) and its value are, when known without `doc`: [start, end) offsets. */
  readonly entryRanges?: (owner: object, key: string) => EntryRanges | undefined;
}

/** Enough to turn offsets into line:col. */
export type TextSource = Pick<SourceDocument, 'file' | 'lineCounter'>;

interface Origin {
  readonly source: SourceDocument;
  readonly path: readonly PathSegment[];
}

/**
 * Remembers where every object and array of the spec came from, so any later phase can point at
 * the YAML that caused a problem: `sourceMap.valueSpan(app, 'replicas')` underlines `replicas`' value,
 * `keySpan(app, 'replica')` underlines the key. Spans are computed on demand from the YAML nodes.
 */
export class SourceMap {
  private readonly origins = new WeakMap<object, Origin>();

  /** Records `value` and everything inside it as coming from `path` of `source`. */
  record(value: unknown, source: SourceDocument, path: readonly PathSegment[] = []): void {
    if (value === null || typeof value !== 'object') return;
    this.origins.set(value, { source, path });
    if (Array.isArray(value)) value.forEach((item, i) => this.record(item, source, [...path, i]));
    else for (const [key, item] of Object.entries(value)) this.record(item, source, [...path, key]);
  }

  /** The file and YAML path `value` came from. */
  originOf(value: object): Origin | undefined {
    return this.origins.get(value);
  }

  /** The span of `owner[key]`'s value (or of `owner` itself), falling back to the nearest node that exists. */
  valueSpan(owner: object, key?: PathSegment): Span | undefined {
    const origin = this.origins.get(owner);
    if (!origin) return undefined;
    const known = key === undefined ? undefined : origin.source.entryRanges?.(owner, String(key))?.value;
    if (known) return spanOfRange(origin.source, known[0], known[1]);
    return spanAtPath(origin.source, key === undefined ? origin.path : [...origin.path, key], 'value');
  }

  /** The span of the key `key` in the mapping `owner` (for unknown or misspelt fields). */
  keySpan(owner: object, key: PathSegment): Span | undefined {
    const origin = this.origins.get(owner);
    if (!origin) return undefined;
    const known = origin.source.entryRanges?.(owner, String(key))?.key;
    if (known) return spanOfRange(origin.source, known[0], known[1]);
    return spanAtPath(origin.source, [...origin.path, key], 'key');
  }
}

/** Span of the node at `path` in a document; the nearest existing ancestor when the path runs out. */
export function spanAtPath(source: SourceDocument, path: readonly PathSegment[], part: 'key' | 'value'): Span {
  let node: Node | null | undefined = source.doc.contents as Node | null;
  let lastPair: Pair | undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(source.doc) as Node | undefined;
    let next: Node | null | undefined;
    if (isMap(node)) {
      const pair = pairsByKey(node).get(String(segment));
      if (!pair) break;
      lastPair = pair;
      next = pair.value as Node | null;
      if (next == null) {
        node = pair.key as Node; // `key:` with no value: point at the key
        break;
      }
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      next = node.items[segment] as Node;
      lastPair = undefined;
    } else break;
    node = next;
  }
  const target = part === 'key' && lastPair && isScalar(lastPair.key) && node === lastPair.value ? (lastPair.key as Node) : node;
  return spanOfNode(source, target);
}

export function spanOfNode(source: TextSource, node: Node | null | undefined): Span {
  const range = node?.range ?? [0, 0, 0];
  return spanOfRange(source, range[0], Math.max(range[1], range[0]));
}

export function spanOfRange(source: TextSource, start: number, end: number): Span {
  const a = source.lineCounter.linePos(start);
  const b = source.lineCounter.linePos(end);
  return { file: source.file, start: { line: a.line, col: a.col }, end: { line: b.line, col: b.col }, offset: [start, end] };
}

/** Where a mapping's index of its pairs is kept: on the node, so it lives exactly as long as the parsed document. */
const PAIRS_BY_KEY = Symbol('pairsByKey');

/**
 * A mapping's pairs by scalar key (the first pair of a key, as `find` gave), made once per mapping,
 * so locating every key of a large mapping (a diagnostic on each) stays linear instead of
 * scanning the mapping once per key.
 */
function pairsByKey(map: YAMLMap): ReadonlyMap<string, Pair> {
  const indexed = map as YAMLMap & { [PAIRS_BY_KEY]?: Map<string, Pair> };
  let index = indexed[PAIRS_BY_KEY];
  if (index === undefined) {
    index = new Map();
    for (const pair of map.items) {
      const key = isPair(pair) ? scalarKey(pair.key) : undefined;
      if (key !== undefined && !index.has(key)) index.set(key, pair);
    }
    Object.defineProperty(indexed, PAIRS_BY_KEY, { value: index, enumerable: false });
  }
  return index;
}

function scalarKey(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}
