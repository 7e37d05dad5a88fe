/**
 * Natural order for names people read: runs of digits compare as numbers, so `c2` comes before
 * `c10`. Locale-free and total (the same on every machine, unlike Intl.Collator): numbers of equal
 * value but different leading zeros (`c02`, `c2`) and everything else fall back to code-unit order.
 * For display only (`fleet plan`, `fleet explain`); files and the lock keep code-unit order.
 */
export function naturalCompare(a: string, b: string): number {
  const left = a.match(CHUNKS) ?? [];
  const right = b.match(CHUNKS) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    if (x === y) continue;
    if (isDigits(x) && isDigits(y)) {
      const order = compareNumerals(x, y);
      if (order !== 0) return order;
      continue;
    }
    return x < y ? -1 : 1;
  }
  if (left.length !== right.length) return left.length - right.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

const CHUNKS = /\d+|\D+/g;

function isDigits(chunk: string): boolean {
  return chunk.charCodeAt(0) >= 48 && chunk.charCodeAt(0) <= 57;
}

/** Compares two digit strings by value, at any length (no Number overflow). */
function compareNumerals(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '');
  const b = y.replace(/^0+(?=\d)/, '');
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
