/**
 * Natural order for names people read: runs of digits compare as numbers, so `c2` comes before
 * `c10`. Locale-free and total (the same on every machine, unlike Intl.Collator): numbers of equal
 * value but different leading zeros (`c02`, `c2`) and everything else fall back to code-unit order.
 * For display only (`fleet plan`, `fleet explain`); files and the lock keep code-unit order.
 *
 * The names are cut into chunks, runs of digits and runs of other characters, compared in turn: two
 * runs of digits by value, any other two chunks by code units. With every shared chunk alike, fewer
 * chunks come first, then code-unit order. Placement sorts with it for every app, so it reads the
 * strings in place rather than cutting them into arrays.
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const aEnd = chunkEnd(a, i);
    const bEnd = chunkEnd(b, j);
    const order = isDigit(a, i) && isDigit(b, j) ? compareNumerals(a, i, aEnd, b, j, bEnd) : compareCodeUnits(a, i, aEnd, b, j, bEnd);
    if (order !== 0) return order;
    i = aEnd;
    j = bEnd;
  }
  const chunksLeft = chunkCount(a, i) - chunkCount(b, j);
  if (chunksLeft !== 0) return chunksLeft;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigit(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return code >= 48 && code <= 57;
}

/** Where the chunk that starts at `start` ends: the first character of the other kind. */
function chunkEnd(text: string, start: number): number {
  const digits = isDigit(text, start);
  let end = start + 1;
  while (end < text.length && isDigit(text, end) === digits) end++;
  return end;
}

function chunkCount(text: string, from: number): number {
  let count = 0;
  for (let at = from; at < text.length; at = chunkEnd(text, at)) count++;
  return count;
}

/** Two chunks by code units, a prefix first. */
function compareCodeUnits(a: string, i: number, aEnd: number, b: string, j: number, bEnd: number): number {
  for (; i < aEnd && j < bEnd; i++, j++) {
    const order = a.charCodeAt(i) - b.charCodeAt(j);
    if (order !== 0) return order < 0 ? -1 : 1;
  }
  return i < aEnd ? 1 : j < bEnd ? -1 : 0;
}

/** Two runs of digits by value, at any length (no Number overflow): 0 for `02` and `2`. */
function compareNumerals(a: string, i: number, aEnd: number, b: string, j: number, bEnd: number): number {
  while (i < aEnd - 1 && a.charCodeAt(i) === 48) i++;
  while (j < bEnd - 1 && b.charCodeAt(j) === 48) j++;
  if (aEnd - i !== bEnd - j) return aEnd - i - (bEnd - j);
  return compareCodeUnits(a, i, aEnd, b, j, bEnd);
}
