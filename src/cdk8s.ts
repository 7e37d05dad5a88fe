import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { type CompileOptions, type CompileResult, compile } from './compiler.js';
import { formatDiagnostics } from './diagnostics/format.js';
import type { SpecFile } from './phases/1-load/index.js';

export interface FleetChartsProps {
  /** The spec files to compile (one file or a folder's files, as `fleet synth` reads them). Or give `result`. */
  readonly spec?: readonly SpecFile[];
  /** Options for compiling `spec` (e.g. `previous`, the placement recorded in `out/fleet.lock.json`). */
  readonly compileOptions?: CompileOptions;
  /** What compile() returned, when it was called already. Must hold the output `tree` (no errors, no `shard`). */
  readonly result?: CompileResult;
  /** Add the Flux Kustomizations (`out/_flux/<cluster>`, when the spec has `flux:`) as charts too. Default true. */
  readonly flux?: boolean;
}

/** compile() found errors: `diagnostics` holds them, the message has them formatted as the CLI prints them. */
export class FleetCompileError extends Error {
  constructor(
    readonly result: CompileResult,
    sources: ReadonlyMap<string, string> = new Map(),
  ) {
    const text = formatDiagnostics(result.diagnostics, sources);
    super(`fleet: the spec has errors${text ? `:\n${text}` : ''}`);
    this.name = 'FleetCompileError';
  }
}

/**
 * fleet's output as cdk8s charts, for adding to your own cdk8s `App`: one `Chart` per folder fleet
 * writes (each cluster, its `<cluster>/_platform` stage, each `_flux/<cluster>`), holding that folder's objects as `ApiObject`s
 * in fleet's apply order, field for field what `fleet synth` writes there. `app.synth()` then
 * writes them with your own charts (file names are cdk8s's, e.g. `fleet-na-1-c8….k8s.yaml`).
 *
 *     const app = new App();
 *     const fleet = new FleetCharts(app, 'fleet', { spec: [{ path: 'fleet.yaml', name: 'fleet.yaml', text }] });
 *     fleet.charts.get('na-1')  // the chart of cluster na-1
 *     app.synth();
 *
 * The spec is compiled when the construct is made; errors throw a FleetCompileError. fleet's
 * synth extras stay with the CLI: no lock file, no kustomization.yaml, no stable placement unless
 * `compileOptions.previous` gives the previous one. The app must use the same cdk8s as fleet
 * (let npm dedupe `cdk8s` to fleet's version): an App from another copy would not see the charts.
 */
export class FleetCharts extends Construct {
  /** Each chart by its folder in fleet's output: `na-1`, `na-1/_platform`, `_flux/na-1`. */
  readonly charts: ReadonlyMap<string, Chart>;

  constructor(scope: Construct, id: string, props: FleetChartsProps) {
    super(scope, id);
    const root = this.node.root;
    if (!(root instanceof App) && typeof (root as { synthYaml?: unknown }).synthYaml === 'function') {
      throw new Error('FleetCharts: the App is from another copy of cdk8s than fleet uses, and would not synthesize its charts; install the cdk8s version fleet depends on (npm dedupes it)');
    }
    const result = props.result ?? compileSpec(props);
    if (!result.tree) {
      if (result.diagnostics.some((d) => d.severity === 'error')) throw new FleetCompileError(result);
      throw new Error('FleetCharts: the compile result has no output tree (compiled with renderOutput: false, or a shard)');
    }
    const charts = new Map<string, Chart>();
    for (const [folder, paths] of foldersOf(result.tree)) {
      if (props.flux === false && folder.startsWith('_flux/')) continue;
      const chart = new Chart(this, folder.replaceAll('/', '.'), { disableResourceNameHashes: true });
      for (const path of paths) {
        const object = parse(result.tree.get(`${folder}/${path}`)!) as Record<string, unknown>;
        new ApiObject(chart, path.replace(/\.yaml$/, '').replaceAll('/', '.'), object as never);
      }
      charts.set(folder, chart);
    }
    this.charts = charts;
  }
}

function compileSpec({ spec, compileOptions }: FleetChartsProps): CompileResult {
  if (!spec) throw new Error('FleetCharts: give `spec` (the spec files) or `result` (what compile() returned)');
  const result = compile(spec, compileOptions);
  if (!result.tree && result.diagnostics.some((d) => d.severity === 'error')) {
    throw new FleetCompileError(result, new Map(spec.map((f) => [f.path, f.text])));
  }
  return result;
}

/** Every output folder (one with a kustomization.yaml) and its files in apply order, as its kustomization lists them. */
function foldersOf(tree: ReadonlyMap<string, string>): Map<string, string[]> {
  const folders = new Map<string, string[]>();
  for (const [path, text] of tree) {
    if (!path.endsWith('/kustomization.yaml')) continue;
    const { resources } = parse(text) as { resources?: string[] };
    folders.set(path.slice(0, -'/kustomization.yaml'.length), resources ?? []);
  }
  return folders;
}
