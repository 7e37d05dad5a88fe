import { Command } from 'commander';
import { FLUX_DIR } from '../../phases/6-emit/flux.js';
import { compareTree, isClean, outputOfCompiled, readTree, withoutTrailingSlash, writeTree, type DiskTree, type Output } from '../output-folder.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';
import { openSynthCache, type SynthCache } from '../synth-cache.js';

export function synthCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('synth')
    .description('validate the spec, place every app, and render one folder of manifests per cluster')
    .argument('[spec]', 'spec file or folder', 'policies')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('--check', 'render in memory and fail if the output folder differs (writes nothing)')
    .option('--no-cache', 'always compile: neither use nor refresh the cache of the last synth')
    .action((spec: string, options: { out: string; check?: boolean; cache: boolean }) => {
      options.out = withoutTrailingSlash(options.out);
      // Nothing changed since the last synth (fleet, the spec, every file in out/): replay what it printed.
      const cache = openSynthCache(spec, options.out, { enabled: options.cache });
      const hit = cache?.lookup();
      if (hit) {
        if (hit.warnings) io.err(hit.warnings);
        io.out(options.check ? upToDate(options.out, hit.clusters, hit.files) : rendered(options.out, hit.clusters, 0, 0, hit.files));
        return setExit(EXIT.ok);
      }
      const result = compileSpec(spec, cache?.watch(io) ?? io, { outDir: options.out, read: cache?.spec });
      if (typeof result === 'number') return setExit(result);
      const output = outputOfCompiled(result.tree!);
      const disk = readTree(options.out, cache?.stampsOfLastSynth());
      setExit(options.check ? check(io, options.out, output, disk) : write(io, options.out, output, disk, cache));
    });
}

/** `--check`: compare only, write nothing. */
function check(io: Io, out: string, output: Output, disk: DiskTree): number {
  const difference = compareTree(out, output, disk);
  if (isClean(difference)) {
    io.out(upToDate(out, clusterCount(output), output.hashes.size));
    return EXIT.ok;
  }
  const lines = [
    ...difference.changed.map((p) => `  changed: ${out}/${p}`),
    ...difference.added.map((p) => `  missing: ${out}/${p}`),
    ...difference.stale.map((p) => `  stale:   ${out}/${p}`),
    ...difference.conflicts.map((p) => `  changed (not written by fleet): ${out}/${p}`),
  ];
  io.err(`fleet: ${out}/ is out of date with the spec:\n${lines.join('\n')}\nhelp: run \`fleet synth\` and commit the result\n`);
  return EXIT.specErrors;
}

function write(io: Io, out: string, output: Output, disk: DiskTree, cache: SynthCache | undefined): number {
  const difference = writeTree(out, output, disk, { stamp: cache !== undefined });
  if (difference.conflicts.length > 0) {
    io.err(
      `${difference.conflicts.map((p) => `${out}/${p}: error emit_would_overwrite: this file was not written by fleet, and fleet would overwrite it`).join('\n')}\n` +
        `  help: move or delete the file; fleet only replaces files it wrote (listed in ${out}/fleet.lock.json)\nnothing was written\n`,
    );
    return EXIT.specErrors;
  }
  const files = output.hashes.size;
  const written = difference.changed.length + difference.added.length;
  const clusters = clusterCount(output);
  io.out(rendered(out, clusters, written, difference.stale.length, files - written));
  cache?.record({ clusters, files }, difference.stamps);
  return EXIT.ok;
}

/** Cluster folders in the output (Flux entrypoints and the lock are not clusters). */
function clusterCount(output: Output): number {
  const folders = new Set<string>();
  let last = '';
  for (const path of output.hashes.keys()) {
    const slash = path.indexOf('/');
    // A cluster's files come one after another: its folder is taken once, not once per file (100,000 at fleet scale).
    if (slash === -1 || (slash === last.length && path.startsWith(last))) continue;
    last = path.slice(0, slash);
    folders.add(last);
  }
  folders.delete(FLUX_DIR);
  return folders.size;
}

const upToDate = (out: string, clusters: number, files: number) => `fleet: ${out}/ is up to date (${clusters} clusters, ${files} files)\n`;
const rendered = (out: string, clusters: number, written: number, removed: number, unchanged: number) =>
  `fleet: rendered ${clusters} clusters into ${out}/: ${written} file(s) written, ${removed} removed, ${unchanged} unchanged\n`;
