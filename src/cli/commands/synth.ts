import { Command } from 'commander';
import { FLUX_DIR } from '../../phases/6-emit/flux.js';
import { compareTree, isClean, readTreeInBackground, writeTree } from '../../phases/6-emit/write-tree.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';

export function synthCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('synth')
    .description('validate the spec, place every app, and render one folder of manifests per cluster')
    .argument('[spec]', 'spec file or folder', 'policies')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('--check', 'render in memory and fail if the output folder differs (writes nothing)')
    .action(async (spec: string, options: { out: string; check?: boolean }) => {
      // The previous output is read on another thread while the spec compiles.
      const onDisk = readTreeInBackground(options.out);
      const result = compileSpec(spec, io, { outDir: options.out });
      if (typeof result === 'number') return setExit(result);
      const disk = await onDisk();
      const tree = result.tree!;
      const clusters = new Set([...tree.keys()].filter((p) => p.includes('/') && !p.startsWith(FLUX_DIR)).map((p) => p.split('/')[0])).size;

      if (options.check) {
        const difference = compareTree(options.out, tree, disk);
        if (isClean(difference)) {
          io.out(`fleet: ${options.out}/ is up to date (${clusters} clusters, ${tree.size} files)\n`);
          return setExit(EXIT.ok);
        }
        const lines = [
          ...difference.changed.map((p) => `  changed: ${options.out}/${p}`),
          ...difference.added.map((p) => `  missing: ${options.out}/${p}`),
          ...difference.stale.map((p) => `  stale:   ${options.out}/${p}`),
          ...difference.conflicts.map((p) => `  changed (not written by fleet): ${options.out}/${p}`),
        ];
        io.err(`fleet: ${options.out}/ is out of date with the spec:\n${lines.join('\n')}\nhelp: run \`fleet synth\` and commit the result\n`);
        return setExit(EXIT.specErrors);
      }

      const difference = writeTree(options.out, tree, disk);
      if (difference.conflicts.length > 0) {
        io.err(
          `${difference.conflicts.map((p) => `${options.out}/${p}: error emit_would_overwrite: this file was not written by fleet, and fleet would overwrite it`).join('\n')}\n` +
            `  help: move or delete the file; fleet only replaces files it wrote (listed in ${options.out}/fleet.lock.json)\nnothing was written\n`,
        );
        return setExit(EXIT.specErrors);
      }
      const written = difference.changed.length + difference.added.length;
      io.out(`fleet: rendered ${clusters} clusters into ${options.out}/: ${written} file(s) written, ${difference.stale.length} removed, ${tree.size - written} unchanged\n`);
      setExit(EXIT.ok);
    });
}
