import { hash } from 'node:crypto';
import type { App, ResolvedFleet } from '../../model/fleet.js';
import type { Topology } from '../4-place/topology.js';

/**
 * What each cluster's rendering reads, as digests: a cluster whose digests are the same as when its
 * files were written renders the same files again (compile() then carries them over instead of
 * rendering them: incremental synth).
 *
 * The digests over-approximate what renderClusters reads for a cluster, and are made of whole
 * objects rather than chosen fields, so that no input can be left out by a field list that falls
 * behind the renderers:
 * - the fleet-wide settings, every cluster and every ingress gateway, with the spec files they
 *   are written in (headers name them);
 * - for every app that is *relevant* to the cluster (it runs there, is called from there, calls
 *   or is called by an app that is there, is routed to by a gateway there, or has callers the
 *   cluster's east-west gateway relays to its pods): the resolved app
 *   but for what only its own workloads read (see WORKLOAD_ONLY), its spec file, the clusters it
 *   runs in, every traffic edge to and from it with its rule and rule file, and its destination
 *   policy;
 * - for each app that runs in the cluster: the whole app as written and resolved (its own
 *   manifests included), its decided workloads there, and the overrides' patches that apply to
 *   them there, as written (a workload names them only by override and index).
 *
 * All of it is the cluster's *frame*, but for the last item of the apps whose workloads can be
 * rendered alone (ClusterRenderInputs.workloads): each of those has a digest of its own. When only
 * such digests changed, only those apps' workloads (their ServiceAccount, Deployments or
 * StatefulSet, budget and autoscalers) are rendered again: nothing else in the cluster reads what
 * the frame leaves out (WORKLOAD_ONLY, and the decided workload, which only R2 reads).
 *
 * Leaving a field out of the apps' shared part is the one choice made by hand, and the safe way
 * round: a new field is in the digest until someone shows that only workloads read it.
 *
 * Rendering reads a cluster's neighbours only through the topology's callers, destinations and
 * placements, which are all in that list; the property test in test/fuzz/incremental.test.ts
 * holds "same digests, same files" over random fleets and edits, apps' own manifests and
 * overrides' patches included.
 *
 * The errors rendering can report about one cluster (an app's manifest that collides with an
 * object there, a patch that fails on an object there) are a function of the frame and of the
 * workloads' file paths (renderRecord), so a cluster carried over from a compile that wrote its
 * output, or one where only some apps' workloads are rendered again, has none. The one error about
 * all clusters together, a patch that applied nowhere, is compile()'s to settle (it renders such
 * clusters whole when they may decide it).
 */
export function renderInputsOf(fleet: ResolvedFleet, topology: Topology, fileOf: (specObject: object) => string): Map<string, ClusterRenderInputs> {
  const fleetWide = digest({
    name: fleet.name,
    mesh: fleet.mesh,
    meshFile: fleet.mesh.spec && fileOf(fleet.mesh.spec),
    platform: fleet.platform,
    platformFile: fleet.platform.spec && fileOf(fleet.platform.spec),
    flux: fleet.flux,
    fluxFile: fleet.flux && fileOf(fleet.flux.spec),
    clusters: fleet.clusters.map((cluster) => ({ cluster, file: fileOf(cluster.spec) })),
    gateways: topology.graph.gateways.map((gateway) => ({ gateway, file: fileOf(gateway.spec) })),
  });
  const shared = memoised((app: App) => {
    const edges = [...topology.callersOf(app.id), ...topology.calledBy(app.id)].map((edge) => ({ edge, file: fileOf(edge.rule) }));
    return digest({ app: sharedPart(app), file: fileOf(app.spec), placed: topology.placed(app.id), edges, policy: topology.graph.policies.get(app.id) });
  });
  const whole = memoised((app: App) => digest(app));
  const overrides = new Map(fleet.overrides.map((override) => [override.name, override]));

  const inputs = new Map<string, ClusterRenderInputs>();
  for (const cluster of fleet.clusters) {
    const contents = topology.contentsOf(cluster.name);
    if (!contents) continue;
    const relevant = new Map<string, App>();
    const add = (id: string) => {
      const app = topology.apps.get(id);
      if (app) relevant.set(id, app);
    };
    for (const app of [...contents.placed, ...contents.destinations, ...contents.meshDestinations, ...contents.relays]) {
      add(app.id);
      for (const edge of topology.callersOf(app.id)) if ('app' in edge.caller) add(edge.caller.app);
      for (const edge of topology.calledBy(app.id)) add(edge.to);
    }
    for (const gateway of contents.gateways) for (const edge of topology.ingressThrough(gateway.name)) add(edge.to);
    const apps = [...relevant.keys()].sort().map((id) => `${id}=${shared(relevant.get(id)!)}`);
    const fixed: object[] = [];
    const alone: [string, string][] = [];
    for (const app of contents.placed) {
      const workload = topology.workloadOf(app.id, cluster.name);
      const patches = (workload.patches ?? []).map((plan) => overrides.get(plan.override)!.patches![plan.index]);
      if (patches.length === 0 && app.manifests.length === 0) alone.push([app.id, digest({ whole: whole(app), workload })]);
      else fixed.push({ app: app.id, whole: whole(app), workload, patches });
    }
    const workloads = new Map(alone.sort(([a], [b]) => (a < b ? -1 : 1)));
    inputs.set(cluster.name, { frame: digest({ fleetWide, cluster: cluster.name, apps, fixed, alone: [...workloads.keys()] }), workloads });
  }
  return inputs;
}

/** A cluster's render inputs (see renderInputsOf). */
export interface ClusterRenderInputs {
  /** The digest of everything the cluster's rendering reads but what `workloads` covers, and of which apps those are. */
  readonly frame: string;
  /**
   * The apps placed here whose workloads can be rendered alone, by id (sorted) -> the digest of what
   * they are made from (the whole app, its decided workload here). Such an app has no override's
   * patch here and no manifests of its own: what those add or change may be any object of the app's.
   */
  readonly workloads: ReadonlyMap<string, string>;
}

/**
 * What a compile records of a cluster it rendered (CompileResult.renderInputs), as text: its render
 * inputs, and for each app of `workloads` the digest of its workloads' file paths (`paths`), which a
 * later compile that renders only those workloads must find unchanged (else the cluster's
 * kustomization.yaml changes too, and the cluster is rendered whole). One line for the frame, then
 * `<app id> <inputs digest> <paths digest>` per app.
 */
export function renderRecord(inputs: ClusterRenderInputs, paths: (app: string) => string): string {
  let text = inputs.frame;
  for (const [app, inputsDigest] of inputs.workloads) text += `\n${app} ${inputsDigest} ${paths(app)}`;
  return text;
}

/** A renderRecord read back: its frame, and each app's digests. */
export interface RenderRecord {
  readonly frame: string;
  readonly workloads: ReadonlyMap<string, { readonly inputs: string; readonly paths: string }>;
}

/** renderRecord's text read back; undefined for text that is not one. */
export function readRenderRecord(text: string): RenderRecord | undefined {
  const [frame, ...lines] = text.split('\n');
  const workloads = new Map<string, { inputs: string; paths: string }>();
  for (const line of lines) {
    const [app, inputs, paths, extra] = line.split(' ');
    if (paths === undefined || extra !== undefined) return undefined;
    workloads.set(app, { inputs, paths });
  }
  return { frame, workloads };
}

/** The digest of a set of file paths (renderRecord's `paths`). */
export function pathsDigest(paths: readonly string[]): string {
  return digest([...paths].sort());
}

/**
 * Fields of an app that only its own workloads read (Deployments, StatefulSets, their Service
 * account, budget and autoscalers, rendered only where it runs), and the spec as written (the
 * resolved fields stand for it; its file is digested apart). Elsewhere an app is seen through its
 * name, namespace, labels, ports, version names, stateful flag and placement.
 */
const WORKLOAD_ONLY = [
  'spec',
  'image',
  'command',
  'args',
  'replicas',
  'resources',
  'env',
  'annotations',
  'workload',
  'manifests',
  'placementRule',
  'shadowedRules',
  'allowMoveFrom',
] as const satisfies readonly (keyof App)[];

function sharedPart(app: App): object {
  const part: Record<string, unknown> = { ...app };
  for (const field of WORKLOAD_ONLY) delete part[field];
  part.versions = app.versions.map(({ name }) => name);
  return part;
}

function memoised(make: (app: App) => string): (app: App) => string {
  const made = new Map<App, string>();
  return (app) => made.get(app) ?? made.set(app, make(app)).get(app)!;
}

/** sha256 of a value as JSON; bigints (capacities), Maps and Sets written out, so nothing is lost. */
function digest(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Map) return { map: [...v] };
    if (v instanceof Set) return { set: [...v] };
    return v;
  });
  return hash('sha256', text ?? 'undefined');
}
