/**
 * A fast reader for the plain YAML that fleet specs are mostly written in (and that
 * `bench/generate.ts` and fleet's own writer produce): block mappings and sequences, single-line
 * plain and quoted scalars, flow collections that open and close on one line (`labels: { geo: eu
 * }`, `ports: [http, grpc]`, `- { name: eu-1, region: eu-west-1 }`), comments, `---` between
 * documents. Reading comes before anything else can start, and the `yaml` package builds a
 * document of nodes with source positions that a spec without problems never needs; this reads
 * the subset straight into plain values.
 *
 * It gives exactly what `yaml` gives (YAML 1.2 core schema, as load() asks for) or nothing: on
 * anything beyond that subset (anchors, tags, block and multi-line scalars, flow collections over
 * several lines or with empty entries, escapes, numbers other than plain decimals, duplicate keys,
 * odd keys) it returns undefined and load() parses with `yaml`, which also reports every error.
 * Source positions are kept only as where each block mapping starts (EntryPositions): the position
 * of one of its entries (its key, and its value when that is on the key's line), which most
 * diagnostics point at, is found from there (entryRanges); the `yaml` document is made only when a
 * diagnostic needs another.
 * test/unit/block-yaml.test.ts holds the two readers to the same values and positions.
 */

/**
 * Where the block mappings read start: mapping (as read) -> the offset in the text of its first
 * entry's key. One number per mapping, for entryRanges to find any entry from.
 */
export type EntryPositions = WeakMap<object, number>;

/** Where an entry of a block mapping is, as `yaml` gives a node's range: [start, end) offsets. */
export interface EntryRanges {
  /** A quoted key with its quotes. */
  readonly key: readonly [number, number];
  /** Absent for a value on the lines below (a block collection) or none; a quoted scalar with its quotes, a flow collection with its brackets. */
  readonly value?: readonly [number, number];
}

/**
 * Where the entry `key` of the block mapping that starts at `start` (EntryPositions) of `text` is,
 * `text` being one readBlockYaml read: the mapping's entries are the lines from there at its
 * column (the first may follow a `- `); deeper lines, and a sequence at its column, are values; a
 * line less deep, or a document marker, ends it.
 */
export function entryRanges(text: string, start: number, key: string): EntryRanges | undefined {
  const column = start - (text.lastIndexOf('\n', start - 1) + 1);
  for (let offset = start; offset !== -1; offset = nextEntry(text, lineEnd(text, offset), column)) {
    const content = text.slice(offset, lineEnd(text, offset));
    const entry = mappingEntry(content);
    if (entry?.key !== key) continue;
    const quoted = content[0] === '"' || content[0] === "'";
    const keyRange = [offset, offset + key.length + (quoted ? 2 : 0)] as const;
    if (entry.rest === '') return { key: keyRange };
    // A quoted value keeps the comment after it in `rest` (see withoutComment): it ends at its closing quote.
    const length = entry.rest[0] === '"' || entry.rest[0] === "'" ? quotedAt(entry.rest, 0).end : entry.rest.length;
    return { key: keyRange, value: [offset + entry.restAt, offset + entry.restAt + length] };
  }
  return undefined;
}

/** Where the next entry of the mapping at `column` starts, after the line that ends at `end`; -1 when it has no more. */
function nextEntry(text: string, end: number, column: number): number {
  while (end < text.length) {
    const next = end + 1;
    end = lineEnd(text, next);
    const line = text.slice(next, end);
    const content = line.trimStart();
    if (content === '' || content.startsWith('#')) continue;
    if (line.startsWith('---') || line.startsWith('...')) return -1;
    const indent = line.length - content.length;
    if (indent < column) return -1;
    if (indent === column && !isSequenceItem(content)) return next + indent;
  }
  return -1;
}

function lineEnd(text: string, at: number): number {
  const end = text.indexOf('\n', at);
  return end === -1 ? text.length : end;
}

/** The documents of `text`, each a mapping; undefined when it is not (only) such YAML. With `positions`, records where each of its block mappings starts. */
export function readBlockYaml(text: string, positions?: EntryPositions): Record<string, unknown>[] | undefined {
  if (text.includes('\r') || text.includes('\t') || text.charCodeAt(0) === 0xfeff) return undefined;
  const documents: Record<string, unknown>[] = [];
  let lines: Line[] = [];
  const flush = () => {
    if (lines.length === 0) return true;
    const reader = new Reader(lines, positions);
    const value = reader.document();
    lines = [];
    if (value === undefined) return false;
    documents.push(value);
    return true;
  };
  let start = 0;
  let sawMarker = false;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const raw = text.slice(start, end);
    const lineStart = start;
    start = end + 1;
    if (raw.startsWith('---') || raw.startsWith('...') || raw.startsWith('%')) {
      if (raw !== '---') return undefined;
      // A marker after content ends a document; one before any content only starts the first.
      if ((lines.length === 0 && (sawMarker || documents.length > 0)) || !flush()) return undefined;
      sawMarker = true;
      continue;
    }
    const indent = raw.length - raw.trimStart().length;
    const content = raw.slice(indent);
    if (content === '' || content.startsWith('#')) continue;
    lines.push({ indent, text: content, offset: lineStart + indent });
  }
  if (!flush() || documents.length === 0) return undefined;
  return documents;
}

interface Line {
  indent: number;
  text: string;
  /** Where `text` starts in the file. */
  offset: number;
}

/** Thrown inside the reader for anything outside the subset; document() turns it into undefined. */
class NotPlain extends Error {}

class Reader {
  private at = 0;

  constructor(
    private readonly lines: Line[],
    private readonly positions?: EntryPositions,
  ) {}

  document(): Record<string, unknown> | undefined {
    try {
      const first = this.lines[0];
      if (first.indent !== 0 || isSequenceItem(first.text)) throw new NotPlain();
      const value = this.mapping(0);
      if (this.at !== this.lines.length) throw new NotPlain();
      return value;
    } catch (error) {
      if (error instanceof NotPlain) return undefined;
      throw error;
    }
  }

  /** The node that starts at the current line, deeper than `parent`. */
  private node(parent: number): unknown {
    const line = this.lines[this.at];
    if (line.indent <= parent) throw new NotPlain();
    return isSequenceItem(line.text) ? this.sequence(line.indent) : this.mapping(line.indent);
  }

  private mapping(indent: number): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    this.positions?.set(value, this.lines[this.at].offset);
    while (this.at < this.lines.length) {
      const line = this.lines[this.at];
      if (line.indent < indent) break;
      if (line.indent > indent || isSequenceItem(line.text)) throw new NotPlain();
      const entry = mappingEntry(line.text);
      if (!entry || Object.hasOwn(value, entry.key)) throw new NotPlain(); // duplicates: `yaml` reports them
      this.at++;
      // A deeper line after `key: value` (a multi-line scalar) is refused above on the next round.
      value[entry.key] = entry.rest === '' ? this.valueBelow(indent, true) : scalar(entry.rest);
    }
    return value;
  }

  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    while (this.at < this.lines.length) {
      const line = this.lines[this.at];
      if (line.indent < indent || (line.indent === indent && !isSequenceItem(line.text))) break;
      if (line.indent > indent) throw new NotPlain();
      const rest = line.text.slice(1).trimStart();
      if (rest === '' || rest.startsWith('#')) {
        this.at++;
        items.push(this.valueBelow(indent, false));
      } else if (isSequenceItem(rest) || mappingEntry(rest)) {
        // `- key: value` or `- - item`: a node that starts on this line, indented where its text starts.
        this.lines[this.at] = { indent: indent + line.text.length - rest.length, text: rest, offset: line.offset + line.text.length - rest.length };
        items.push(this.node(indent));
      } else {
        this.at++;
        items.push(scalar(withoutComment(rest.trimEnd()))); // a deeper line next (a multi-line scalar) is refused above
      }
    }
    return items;
  }

  /** The value of `key:` or `-` with nothing after it: a node below, or null. */
  private valueBelow(indent: number, inMapping: boolean): unknown {
    const next = this.lines[this.at];
    if (!next || next.indent < indent) return null;
    if (next.indent > indent) return this.node(indent);
    // A mapping's value may be a sequence at the mapping's own indent.
    return inMapping && isSequenceItem(next.text) ? this.sequence(indent) : null;
  }
}

function isSequenceItem(text: string): boolean {
  return text.charCodeAt(0) === 0x2d && (text.length === 1 || text.charCodeAt(1) === 0x20);
}

/** A plain key the reader takes (see checkedKey). */
const PLAIN_KEY = /^[A-Za-z_][-A-Za-z0-9_./]*$/;

/** A line's `key: rest`: `rest` without its comment, starting at `restAt` in the line. */
interface MappingEntry {
  readonly key: string;
  readonly rest: string;
  readonly restAt: number;
}

/** `key: rest` (rest without its comment), or undefined when the line is a scalar, not a mapping entry. */
function mappingEntry(text: string): MappingEntry | undefined {
  // A flow collection (`{ a: 1 }`, `[a]`) is a value; one used as a key (`[a]: b`) is refused where the value is read.
  if (text[0] === '{' || text[0] === '[') return undefined;
  let key: string;
  let after: number;
  const quote = text[0];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, 1);
    if (close === -1 || text[close + 1] !== ':') return undefined;
    key = checkedKey(text.slice(1, close), true);
    after = close + 2;
    if (after < text.length && text[after] !== ' ') throw new NotPlain();
  } else {
    const colon = text.search(/:( |$)/);
    if (colon === -1) return undefined;
    key = checkedKey(text.slice(0, colon), false);
    after = colon + 1;
  }
  const value = text.slice(after);
  return { key, rest: withoutComment(value.trim()), restAt: after + value.length - value.trimStart().length };
}

/**
 * A key as the reader takes it: a plain name, or a quoted one without escapes or quotes. Keys that
 * read as null, booleans or numbers, hold anything but a name, or that `yaml` treats apart
 * (`__proto__`, the merge key `<<`) are left to `yaml`.
 */
function checkedKey(key: string, quoted: boolean): string {
  const refused = quoted ? key.includes('\\') || key.includes("'") : !PLAIN_KEY.test(key) || RESOLVED.has(key);
  if (refused || key === '__proto__' || key === '<<') throw new NotPlain();
  return key;
}

/** The value without a trailing ` # comment` (a `#` after a space starts one, outside quotes). */
function withoutComment(text: string): string {
  if (text.startsWith('#')) return '';
  if (text[0] === '"' || text[0] === "'") return text;
  const hash = text.indexOf(' #');
  return hash === -1 ? text : text.slice(0, hash).trimEnd();
}

/** Plain words the core schema reads as null or booleans. */
const RESOLVED: ReadonlyMap<string, null | boolean> = new Map([
  ...['~', 'null', 'Null', 'NULL'].map((w): [string, null] => [w, null]),
  ...['true', 'True', 'TRUE'].map((w): [string, boolean] => [w, true]),
  ...['false', 'False', 'FALSE'].map((w): [string, boolean] => [w, false]),
]);
const DECIMAL = /^[-+]?[0-9]{1,15}(\.[0-9]{1,15})?$/;
/** What else the core schema reads as a number (yaml's own tests: octal, int, hex, .inf and .nan, exponent, float). */
const OTHER_NUMBER = /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/;
/** Characters a plain scalar may not start with (YAML indicators). */
const INDICATORS: ReadonlySet<string> = new Set([...'[]{},#&*!|>%@`']);

/** A value on the rest of its line (its comment already taken off). */
function scalar(text: string): unknown {
  const first = text[0];
  if (first === '"' || first === "'") return quoted(text);
  if (first === '{' || first === '[') return new FlowReader(text).whole();
  if (text.includes(': ') || text.endsWith(':')) throw new NotPlain();
  return plain(text);
}

/** A plain scalar as the core schema resolves it. */
function plain(text: string): unknown {
  const first = text[0];
  if (INDICATORS.has(first) || first === '?' || first === ':' || (first === '-' && (text.length === 1 || text[1] === ' '))) throw new NotPlain();
  const resolved = RESOLVED.get(text);
  if (resolved !== undefined) return resolved;
  if (DECIMAL.test(text)) return Number(text);
  if (OTHER_NUMBER.test(text)) throw new NotPlain();
  return text;
}

/** What ends a plain scalar inside a flow collection: a `,` and the closing brackets (an opening one inside it is refused). */
const FLOW_END: ReadonlySet<string> = new Set([',', ']', '}']);

/**
 * A flow collection that is the whole of `text`: `{ key: value, ... }` and `[item, ...]`, nested,
 * with plain keys and plain or quoted scalars. Anything else (an entry with no value, a trailing
 * comma, a pair inside a sequence, `? `, a comment) is refused.
 */
class FlowReader {
  private at = 0;

  constructor(private readonly text: string) {}

  whole(): unknown {
    const value = this.node();
    this.spaces();
    if (this.at !== this.text.length) throw new NotPlain();
    return value;
  }

  private node(): unknown {
    this.spaces();
    const first = this.text[this.at];
    if (first === '{') return this.mapping();
    if (first === '[') return this.sequence();
    if (first === '"' || first === "'") return this.quoted();
    return this.plain();
  }

  private mapping(): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    if (this.opensEmpty('}')) return value;
    for (;;) {
      const key = this.key();
      if (Object.hasOwn(value, key)) throw new NotPlain(); // duplicates: `yaml` reports them
      value[key] = this.node();
      if (this.closes('}')) return value;
    }
  }

  private sequence(): unknown[] {
    const items: unknown[] = [];
    if (this.opensEmpty(']')) return items;
    for (;;) {
      items.push(this.node());
      if (this.closes(']')) return items;
    }
  }

  /** Steps past the opening bracket; true (and past `close` too) when the collection is empty: `{}`, `[ ]`. */
  private opensEmpty(close: '}' | ']'): boolean {
    this.at++;
    this.spaces();
    if (this.text[this.at] !== close) return false;
    this.at++;
    return true;
  }

  /** After an entry: true at the collection's closing bracket, false at a `,` with an entry after it. */
  private closes(close: '}' | ']'): boolean {
    this.spaces();
    const c = this.text[this.at++];
    if (c === close) return true;
    if (c !== ',') throw new NotPlain(); // the other bracket (`[a}`), and a pair in a sequence (`[a: b]`)
    this.spaces();
    if (FLOW_END.has(this.text[this.at] ?? ',')) throw new NotPlain(); // `[a, ]`, `[a, , b]`
    return false;
  }

  /** `key: ` with a space after the colon; keys as mappingEntry takes them. */
  private key(): string {
    const first = this.text[this.at];
    let key: string;
    if (first === '"' || first === "'") {
      key = checkedKey(this.quoted(), true);
    } else {
      const colon = this.text.indexOf(':', this.at);
      if (colon === -1) throw new NotPlain();
      key = checkedKey(this.text.slice(this.at, colon), false);
      this.at = colon;
    }
    if (this.text[this.at] !== ':' || this.text[this.at + 1] !== ' ') throw new NotPlain();
    this.at += 2;
    return key;
  }

  private quoted(): string {
    const { value, end } = quotedAt(this.text, this.at);
    this.at = end;
    return value;
  }

  /** A plain scalar: up to `,` or a closing bracket; an opening bracket, a `: ` or a ` #` inside is refused. */
  private plain(): unknown {
    const start = this.at;
    while (this.at < this.text.length && !FLOW_END.has(this.text[this.at])) {
      const c = this.text[this.at];
      if (c === '[' || c === '{') throw new NotPlain(); // flow indicators: never part of a plain scalar in a flow collection
      if (c === ':' && (this.at + 1 === this.text.length || this.text[this.at + 1] === ' ' || FLOW_END.has(this.text[this.at + 1]))) throw new NotPlain();
      if (c === '#' && this.text[this.at - 1] === ' ') throw new NotPlain();
      this.at++;
    }
    const text = this.text.slice(start, this.at).trimEnd();
    if (text === '') throw new NotPlain();
    return plain(text);
  }

  private spaces(): void {
    while (this.text[this.at] === ' ') this.at++;
  }
}

/** A single-line quoted scalar that ends the line (a comment may follow); escapes are left to `yaml`. */
function quoted(text: string): string {
  const { value, end } = quotedAt(text, 0);
  const after = text.slice(end).trim();
  if (after !== '' && !after.startsWith('#')) throw new NotPlain();
  if (after.startsWith('#') && text[end] !== ' ') throw new NotPlain();
  return value;
}

/** The quoted scalar that starts at `at` (`''` stands for `'` in single quotes; a `\\` escape is left to `yaml`), and where it ends. */
function quotedAt(text: string, at: number): { value: string; end: number } {
  const quote = text[at];
  let value = '';
  let from = at + 1;
  for (;;) {
    const close = text.indexOf(quote, from);
    if (close === -1) throw new NotPlain();
    value += text.slice(from, close);
    if (quote === "'" && text[close + 1] === "'") {
      value += "'";
      from = close + 2;
      continue;
    }
    if (quote === '"' && value.includes('\\')) throw new NotPlain();
    return { value, end: close + 1 };
  }
}
