import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';

/**
 * A file's text, as `readFileSync(path, 'utf8')` gives it. A file of ASCII only (fleet's lock and
 * the synth cache's record always are) is decoded as Latin-1, which gives the same text: Node 20's
 * UTF-8 decoder takes about 10 ms a megabyte, and these files are tens of megabytes at fleet scale.
 */
export function readText(path: string): string {
  return decodeText(readFileSync(path));
}

/** Bytes read as UTF-8, as readText decodes them. */
export function decodeText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}
