import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, LineCounter, parseAllDocuments } from 'yaml';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import type { PreviousPlacement } from '../model/plan.js';
import type { SpecFile } from '../phases/1-load/index.js';
import { spanOfNode } from '../phases/1-load/source-map.js';
import { LOCK_FILE, parseLock } from '../phases/6-emit/index.js';

/**
 * An output folder belongs to one fleet: its lock records the fleet's name (`fleet` in
 * fleet.lock.json). fleet never reads another fleet's lock as the previous placement, never
 * compares against its files and never overwrites them: a spec whose `metadata.name` differs
 * from the lock's is refused, at its `metadata.name`, before anything is written.
 */
export interface PreviousOutput {
  /** The fleet the lock belongs to; undefined when the folder has no fleet lock. */
  readonly fleet?: string;
  /** The placement the lock records (empty when there is none): the previous run's, for stable placement. */
  readonly placement: PreviousPlacement;
}

/** What `<outDir>/fleet.lock.json` says; an empty placement and no owner when there is no lock (or it is not fleet's). */
export function readPreviousOutput(outDir: string): PreviousOutput {
  let text: string | undefined;
  try {
    text = readFileSync(join(outDir, LOCK_FILE), 'utf8');
  } catch {
    return { placement: new Map() };
  }
  const lock = parseLock(text);
  if (!lock) return { placement: new Map() };
  return {
    fleet: typeof lock.fleet === 'string' ? lock.fleet : undefined,
    placement: new Map((lock.placement ?? []).map((p) => [`${p.namespace}/${p.name}`, p.divided ?? p.clusters])),
  };
}

/**
 * `emit_other_fleet` when the output folder's lock belongs to another fleet than `fleetName`
 * (the spec's `metadata.name`), located at that name in `files`; undefined when it is this fleet's
 * or nobody's.
 */
export function otherFleetsOutput(previous: PreviousOutput, fleetName: string, outDir: string, files: readonly SpecFile[]): Diagnostic | undefined {
  if (previous.fleet === undefined || previous.fleet === fleetName) return undefined;
  return {
    code: 'emit_other_fleet',
    severity: 'error',
    message: `\`${outDir}/\` holds the output of fleet \`${previous.fleet}\` (${outDir}/${LOCK_FILE}), not of \`${fleetName}\``,
    span: metadataNameSpan(files),
    help: [
      `pass this fleet's own output folder with \`--out DIR\` (by default fleet uses \`out/\` beside the spec)`,
      `if this spec is fleet \`${previous.fleet}\` renamed, delete ${outDir}/${LOCK_FILE} and synth again: fleet then replaces the files that carry its header`,
    ],
  };
}

/**
 * Where the spec sets `metadata.name` (the first document that does, in the order compile reads
 * them). Parses the spec's YAML again, which only the refusal pays for.
 */
function metadataNameSpan(files: readonly SpecFile[]): Span | undefined {
  for (const file of files) {
    const lineCounter = new LineCounter();
    for (const doc of parseAllDocuments(file.text, { lineCounter })) {
      if (!('contents' in doc) || !isMap(doc.contents)) continue;
      const node = doc.getIn(['metadata', 'name'], true);
      if (node && typeof node === 'object') return spanOfNode({ file: file.path, lineCounter }, node as Parameters<typeof spanOfNode>[1]);
    }
  }
  return undefined;
}
