import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { FleetCharts, FleetCompileError } from '../../src/cdk8s.js';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import { compile } from '../../src/compiler.js';
import type { OutputTree } from '../../src/phases/6-emit/index.js';
import { MINIMAL_SPEC } from '../helpers/spec.js';
import { committedFleets, renderFleet, ROOT } from '../helpers/trees.js';

/** Each output folder's objects, in the order its kustomization.yaml lists them (fleet's apply order). */
function foldersOf(tree: OutputTree): Map<string, unknown[]> {
  const folders = new Map<string, unknown[]>();
  for (const [path, text] of tree) {
    if (!path.endsWith('/kustomization.yaml')) continue;
    const folder = path.slice(0, -'/kustomization.yaml'.length);
    folders.set(
      folder,
      (parse(text) as { resources: string[] }).resources.map((file) => parse(tree.get(`${folder}/${file}`)!)),
    );
  }
  return folders;
}

const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS());

describe('FleetCharts: fleet in a cdk8s App', () => {
  it('adds one chart per cluster holding exactly the objects fleet renders, in apply order', () => {
    const fleet = committedFleets()[0]; // the default fleet in policies/
    const result = renderFleet(fleet);
    const expected = foldersOf(result.tree!);
    expect(expected.size).toBeGreaterThan(1);

    const app = new App();
    const mine = new Chart(app, 'mine'); // a chart of the user's own, left alone
    new ApiObject(mine, 'config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine' } });
    const charts = new FleetCharts(app, 'fleet', { result }).charts;
    expect([...charts.keys()]).toEqual([...expected.keys()]);
    for (const [folder, objects] of expected) expect(charts.get(folder)!.toJson(), folder).toEqual(objects);
    // synthYaml: the user's chart, then every cluster's objects, as fleet writes them.
    expect(docs(app.synthYaml())).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine' } }, ...[...expected.values()].flat()]);
  });

  it('compiles the spec itself, and app.synth() writes each cluster to its own file', () => {
    const { files } = readSpecFiles(join(ROOT, 'examples', 'canary-two-regions', 'fleet-spec.yaml'));
    expect(files.length).toBe(1);
    const outdir = mkdtempSync(join(tmpdir(), 'fleet-cdk8s-'));
    try {
      const app = new App({ outdir });
      const fleet = new FleetCharts(app, 'fleet', { spec: files });
      app.synth();
      const written = readdirSync(outdir).sort();
      expect(written).toHaveLength(fleet.charts.size);
      const expected = foldersOf(compile(files).tree!);
      for (const [folder, objects] of expected) {
        const file = written.find((name) => name.startsWith(`fleet-${folder.replaceAll('/', '.')}-`));
        expect(file, folder).toBeDefined();
        expect(docs(readFileSync(join(outdir, file!), 'utf8')), folder).toEqual(objects);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('includes the Flux Kustomizations as charts of their own, unless told not to', () => {
    const spec = [{ path: 'fleet-spec.yaml', name: 'fleet-spec.yaml', text: `${MINIMAL_SPEC}flux: { name: fleet-test }\n` }];
    expect([...new FleetCharts(new App(), 'fleet', { spec }).charts.keys()]).toEqual(['_flux/a-1', '_flux/b-1', 'a-1/_platform', 'a-1', 'b-1/_platform', 'b-1']);
    expect([...new FleetCharts(new App(), 'fleet', { spec, flux: false }).charts.keys()]).toEqual(['a-1/_platform', 'a-1', 'b-1/_platform', 'b-1']);
  });

  it('throws the diagnostics, as the CLI prints them, when the spec has errors', () => {
    const spec = [{ path: 'policies/fleet-spec.yaml', name: 'fleet-spec.yaml', text: MINIMAL_SPEC.replace('replicas: 2', 'replica: 2') }];
    expect(() => new FleetCharts(new App(), 'fleet', { spec })).toThrow(FleetCompileError);
    expect(() => new FleetCharts(new App(), 'fleet', { spec })).toThrow(/policies\/fleet-spec\.yaml:\d+:\d+: error schema_unknown_field: unknown field `replica`[\s\S]*\| {5}replica: 2/);
    expect(() => new FleetCharts(new App(), 'fleet', { result: compile(spec, { renderOutput: false }) })).toThrow(FleetCompileError);
    expect(() => new FleetCharts(new App(), 'fleet', {})).toThrow(/give `spec`/);
  });
});
