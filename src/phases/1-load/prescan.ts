import { Lexer } from 'yaml';
import { LIMITS } from './limits.js';

/**
 * A pass over raw text that finds nesting the YAML parser cannot survive: `yaml` composes
 * collections recursively and exhausts the stack or memory on ~10,000 nested flow brackets
 * before it reports anything. Returns the offset of the first place nested deeper than the
 * limit, or undefined.
 *
 * Flow nesting (`[`, `{`) is counted on the tokens of `yaml`'s own Lexer (linear, not recursive),
 * so a bracket inside a quoted or block scalar is never counted and a bracket the parser will nest
 * is never missed, however the quotes around it are arranged (guessing quotes from characters let
 * `a"b` followed by a million `[` through). The lexer runs only when the text holds more brackets
 * than the limit, and stops at the first one too deep.
 *
 * Block nesting is bounded by the run of indentation and compact indicators (`- - - x`, `? ? x`)
 * at the start of a line: a block collection nests only that way.
 */
export function findExcessiveNesting(text: string, maxDepth: number = LIMITS.maxDepth): number | undefined {
  return deepBlock(text, maxDepth) ?? deepFlow(text, maxDepth);
}

function deepBlock(text: string, maxDepth: number): number | undefined {
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      lineStart = true;
      indent = 0;
    } else if (lineStart && (c === 0x20 || c === 0x2d || c === 0x3f || c === 0x3a)) {
      // ' ', '-', '?', ':': each block level takes at least two of them.
      if (++indent > maxDepth * 4) return i;
    } else lineStart = false;
  }
  return undefined;
}

/** The lexer's own markers (document start, flow end, scalar start), which are not source text. */
const MARKERS: ReadonlySet<string> = new Set(['\x02', '\x18', '\x1f']);

function deepFlow(text: string, maxDepth: number): number | undefined {
  let brackets = 0;
  for (let i = 0; i < text.length && brackets <= maxDepth; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) brackets++;
  }
  if (brackets <= maxDepth) return undefined; // too few brackets to nest that deep, wherever they are
  let offset = 0;
  // The open brackets; a closer ends only the collection it matches (yaml does not close `[` with `}`).
  const open: string[] = [];
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      open.push(token);
      if (open.length > maxDepth) return offset;
    } else if ((token === ']' && open.at(-1) === '[') || (token === '}' && open.at(-1) === '{')) open.pop();
    if (!MARKERS.has(token)) offset += token.length;
  }
  return undefined;
}
