import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { withoutTrailingSlash } from './output-folder.js';

/** The name of the output folder fleet puts beside a spec unless `--out` says otherwise. */
export const OUTPUT_FOLDER_NAME = 'out';

/**
 * Where a spec's output lives when no `--out` is given: `out/` beside the spec, in the folder
 * that holds the spec file or spec folder. `policies/` at the repository root renders into
 * `./out`, `examples/canary/fleet-spec.yaml` into `examples/canary/out`, and
 * `examples/team-folders/spec/` into `examples/team-folders/out`. A spec that is the working
 * directory itself (`fleet synth .`) keeps its output inside it, in `./out`, rather than in the
 * parent folder. Relative when the spec was given relative to `cwd`, so messages print as typed.
 */
export function defaultOutDir(specPath: string, cwd: string = process.cwd()): string {
  const spec = resolve(cwd, specPath);
  const holder = spec === resolve(cwd) ? spec : dirname(spec);
  const out = join(holder, OUTPUT_FOLDER_NAME);
  return isAbsolute(specPath) ? out : relative(cwd, out) || '.';
}

/** The output folder a command uses: `--out` as given (without a trailing slash), else the spec's default. */
export function outDirFor(specPath: string, out: string | undefined, cwd: string = process.cwd()): string {
  return out === undefined ? defaultOutDir(specPath, cwd) : withoutTrailingSlash(out);
}

/**
 * Refuses an output folder that is the spec folder or holds the spec: writing there would mix
 * fleet's files with the spec's (every later read would take the manifests for spec) or replace
 * the spec's own folder. An output folder *inside* the spec folder is allowed: reading the spec
 * skips it (see spec-files.ts).
 */
export function outputFolderProblem(specPath: string, outDir: string, cwd: string = process.cwd()): Diagnostic | undefined {
  const spec = resolve(cwd, specPath);
  const out = resolve(cwd, outDir);
  const below = relative(out, spec);
  const holdsSpec = below === '' || (!below.startsWith(`..${sep}`) && below !== '..' && !isAbsolute(below));
  if (!holdsSpec) return undefined;
  return {
    code: 'emit_out_holds_spec',
    severity: 'error',
    message: below === '' ? `the output folder \`${outDir}\` is the spec itself` : `the output folder \`${outDir}\` holds the spec \`${specPath}\``,
    help: [`fleet replaces what it owns in the output folder; pass an output folder beside the spec, e.g. \`--out ${defaultOutDir(specPath, cwd)}\` (the default)`],
  };
}
