/**
 * A small, fast, deterministic YAML writer for rendered manifests (block style, two-space indent,
 * sequences indented under their key, keys in insertion order, no line folding).
 *
 * Why not the `yaml` package: it is ~20x slower than JSON.stringify, and writing is fleet's hot
 * path at scale (docs/performance.md). Correctness rule: every string that any YAML 1.1 or 1.2
 * reader could take for something else (`yes`, `on`, `0x1F`, `1e3`, `~`, `2001-12-14`, `1:20`) or
 * that holds an indicator is written double-quoted. Tests check parse(toYaml(x)) equals x with
 * the `yaml` parser in both YAML versions.
 */
export function toYaml(value: unknown): string {
  return isNonEmptyCollection(value) ? block('', value, 0, '') : `${scalar(value)}\n`;
}

/**
 * Appends `value` (a non-empty collection) at nesting `depth` to `out` and returns the result.
 * `first` is the first line's prefix: the indent, or the `- ` of the sequence entry holding it.
 * One growing string, no per-level strings to re-indent or slice: the writer is the hot loop.
 */
function block(out: string, value: object, depth: number, first: string): string {
  const indent = indentation(depth);
  let prefix = first;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (Array.isArray(item) && item.length > 0) out = block(`${out}${prefix}-\n`, item, depth + 1, indentation(depth + 1));
      else if (isNonEmptyCollection(item)) out = block(out, item, depth + 1, `${prefix}- `);
      else out += `${prefix}- ${scalar(item)}\n`;
      prefix = indent;
    }
    return out;
  }
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    if (isNonEmptyCollection(item)) out = block(`${out}${prefix}${string(key)}:\n`, item, depth + 1, indentation(depth + 1));
    else out += `${prefix}${string(key)}: ${scalar(item)}\n`;
    prefix = indent;
  }
  return out;
}

const INDENTS: string[] = [];
function indentation(depth: number): string {
  return (INDENTS[depth] ??= '  '.repeat(depth));
}

function isNonEmptyCollection(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.length > 0;
  for (const key in value) if ((value as Record<string, unknown>)[key] !== undefined) return true;
  return false;
}

function scalar(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return string(value);
    case 'number':
      return number(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? '[]' : '{}';
    default:
      throw new Error(`cannot write ${typeof value} as YAML`);
  }
}

function number(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML`);
  const text = String(value);
  // YAML 1.1 floats need a '.' before the exponent ("1e-7" would read back as a string there).
  return /e/.test(text) && !text.includes('.') ? text.replace('e', '.0e') : text;
}

/** Quantities and durations (`250m`, `1.5Gi`, `30s`); not hex, octal or binary literals. */
const PLAIN_MEASURE = /^(?!0[xXoObB])[0-9]+(\.[0-9]+)?[A-Za-z]+$/;
/** Words YAML 1.1 reads as booleans or null (YAML 1.2 reads a subset of them the same way); at most 5 characters. */
const RESERVED = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;
/** A plain string starts with a letter, `_` or `/`, and holds only characters that are never indicators mid-scalar. */
const PLAIN_FIRST = asciiSet('A-Za-z_/');
const PLAIN_REST = asciiSet('A-Za-z0-9 _./:@=+,()-');

function string(value: string): string {
  if (isPlainSafe(value)) return value;
  // A JSON string is a valid YAML double-quoted scalar once the characters YAML treats as line
  // breaks or as non-printable (but JSON does not escape) are escaped too.
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const COLON = 0x3a;
const SPACE = 0x20;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
/** An exponent without digits before it (`e0`, `E+5`): the `yaml` package's YAML 1.1 schema reads it as a float (NaN), its `[0-9]` before the exponent being optional. */
const EXPONENT_ONLY = /^[eE][-+]?[0-9]+$/;

/** One pass over the characters (this runs for every key and value written). */
function isPlainSafe(value: string): boolean {
  const first = value.charCodeAt(0);
  if (first >= 0x30 && first <= 0x39) return PLAIN_MEASURE.test(value);
  if (!(first < 128 && PLAIN_FIRST[first])) return false; // also the empty string (NaN)
  let previous = first;
  for (let i = 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // ": " starts a mapping value.
    if (!(c < 128 && PLAIN_REST[c]) || (previous === COLON && c === SPACE)) return false;
    previous = c;
  }
  // A trailing ":" or space is ambiguous.
  if (previous === COLON || previous === SPACE) return false;
  if (value.length <= 5 && RESERVED.test(value)) return false;
  return !((first === LOWER_E || first === UPPER_E) && EXPONENT_ONLY.test(value));
}

/** A lookup table of ASCII characters from a character-class body such as `A-Za-z_`. */
function asciiSet(ranges: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let i = 0; i < ranges.length; i++) {
    const from = ranges.charCodeAt(i);
    const isRange = ranges[i + 1] === '-' && i + 2 < ranges.length;
    const to = isRange ? ranges.charCodeAt(i + 2) : from;
    for (let c = from; c <= to; c++) set[c] = 1;
    if (isRange) i += 2;
  }
  return set;
}
