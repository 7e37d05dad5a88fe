import { LIMITS } from './limits.js';

/**
 * A cheap pass over raw text that finds nesting the YAML parser cannot survive: `yaml` exhausts
 * memory on ~10,000 nested flow brackets before it reports anything. Returns the offset of the
 * first place nested deeper than the limit, or undefined.
 *
 * Approximate on purpose (it skips quoted strings and comments, not block scalars): it only has to
 * be right for inputs that no real spec comes near.
 */
export function findExcessiveNesting(text: string, maxDepth: number = LIMITS.maxDepth): number | undefined {
  let flowDepth = 0;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ' || c === '-') {
        // "- - - x" nests sequences as deeply as indentation does.
        if (++indent > maxDepth * 4) return i;
        continue;
      }
      lineStart = false;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < text.length && text[i] !== '\n') i++;
      i--;
    } else if (c === '"' || (c === "'" && flowDepth > 0)) {
      i = skipQuoted(text, i, c);
    } else if (c === '[' || c === '{') {
      if (++flowDepth > maxDepth) return i;
    } else if ((c === ']' || c === '}') && flowDepth > 0) {
      flowDepth--;
    }
  }
  return undefined;
}

function skipQuoted(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
    else if (text[i] === '\n' && quote === "'") return i; // unterminated on this line: stop skipping
  }
  return text.length;
}
