import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';

/**
 * Writes `text` to `path` as UTF-8, as `writeFileSync(path, text)` does (`append`: as
 * `appendFileSync`). A text of CHUNK_CHARS or more (fleet's lock, the synth cache's record: tens of
 * megabytes at fleet scale) is written a chunk at a time through one reused buffer: Node encodes a
 * string it writes whole into a buffer of its full size, which costs several times the write.
 */
export function writeText(path: string, text: string, { append = false } = {}): void {
  if (text.length < CHUNK_CHARS) {
    // The encoding named: Node writes a string through its native path only when its options say utf8.
    writeFileSync(path, text, { encoding: 'utf8', flag: append ? 'a' : 'w' });
    return;
  }
  // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
  const buffer = Buffer.allocUnsafe(3 * CHUNK_CHARS);
  const fd = openSync(path, append ? 'a' : 'w');
  try {
    for (let start = 0; start < text.length; ) {
      let end = Math.min(start + CHUNK_CHARS, text.length);
      // Never between the two halves of a surrogate pair: each half alone would be written as U+FFFD.
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      const length = buffer.write(text.slice(start, end), 'utf8');
      for (let written = 0; written < length; ) written += writeSync(fd, buffer, written, length - written);
      start = end;
    }
  } finally {
    closeSync(fd);
  }
}

/** Chunk length, in UTF-16 code units. */
export const CHUNK_CHARS = 1 << 20;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
