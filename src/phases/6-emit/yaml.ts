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
  if (isNonEmptyCollection(value)) return block(value, '');
  return `${scalar(value)}\n`;
}

function block(value: object, indent: string): string {
  let out = '';
  if (Array.isArray(value)) {
    for (const item of value) {
      if (Array.isArray(item) && item.length > 0) out += `${indent}-\n${block(item, `${indent}  `)}`;
      else if (isNonEmptyCollection(item)) out += `${indent}- ${block(item, `${indent}  `).slice(indent.length + 2)}`;
      else out += `${indent}- ${scalar(item)}\n`;
    }
    return out;
  }
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    out += isNonEmptyCollection(item) ? `${indent}${string(key)}:\n${block(item, `${indent}  `)}` : `${indent}${string(key)}: ${scalar(item)}\n`;
  }
  return out;
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

/** Starts with a letter, `_` or `/`, holds only characters that are never indicators mid-scalar. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9 _./:@=+,()-]*$/;
/** Quantities and durations (`250m`, `1.5Gi`, `30s`); not hex, octal or binary literals. */
const PLAIN_MEASURE = /^(?!0[xXoObB])[0-9]+(\.[0-9]+)?[A-Za-z]+$/;
/** Words YAML 1.1 reads as booleans or null (YAML 1.2 reads a subset of them the same way). */
const RESERVED = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

function string(value: string): string {
  if (isPlainSafe(value)) return value;
  // A JSON string is a valid YAML double-quoted scalar once the characters YAML treats as line
  // breaks or as non-printable (but JSON does not escape) are escaped too.
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function isPlainSafe(value: string): boolean {
  if (PLAIN_MEASURE.test(value)) return true;
  if (!PLAIN.test(value) || RESERVED.test(value)) return false;
  // ": " starts a mapping value, a trailing ":" or space is ambiguous, " #" starts a comment.
  return !value.includes(': ') && !value.endsWith(':') && !value.endsWith(' ') && !value.includes(' #');
}
