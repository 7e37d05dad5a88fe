import { DiagnosticBag, type Diagnostic } from './diagnostics/diagnostic.js';
import type { ResolvedFleet } from './model/fleet.js';
import type { PlacementPlan, PreviousPlacement } from './model/plan.js';
import { load, type SpecFile } from './phases/1-load/index.js';
import { validate } from './phases/2-validate/index.js';
import { buildTrafficGraph, resolve } from './phases/3-resolve/index.js';
import { place } from './phases/4-place/index.js';
import { Topology } from './phases/4-place/topology.js';
import { checkPlacement } from './phases/check/index.js';
import { renderClusters } from './phases/5-render/index.js';
import { clusterOfOutputPath, fluxEntrypoints } from './phases/6-emit/flux.js';
import { type ClusterRenderInputs, pathsDigest, readRenderRecord, type RenderRecord, renderInputsOf, renderRecord } from './phases/5-render/render-inputs.js';
import { assembleOutput, ClusterEmitter, type EmittedFile, type LockedFiles, lockGroupsOfCluster, type LockLines, manifestPath, type OutputTree, specInputsHash, withReplacedHashes } from './phases/6-emit/index.js';
import { OutputVerifier } from './phases/6-emit/verify.js';
import { type ManifestFolder, withAppManifests } from './phases/3-resolve/app-manifests.js';
import { AppManifestsAdder } from './phases/5-render/app-manifests.js';
import { PatchApplier } from './phases/5-render/patches/apply.js';
import { checkMesh, type MeshCheckResult, type MeshFacts, meshFactsOf, type MeshModel, MeshModelBuilder, reportMeshFindings } from './mesh/index.js';
import type { TrafficGraph } from './model/traffic.js';

export interface CompileOptions {
  /** Stop after placement and its checks (`fleet validate`, `fleet plan`): nothing is rendered. */
  readonly renderOutput?: boolean;
  /** The placement recorded by the previous run (out/fleet.lock.json), for stable placement. */
  readonly previous?: PreviousPlacement;
  /**
   * Check the output on the mesh model (docs/mesh-model.md): default true, as `fleet synth` and
   * `fleet validate` do. `fleet diff` turns it off: it compares outputs, and the check is the
   * gate of `fleet synth --check` in CI, not of a review report.
   */
  readonly meshCheck?: boolean;
  /** Keep the mesh model of the output in the result (`fleet trace`). */
  readonly keepMeshModel?: boolean;
  /**
   * The `apps[].manifests` folders the spec names, as the caller read them: compile() reads no
   * file (the CLI's readSpecFiles returns them as `manifests`). An app whose folder is not here is
   * an error at its `manifests` field.
   */
  readonly manifests?: readonly ManifestFolder[];
  /**
   * What an earlier compile of this fleet rendered, for incremental synth: a cluster whose render
   * inputs are unchanged (CompileResult.renderInputs) is not rendered again, and its files are
   * carried over as its lock lists them (CompileResult.carried); one where only some apps'
   * workloads changed has only those rendered again, and the rest carried (CompileResult.partlyRendered).
   * The caller vouches that the files carried are still as written (synth checks them on disk).
   */
  readonly previousRender?: PreviousRender;
}

/**
 * The render of an earlier compile: each cluster's render inputs, and every file it wrote with its
 * hash (its lock's `files`, as `LockedFiles.of(lockText)` reads them).
 */
export interface PreviousRender {
  readonly inputs: ReadonlyMap<string, string>;
  readonly files: LockedFiles;
}

export type { ManifestFolder } from './phases/3-resolve/app-manifests.js';

export interface CompileResult {
  /** Sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
  readonly fleet?: ResolvedFleet;
  /** Every decision: where each app runs and what runs there. Rendering reads nothing else of placement. */
  readonly plan?: PlacementPlan;
  /**
   * The output tree (path -> bytes, sorted by path), present only when there are no errors. With
   * `previousRender`, the files of the groups carried over are not in it, but for those whose bytes
   * a partly rendered cluster changed (see `carried`); the lock in it lists every file.
   */
  readonly tree?: OutputTree;
  /** With `tree`: the sha256 (`sha256:<hex>`) of every file of `tree`, the lock included; sorted by path. */
  readonly hashes?: ReadonlyMap<string, string>;
  /**
   * With `previousRender`: the groups of files carried over (a cluster's folder, `eu-1/`, and its
   * Flux entrypoints' folder, `_flux/eu-1/`), each with how many files it holds: those of clusters
   * not rendered, and of clusters partly rendered (see `partlyRendered`). The lock lists their files
   * as the previous lock did, but for the new hashes of the files a partly rendered cluster changed,
   * which alone of them are in `tree` and `hashes`. Empty otherwise.
   */
  readonly carried?: ReadonlyMap<string, number>;
  /**
   * With `previousRender`: the clusters where only some apps' workloads were rendered again (see
   * render-inputs.ts), their groups carried with those workloads' files replaced. Empty otherwise.
   */
  readonly partlyRendered?: ReadonlySet<string>;
  /** Each rendered or carried cluster's render inputs (see renderRecord): what a later compile's `previousRender.inputs` is. */
  readonly renderInputs?: ReadonlyMap<string, string>;
  /** With `keepMeshModel`: what the clusters will do with the output (src/mesh, docs/mesh-model.md), and what its check found besides errors. */
  readonly mesh?: { readonly model: MeshModel; readonly check: MeshCheckResult };
}

/**
 * The pipeline, as every command runs it: spec files in; diagnostics, the plan and the output tree
 * out. Pure: no file system, no console, no threads, no state kept between calls.
 *
 * 1 load (YAML with positions) → 2 validate (schema, then meaning) → 3 resolve (defaults, rules)
 * → 4 place (every decision, recorded in the plan) → check (what needs the placement, src/phases/check) → 5 render
 * (a pure function of the plan) → 6 emit (files in memory, and the lock).
 *
 * Stops at the first step that reports errors, so later steps only ever see valid input; within a
 * step every problem is reported.
 */
export function compile(files: readonly SpecFile[], options: CompileOptions = {}): CompileResult {
  const diagnostics = new DiagnosticBag();
  const done = (rest: Omit<CompileResult, 'diagnostics'> = {}): CompileResult => ({ diagnostics: diagnostics.sorted(), ...rest });

  const loaded = load(files, diagnostics);
  const { spec } = validate(loaded, diagnostics);
  if (diagnostics.hasErrors()) return done();
  const fleet = withAppManifests(resolve(spec, loaded.sourceMap, diagnostics), options.manifests ?? [], loaded.sourceMap, diagnostics);
  const traffic = buildTrafficGraph(fleet, loaded.sourceMap, diagnostics);
  // Placement runs even when resolving found errors (in apps it then leaves out), so they are all reported at once.
  const plan = place(fleet, loaded.sourceMap, diagnostics, options.previous ?? new Map());
  const topology = new Topology(fleet, plan, traffic);
  checkPlacement(fleet, plan, topology, loaded.sourceMap, diagnostics);
  if (diagnostics.hasErrors() || options.renderOutput === false) return done({ fleet, plan });

  const fileOf = (specObject: object) => loaded.sourceMap.originOf(specObject)?.source.name ?? '';
  const inputs = renderInputsOf(fleet, topology, fileOf);
  const reuse = reusable(options.keepMeshModel ? undefined : options.previousRender, inputs);
  const { carried, workloadsOnly } = reuse;
  // The mesh model check (docs/mesh-model.md): spec problems become diagnostics; a renderer defect throws (a bug in fleet).
  // The model knows Istio and Calico: a fleet with clusters outside the mesh or on other network policy is not checked by it,
  // and the model is only built when it is checked or asked for (`fleet trace`). It models the whole output: a compile
  // that keeps files of the previous one (incremental synth) does not check it; a compile without `previousRender` (CI's) does,
  // unless told not to (`meshCheck: false`, `fleet diff`).
  const checked = options.meshCheck !== false && meshModelApplies(fleet) && carried.size === 0 && workloadsOnly.size === 0;
  const patches = new PatchApplier(fleet, topology);
  const finish = { manifests: new AppManifestsAdder(topology, diagnostics), patches, emitter: new ClusterEmitter() };
  const carriedClusters = new Set([...carried.keys()].map(clusterOfOutputPath));
  const meshRequest = checked || options.keepMeshModel ? { facts: meshFactsOf(fleet, traffic), traffic, checked, keep: options.keepMeshModel === true } : undefined;
  const { emitted, mesh, paths, workloadFiles, wholeAgain } = renderEmitAndCheck(fleet, topology, fileOf, meshRequest, finish, (cluster) => !carriedClusters.has(cluster), reuse);
  // A partly rendered cluster's groups are carried too, with the hashes of its rendered files
  // replaced in its lines; of those files, only the ones that changed are written.
  const partlyRendered = new Set<string>();
  for (const [cluster, files] of workloadFiles) {
    const [folder, entrypoints] = lockGroupsOfCluster(cluster);
    const replaced = withReplacedHashes(options.previousRender!.files.lines(folder)!, files);
    if (!replaced) {
      wholeAgain.push(cluster);
      continue;
    }
    partlyRendered.add(cluster);
    carried.set(folder, replaced.lines);
    const fluxLines = options.previousRender!.files.lines(entrypoints);
    if (fluxLines) carried.set(entrypoints, fluxLines);
    emitted.push(...replaced.changed);
  }
  // A cluster kept (carried, or partly rendered) reports nothing (see renderInputsOf), but a patch
  // that applied in none of the clusters rendered may apply in one kept: such clusters are rendered
  // whole after all, one at a time until each such patch has applied somewhere, so that a patch
  // that applies nowhere is reported as a clean compile reports it. They come out as they were
  // written. So is a partly rendered cluster whose workloads' files are not those it had.
  const renderWhole = (cluster: string) => {
    const again = renderEmitAndCheck(fleet, topology, fileOf, undefined, finish, (c) => c === cluster);
    emitted.push(...again.emitted);
    for (const [c, digests] of again.paths) paths.set(c, digests);
  };
  for (const cluster of wholeAgain) renderWhole(cluster);
  for (const cluster of [...carriedClusters, ...partlyRendered]) {
    if (!patches.plansUnappliedPatch(cluster)) continue;
    carriedClusters.delete(cluster);
    for (const group of lockGroupsOfCluster(cluster)) carried.delete(group);
    if (partlyRendered.delete(cluster)) emitted.splice(0, emitted.length, ...emitted.filter((file) => clusterOfOutputPath(file.path) !== cluster));
    renderWhole(cluster);
  }
  patches.report(loaded.sourceMap, diagnostics);
  reportMeshFindings(mesh?.check ?? NOTHING_CHECKED, loaded.sourceMap, diagnostics);
  if (diagnostics.hasErrors()) return done({ fleet, plan });

  // What a later incremental compile reads of this one: each cluster's inputs, and its lone apps' workloads' paths.
  const records = new Map<string, string>();
  for (const [cluster, now] of inputs) {
    const rendered = paths.get(cluster);
    const before = reuse.records.get(cluster);
    const pathsOf = rendered ? (app: string) => rendered.get(app)! : (app: string) => before!.workloads.get(app)!.paths;
    if (rendered || partlyRendered.has(cluster)) records.set(cluster, renderRecord(now, pathsOf));
    else if (before && carriedClusters.has(cluster)) records.set(cluster, before.text);
  }
  const output = assembleOutput(fleet.name, plan, emitted, carried, specInputsHash(files, options.manifests ?? []));
  return done({
    fleet,
    plan,
    tree: output.tree,
    hashes: output.hashes,
    carried: new Map([...carried].map(([group, lines]) => [group, lines.count])),
    partlyRendered,
    renderInputs: records,
    ...(mesh?.model ? { mesh: { model: mesh.model, check: mesh.check } } : {}),
  });
}

/** What an incremental compile keeps of the previous render (see reusable). */
interface Reuse {
  /** The groups of files (lockGroupOf) of clusters carried over whole -> their lines in the previous lock. */
  readonly carried: Map<string, LockLines>;
  /** Clusters where only some apps' workloads are rendered again -> those apps. */
  readonly workloadsOnly: ReadonlyMap<string, ReadonlySet<string>>;
  /** The previous render's record of each cluster of both (renderRecord), with its text. */
  readonly records: ReadonlyMap<string, RenderRecord & { readonly text: string }>;
}

/**
 * What of `previous` an incremental compile keeps: the files of each cluster whose render inputs
 * are all what `previous` rendered them from (and whose files its lock lists), and of each whose
 * frame is (see render-inputs.ts), all but the workloads of the apps whose own inputs changed.
 */
function reusable(previous: PreviousRender | undefined, inputs: ReadonlyMap<string, ClusterRenderInputs>): Reuse {
  const carried = new Map<string, LockLines>();
  const workloadsOnly = new Map<string, Set<string>>();
  const records = new Map<string, RenderRecord & { text: string }>();
  if (!previous) return { carried, workloadsOnly, records };
  for (const [cluster, now] of inputs) {
    const text = previous.inputs.get(cluster);
    const before = text === undefined ? undefined : readRenderRecord(text);
    // The same frame: the same apps render alone, so `before` has each of them.
    if (!before || before.frame !== now.frame) continue;
    const changed = new Set([...now.workloads].filter(([app, digest]) => before.workloads.get(app)?.inputs !== digest).map(([app]) => app));
    const groups = lockGroupsOfCluster(cluster).filter((group) => previous.files.lines(group));
    if (changed.size > 0) {
      // Rendered in part: its folder's lines are where the rendered files' hashes go.
      if (!groups.includes(`${cluster}/`)) continue;
      workloadsOnly.set(cluster, changed);
    } else {
      if (groups.length === 0) continue;
      for (const group of groups) carried.set(group, previous.files.lines(group)!);
    }
    records.set(cluster, { ...before, text: text! });
  }
  return { carried, workloadsOnly, records };
}

const NOTHING_CHECKED: MeshCheckResult = { findings: [], declaredCalls: 0, undeclaredPairs: 0 };

/** What to do with the mesh model of the output: build it from these facts, check it against the traffic graph, keep it. */
interface MeshModelRequest {
  readonly facts: MeshFacts;
  readonly traffic: TrafficGraph;
  readonly checked: boolean;
  readonly keep: boolean;
}

/** What renderEmitAndCheck made. */
interface Rendered {
  readonly emitted: EmittedFile[];
  readonly mesh?: { check: MeshCheckResult; model?: MeshModel };
  /** Each cluster rendered whole -> each of its apps' workloads' paths (pathsDigest), by app id. */
  readonly paths: Map<string, Map<string, string>>;
  /** The clusters where only some workloads were rendered (Reuse.workloadsOnly) -> those workloads' files. */
  readonly workloadFiles: Map<string, EmittedFile[]>;
  /** Those of Reuse.workloadsOnly whose workloads' files are not those the previous render had: to be rendered whole. */
  readonly wholeAgain: string[];
}

/**
 * Render and emit, one cluster at a time: each cluster is checked and serialized as soon as it is
 * rendered, so its objects die young. The check is of fleet's own output: a problem is a bug in
 * fleet. With `request`, the mesh model is built from what was rendered and checked: the model
 * and the check's tables are most of the heap at fleet scale, and die when this returns (unless
 * kept), before the caller builds the lock on top of the output. A cluster of `reuse.workloadsOnly`
 * has only those apps' workloads rendered, and emitted when their files are those it had.
 */
function renderEmitAndCheck(
  fleet: ResolvedFleet,
  topology: Topology,
  fileOf: (specObject: object) => string,
  request: MeshModelRequest | undefined,
  finish: { readonly manifests: AppManifestsAdder; readonly patches: PatchApplier; readonly emitter: ClusterEmitter },
  rendersCluster: (cluster: string) => boolean,
  reuse: Pick<Reuse, 'workloadsOnly' | 'records'> = { workloadsOnly: new Map(), records: new Map() },
): Rendered {
  const builder = request && new MeshModelBuilder(request.facts);
  const verifier = new OutputVerifier();
  const made: Rendered = { emitted: [], paths: new Map(), workloadFiles: new Map(), wholeAgain: [] };
  const flux = fleet.flux && { settings: fleet.flux, source: { file: fileOf(fleet.flux.spec), entry: 'flux' } };
  for (const rendered of renderClusters(fleet, topology, fileOf, { rendersCluster, workloadsOnly: reuse.workloadsOnly })) {
    verifier.check(rendered);
    const paths = new Map([...rendered.workloads].map(([app, manifests]) => [app, pathsDigest(manifests.map((m) => manifestPath(rendered.cluster, m.object)))]));
    if (reuse.workloadsOnly.has(rendered.cluster)) {
      // Apps with neither patches nor manifests of their own: nothing to add or apply (see ClusterRenderInputs.workloads).
      const before = reuse.records.get(rendered.cluster)!;
      if ([...paths].every(([app, digest]) => before.workloads.get(app)?.paths === digest)) made.workloadFiles.set(rendered.cluster, finish.emitter.emitObjects(rendered));
      else made.wholeAgain.push(rendered.cluster);
      continue;
    }
    made.paths.set(rendered.cluster, paths);
    // Then what is not fleet's own rendering: the apps' own manifests, and the overrides' patches on top.
    const cluster = finish.patches.apply(finish.manifests.add(rendered));
    const folders = flux ? [cluster, ...fluxEntrypoints(flux.settings, fleet.name, [cluster], flux.source)] : [cluster];
    // Entrypoints first: the model learns which folders each Flux Kustomization applies. It models fleet's own rendering.
    if (builder) for (const folder of [...(cluster === rendered ? folders : [rendered, ...folders.slice(1)])].reverse()) builder.add(folder);
    made.emitted.push(...finish.emitter.emit(folders));
  }
  verifier.finish();
  if (!request || !builder) return made;
  const model = builder.build();
  const check = request.checked ? checkMesh(model, request.traffic) : NOTHING_CHECKED;
  return { ...made, mesh: { check, ...(request.keep ? { model } : {}) } };
}

/** Whether the mesh model (src/mesh, Istio and Calico only) describes every cluster: each runs Istio and Calico policy. */
function meshModelApplies(fleet: ResolvedFleet): boolean {
  return fleet.clusters.every((c) => c.mesh === 'istio' && c.networkPolicy === 'calico');
}
