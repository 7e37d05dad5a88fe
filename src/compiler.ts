import { DiagnosticBag, type Diagnostic } from './diagnostics/diagnostic.js';
import type { ResolvedFleet } from './model/fleet.js';
import type { Placement, PlacementPlan, PreviousPlacement } from './model/plan.js';
import type { TrafficGraph } from './model/traffic.js';
import { load, type LoadResult, type SpecFile } from './phases/1-load/index.js';
import { validate } from './phases/2-validate/index.js';
import { buildTrafficGraph, resolve } from './phases/3-resolve/index.js';
import { place } from './phases/4-place/index.js';
import { checkTraffic, renderClusters, type Shard } from './phases/5-render/index.js';
import { fluxEntrypoint } from './phases/6-emit/flux.js';
import { assembleTree, ClusterEmitter, type EmittedFile, type OutputTree } from './phases/6-emit/index.js';
import { OutputVerifier } from './phases/6-emit/verify.js';

export interface CompileOptions {
  /** Stop after placement (`fleet validate`, `fleet plan`): every check runs, nothing is rendered. */
  readonly renderOutput?: boolean;
  /** The placement recorded by the previous run (out/fleet.lock.json), for stable placement. */
  readonly previous?: PreviousPlacement;
  /**
   * Render only this share of the clusters, for compiling on several threads (src/cli/compile-parallel.ts):
   * the result then has `files` (those clusters' files) instead of `tree`; assembleTree puts every
   * shard's files together. Every check still runs on the whole fleet.
   */
  readonly shard?: Shard;
  /**
   * Called with the placement as soon as it is made without errors, before the traffic checks: other
   * threads render their shards from it (src/cli/compile-parallel.ts) rather than placing again.
   */
  readonly onPlaced?: (plan: PlacementPlan) => void;
}

export interface CompileResult {
  /** Sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
  readonly fleet?: ResolvedFleet;
  readonly plan?: PlacementPlan;
  /** The output tree (path -> bytes), present only when there are no errors. */
  readonly tree?: OutputTree;
  /** With a `shard`: the shard's files, present only when there are no errors. */
  readonly files?: readonly EmittedFile[];
}

/**
 * The pipeline: spec files in, diagnostics, placement and the output tree out.
 * Pure: no file system, no console. Stops at the first phase boundary that has errors, so later
 * phases only ever see valid input; within a phase every problem is reported.
 */
export function compile(files: readonly SpecFile[], options: CompileOptions = {}): CompileResult {
  const diagnostics = new DiagnosticBag();
  return compileLoaded(load(files, diagnostics), diagnostics, options);
}

/** compile() after phase 1, for spec files already loaded (`diagnostics` holds what loading found). */
export function compileLoaded(loaded: LoadResult, diagnostics: DiagnosticBag, options: CompileOptions = {}): CompileResult {
  const done = (rest: Omit<CompileResult, 'diagnostics'> = {}): CompileResult => ({ diagnostics: diagnostics.sorted(), ...rest });

  const resolved = resolveLoaded(loaded, diagnostics);
  if (!resolved) return done();
  const { fleet, traffic } = resolved;
  const plan = place(fleet, loaded.sourceMap, diagnostics, options.previous ?? new Map());
  if (!diagnostics.hasErrors()) options.onPlaced?.(plan);
  checkTraffic(fleet, traffic, plan, loaded.sourceMap, diagnostics);
  if (diagnostics.hasErrors() || options.renderOutput === false) return done({ fleet, plan });

  const files = renderFiles(loaded, { fleet, traffic }, plan, options.shard);
  return done(options.shard ? { fleet, plan, files } : { fleet, plan, tree: assembleTree(fleet.name, plan, files) });
}

/** The fleet as rendering needs it: phases 2 and 3. */
export interface Resolved {
  readonly fleet: ResolvedFleet;
  readonly traffic: TrafficGraph;
}

/** Phases 2 and 3; undefined when validation found errors. */
export function resolveLoaded(loaded: LoadResult, diagnostics: DiagnosticBag): Resolved | undefined {
  const { spec } = validate(loaded, diagnostics);
  if (diagnostics.hasErrors()) return undefined;
  const fleet = resolve(spec, loaded.sourceMap, diagnostics);
  return { fleet, traffic: buildTrafficGraph(fleet, loaded.sourceMap, diagnostics) };
}

/**
 * Phases 5 and 6 for a placement without errors: each cluster's files (of `shard` only, when given),
 * in no particular order. Checks nothing the earlier phases check: a thread that renders from
 * another's placement (src/cli/compile-parallel.ts) leaves reporting to that one.
 */
export function renderFiles(loaded: LoadResult, { fleet, traffic }: Resolved, plan: Placement, shard?: Shard): EmittedFile[] {
  const fileOf = (specObject: object) => loaded.sourceMap.originOf(specObject)?.source.name ?? '';
  const flux = fleet.flux && { settings: fleet.flux, source: { file: fileOf(fleet.flux.spec), entry: 'flux' } };
  const verifier = new OutputVerifier();
  const emitter = new ClusterEmitter();
  const emitted: EmittedFile[] = [];
  // Each cluster is checked and serialized as soon as it is rendered, so its objects die young.
  for (const cluster of renderClusters(fleet, plan, traffic, fileOf, { shard })) {
    verifier.check(cluster);
    emitted.push(...emitter.emit(flux ? [cluster, fluxEntrypoint(flux.settings, fleet.name, cluster, flux.source)] : [cluster]));
  }
  verifier.finish();
  return emitted;
}
