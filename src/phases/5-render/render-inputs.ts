import { hash } from 'node:crypto';
import type { App, ResolvedFleet } from '../../model/fleet.js';
import type { Topology } from '../4-place/topology.js';

/**
 * What each cluster's rendering reads, as one digest per cluster: a cluster whose digest is the
 * same as when its files were written renders the same files again (compile() then carries them
 * over instead of rendering them: incremental synth).
 *
 * The digest over-approximates what renderClusters reads for a cluster, and is made of whole
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
 * Leaving a field out of the apps' shared part is the one choice made by hand, and the safe way
 * round: a new field is in the digest until someone shows that only workloads read it.
 *
 * Rendering reads a cluster's neighbours only through the topology's callers, destinations and
 * placements, which are all in that list; the property test in test/fuzz/incremental.test.ts
 * holds "same digest, same files" over random fleets and edits, apps' own manifests and
 * overrides' patches included.
 *
 * The errors rendering can report about one cluster (an app's manifest that collides with an
 * object there, a patch that fails on an object there) are a function of these inputs too, so a
 * cluster carried over from a compile that wrote its output has none. The one error about all
 * clusters together, a patch that applied nowhere, is compile()'s to settle (it renders carried
 * clusters that may decide it).
 */
export function renderInputsOf(fleet: ResolvedFleet, topology: Topology, fileOf: (specObject: object) => string): Map<string, string> {
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

  const inputs = new Map<string, string>();
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
    const workloads = contents.placed.map((app) => {
      const workload = topology.workloadOf(app.id, cluster.name);
      const patches = (workload.patches ?? []).map((plan) => overrides.get(plan.override)!.patches![plan.index]);
      return { app: app.id, whole: whole(app), workload, patches };
    });
    inputs.set(cluster.name, digest({ fleetWide, cluster: cluster.name, apps, workloads }));
  }
  return inputs;
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
