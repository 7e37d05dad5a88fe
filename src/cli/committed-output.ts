import { createHash } from 'node:crypto';
import { forEachLockedPath, GENERATED_MARK, LOCK_FILE, lockWithoutFiles } from '../phases/6-emit/index.js';
import type { DiffSide } from '../report/diff/index.js';
import { collectGarbage } from './memory.js';
import type { HeadOutput } from './diff-head.js';
import type { Git } from './git.js';

/** Two sides of a diff whose file identities are of one kind. */
export interface Sides {
  readonly base: DiffSide;
  readonly head: DiffSide;
}

/** The most git may answer: far beyond the listing of any output folder (100,000 files list in about 12 MB) and the blobs a diff reads. */
const MAX_ANSWER_BYTES = 1024 * 1024 * 1024;

/**
 * The output folder committed at `commit` (`out`, from the repository root; its lock's text is
 * `lockText`), as the base of a diff against `head`. Both sides are identified by
 * git's blob ids: git's listing of the commit already holds one for every committed file, and the
 * head's are hashed from its texts, so only the blobs that differ from the head's are read, all by
 * one `git cat-file --batch`. What is compared is what is committed, a file edited by hand
 * included. The files are those a folder base reads (readOutputFolder): the lock, the files it
 * lists, and any other that starts with fleet's header.
 *
 * Undefined when the commit does not hold the output its lock lists (a file missing, or not a
 * regular file: an `out/` kept out of git but for its lock): then there is no committed output to
 * compare with.
 */
export function committedOutputSides(git: Git, commit: string, out: string, lockText: string, head: HeadOutput): Sides | undefined {
  const listed = committedFiles(git, commit, out, lockText);
  if (!listed) return undefined;
  const { ids, lockBlob, unlisted } = listed;
  ids.set(LOCK_FILE, lockBlob);
  // git's listing (tens of megabytes at fleet scale) is garbage now, on top of the head held
  // whole: collected before the head's ids and the differing blobs are made.
  collectGarbage();
  // Files the lock does not list are fleet's only when they carry its header: read them to see (there are few, if any).
  // The lock is read for its placement only (lockPlacement): its list of files, nearly all of it, is not kept.
  const texts = new Map<string, string>([[LOCK_FILE, lockWithoutFiles(lockText)]]);
  const unlistedTexts = readBlobs(
    git,
    unlisted.map((b) => b.id),
  );
  if (!unlistedTexts) return undefined;
  for (const { path, id } of unlisted) {
    const text = unlistedTexts.get(id)!;
    if (!text.startsWith(GENERATED_MARK)) continue;
    ids.set(path, id);
    texts.set(path, text);
  }

  const algorithm = lockBlob.length === 64 ? 'sha256' : 'sha1';
  // A head file alike the committed one takes the committed id's string: 400,000 ids at fleet scale are not held twice.
  const headIds = new Map<string, string>();
  for (const path of head.hashes.keys()) {
    // The head's lock is tens of megabytes held as pieces (assembleOutput), which its git id would
    // copy whole: it keeps compile()'s sha256, which no git id equals. The diff reads the lock of
    // each side for its placement only, whatever the two ids.
    if (path === LOCK_FILE) {
      headIds.set(path, head.hashes.get(path)!);
      continue;
    }
    const id = blobId(head.text(path), algorithm);
    const committedId = ids.get(path);
    headIds.set(path, id === committedId ? committedId : id);
  }
  const differing: string[] = [];
  for (const [path, id] of ids) if (headIds.get(path) !== id && !texts.has(path)) differing.push(id);
  const blobs = readBlobs(git, differing);
  if (!blobs) return undefined;
  for (const [path, id] of ids) if (!texts.has(path) && blobs.has(id)) texts.set(path, blobs.get(id)!);
  // A file alike on both sides is read from the head: its bytes are the same.
  return {
    base: { files: ids, text: (path) => texts.get(path) ?? head.text(path) },
    head: { files: headIds, text: (path) => head.text(path) },
  };
}

/**
 * The committed files fleet's lock lists, by git's listing of the commit: path -> blob id, the
 * lock's own blob, and the regular files the lock does not list. Undefined when a listed file is
 * missing or not a regular file. git lists a tree by path, and the lock its files by path too:
 * walked side by side, with no map of either (400,000 entries each at fleet scale). Paths are
 * ASCII, which both order alike; a listing that does not line up with the lock (a name ordered
 * otherwise) counts as no committed output. The listing is garbage when this returns.
 */
function committedFiles(git: Git, commit: string, out: string, lockText: string): { ids: Map<string, string>; lockBlob: string; unlisted: Blob[] } | undefined {
  const listing = git.large(MAX_ANSWER_BYTES, undefined, 'ls-tree', '-r', '-l', '-z', '--full-tree', commit, '--', out);
  const committed = blobsUnder(listing, out);
  let blob = committed.next().value;
  let lockBlob: string | undefined;
  const unlisted: Blob[] = [];
  const ids = new Map<string, string>();
  let complete = true;
  const passTo = (path: string | undefined) => {
    for (; blob && (path === undefined || blob.path < path); blob = committed.next().value) {
      if (blob.path === LOCK_FILE) lockBlob = blob.id;
      else unlisted.push(blob);
    }
  };
  const isLock = forEachLockedPath(lockText, (path) => {
    passTo(path);
    if (blob?.path !== path) complete = false;
    else {
      ids.set(path, blob.id);
      blob = committed.next().value;
    }
  });
  passTo(undefined);
  if (!isLock || !complete || lockBlob === undefined) return undefined;
  return { ids, lockBlob, unlisted };
}

/** A regular file committed under the output folder: its path relative to it, and its blob's id. */
interface Blob {
  readonly path: string;
  readonly id: string;
}

const BLOB = Buffer.from('blob ');
const REGULAR = Buffer.from('100');

/** The regular files committed under `out` in git's listing (`ls-tree -r -z`), in its order. */
function* blobsUnder(listing: Buffer, out: string): Generator<Blob, undefined> {
  const prefix = Buffer.from(`${out}/`);
  // Each entry is `<mode> SP <type> SP <id> SP <size, padded> TAB <path> NUL` (git-ls-tree(1)), read from the bytes in place:
  // there may be 400,000, and a path cut from one large string would keep all of it alive.
  for (let at = 0; at < listing.length; ) {
    const tab = listing.indexOf(9, at);
    const end = listing.indexOf(0, tab);
    const stop = end === -1 ? listing.length : end;
    // The fields before the tab, read where they are: no string of the whole header, no split.
    const typeAt = listing.indexOf(32, at) + 1;
    const idAt = listing.indexOf(32, typeAt) + 1;
    const idEnd = listing.indexOf(32, idAt);
    const underOut = listing.compare(prefix, 0, prefix.length, tab + 1, tab + 1 + prefix.length) === 0;
    // Regular files only (100644, 100755): a link (120000) is never read, as in a folder base.
    const regularBlob = listing.compare(BLOB, 0, BLOB.length, typeAt, idAt) === 0 && listing.compare(REGULAR, 0, REGULAR.length, at, at + REGULAR.length) === 0;
    if (regularBlob && underOut) yield { path: listing.toString('utf8', tab + 1 + prefix.length, stop), id: listing.toString('latin1', idAt, idEnd) };
    at = stop + 1;
  }
  return undefined;
}

/** The blobs' texts by id, read by one `git cat-file --batch`; undefined when git lacks one of them (a shallow or partial clone). */
function readBlobs(git: Git, blobIds: readonly string[]): Map<string, string> | undefined {
  const unique = [...new Set(blobIds)];
  const texts = new Map<string, string>();
  if (unique.length === 0) return texts;
  const answer = git.large(MAX_ANSWER_BYTES, `${unique.join('\n')}\n`, 'cat-file', '--batch');
  // Each answer is `<id> blob <size>\n<bytes>\n`, or `<id> missing\n` (git-cat-file(1), BATCH OUTPUT).
  let at = 0;
  for (const id of unique) {
    const end = answer.indexOf(10, at);
    const header = /^([0-9a-f]+) blob (\d+)$/.exec(answer.toString('latin1', at, end));
    if (!header || header[1] !== id) return undefined;
    const size = Number(header[2]);
    texts.set(id, answer.toString('utf8', end + 1, end + 1 + size));
    at = end + 1 + size + 1;
  }
  return texts;
}

/** git's id of a blob holding `text` (`git hash-object`): the hash of `blob <bytes>\0` and the bytes. */
export function blobId(text: string, algorithm: 'sha1' | 'sha256'): string {
  return createHash(algorithm)
    .update(`blob ${Buffer.byteLength(text)}\0`)
    .update(text)
    .digest('hex');
}
