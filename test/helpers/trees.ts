import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { compile, type CompileResult } from '../../src/compiler.js';
import { previousPlacement } from '../../src/cli/load-spec.js';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import type { OutputTree } from '../../src/phases/6-emit/index.js';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** A spec the project commits together with its rendered output. */
export interface RenderedFleet {
  readonly name: string;
  /** Spec file or folder, relative to the project root. */
  readonly spec: string;
  /** Its committed output folder, relative to the project root. */
  readonly out: string;
}

/** The default fleet and every example. */
export function committedFleets(): RenderedFleet[] {
  const examples = readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && ['spec', 'fleet-spec.yaml'].some((f) => existsSync(join(ROOT, 'examples', e.name, f))))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const folder = `examples/${name}`;
      const spec = existsSync(join(ROOT, folder, 'spec')) ? `${folder}/spec` : `${folder}/fleet-spec.yaml`;
      return { name: `example ${name}`, spec, out: `${folder}/out` };
    });
  return [{ name: 'default fleet (policies/)', spec: 'policies', out: 'out' }, ...examples];
}

/** Compiles a committed fleet the way `fleet synth` does, with the placement in its lock as the previous one. */
export function renderFleet(fleet: RenderedFleet): CompileResult {
  const { files, diagnostics, manifests } = readSpecFiles(join(ROOT, fleet.spec));
  if (diagnostics.length) throw new Error(`cannot read ${fleet.spec}: ${diagnostics.map((d) => d.message).join('; ')}`);
  return compile(files, { previous: previousPlacement(join(ROOT, fleet.out)), manifests });
}

/** Every YAML document in a tree, with the file it came from. */
export function documentsOf(tree: OutputTree): { path: string; doc: Record<string, unknown> }[] {
  return [...tree].filter(([path]) => path.endsWith('.yaml')).flatMap(([path, text]) => parseAllDocuments(text).map((d) => ({ path, doc: d.toJS() as Record<string, unknown> })));
}
