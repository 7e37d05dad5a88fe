import { hash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateFleet } from '../../bench/generate.js';
import { compileInParallel, threadCount } from '../../src/cli/compile-parallel.js';
import { previousPlacement } from '../../src/cli/load-spec.js';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import { compile } from '../../src/compiler.js';
import type { SpecFile } from '../../src/phases/1-load/index.js';
import { assembleTree, toYaml } from '../../src/phases/6-emit/index.js';
import { fileStamp, Stamps } from '../../src/phases/6-emit/write-tree.js';
import { committedFleets, ROOT } from '../helpers/trees.js';

/**
 * Compiling on several threads must give the very bytes one thread gives: each thread renders a
 * share of the clusters, and a cluster's output may depend on nothing another thread renders.
 * (Under vitest no worker can load the TypeScript sources, so compileInParallel compiles every
 * shard here; the e2e tests run the real threads.)
 */
const fleets: { name: string; files: SpecFile[]; outDir?: string }[] = [
  ...committedFleets().map((fleet) => ({ name: fleet.name, files: readSpecFiles(join(ROOT, fleet.spec)).files, outDir: join(ROOT, fleet.out) })),
  { name: 'generated 12 clusters x 120 apps', files: [{ path: 'fleet-spec.yaml', name: 'fleet-spec.yaml', text: toYaml(generateFleet({ clusters: 12, apps: 120 })) }] },
];

const savedThreads = process.env.FLEET_THREADS;
afterEach(() => {
  if (savedThreads === undefined) delete process.env.FLEET_THREADS;
  else process.env.FLEET_THREADS = savedThreads;
});

describe('compiling in shards', () => {
  for (const fleet of fleets) {
    it(`gives the same tree in any number of shards: ${fleet.name}`, () => {
      const previous = fleet.outDir ? previousPlacement(fleet.outDir) : undefined;
      const whole = compile(fleet.files, { previous });
      expect(whole.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      for (const count of [2, 3, 5]) {
        const shards = Array.from({ length: count }, (_, index) => compile(fleet.files, { previous, shard: { index, count } }));
        const files = shards.flatMap((s) => s.files!);
        expect(assembleTree(whole.fleet!.name, whole.plan!, files)).toEqual(whole.tree);
        // Every cluster folder is rendered by exactly one shard.
        const folders = shards.map((s) => new Set(s.files!.map((f) => f.path.slice(0, f.path.lastIndexOf('/')).split('/').slice(0, f.path.startsWith('_flux/') ? 2 : 1).join('/'))));
        const all = folders.flatMap((set) => [...set]);
        expect(new Set(all).size).toBe(all.length);
      }
    });
  }

  it('holds the output where it was rendered and hands out the same bytes and hashes', async () => {
    const fleet = fleets.at(-1)!;
    const whole = compile(fleet.files);
    process.env.FLEET_THREADS = '3';
    const result = await compileInParallel(fleet.files);
    const output = result.output!;
    try {
      expect(await output.tree()).toEqual(whole.tree);
      expect([...output.hashes]).toEqual([...whole.tree!].map(([path, text]) => [path, `sha256:${hash('sha256', text)}`]));
    } finally {
      output.close();
    }
  });

  it('writes every file ahead, each by the thread that rendered it, with its stamp', async () => {
    const fleet = fleets.at(-1)!;
    const whole = compile(fleet.files);
    process.env.FLEET_THREADS = '3';
    const dir = mkdtempSync(join(tmpdir(), 'fleet-ahead-'));
    try {
      const result = await compileInParallel(fleet.files, { writeAhead: { dir, stamp: true } });
      const output = result.output!;
      const stamps = new Stamps();
      await output.write(dir, [...output.hashes.keys()], stamps);
      output.close();
      for (const [path, text] of whole.tree!) {
        expect(readFileSync(join(dir, path), 'utf8')).toBe(text);
        expect(stamps.toMap().get(path)).toBe(fileStamp(lstatSync(join(dir, path))));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports errors once, with no output', async () => {
    process.env.FLEET_THREADS = '2';
    const result = await compileInParallel([{ path: 'f.yaml', name: 'f.yaml', text: 'apiVersion: fleet/v1alpha1\nkind: Fleet\nmetadata: {name: x}\nspec: {clusters: [{name: a}], aps: []}\n' }]);
    expect(result.output).toBeUndefined();
    expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });

  it('uses one thread for small specs and FLEET_THREADS when set', () => {
    const small: SpecFile[] = [{ path: 'a', name: 'a', text: 'x'.repeat(1000) }];
    const large: SpecFile[] = [{ path: 'a', name: 'a', text: 'x'.repeat(1 << 20) }];
    expect(threadCount(small, {})).toBe(1);
    expect(threadCount(large, {})).toBeGreaterThanOrEqual(1);
    expect(threadCount(large, { FLEET_THREADS: '1' })).toBe(1);
    expect(threadCount(small, { FLEET_THREADS: '2' })).toBe(2);
    expect(threadCount(small, { FLEET_THREADS: 'many' })).toBe(1);
  });
});
