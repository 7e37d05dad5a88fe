import type { KubeObject } from '../../../model/manifest.js';
import { objectLabel, type Attention, type WeightShift } from '../model.js';
import type { TreeIndex } from '../objects.js';
import { isKind, qualify, specOf, type Detector } from './detector.js';

/**
 * Weight shifts in Istio VirtualServices (networking.istio.io `spec.{http,tcp,tls}[].route[].weight`):
 * which share of requests each destination gets, per route, before and after. Weights are relative
 * (Istio: `weight / sum of weights`), so only a change of share counts; a lone destination
 * without a weight gets everything. A removed VirtualService stops splitting traffic at all (reported
 * while the cluster still has callers, i.e. still renders the Service).
 */
export const trafficShifts: Detector = ({ changes, after }) => {
  const findings: Attention[] = [];
  for (const c of changes) {
    if (!isKind(c, 'networking.istio.io', 'VirtualService') || c.action === 'add') continue;
    if (c.action === 'remove' && !stillCalled(c.before!, c.cluster, after)) continue; // no callers left on the cluster
    const weights = shifts(routesOf(c.before), routesOf(c.after));
    if (weights.length === 0) continue;
    const moves = [...groupByRoute(weights)].map(([route, list]) => `\`${route}\`: ${list.map(formatShift).join(', ')}`);
    const message = c.action === 'remove' ? `is removed, so requests are no longer split (${moves.join('; ')}); they reach every pod of the service` : moves.join('; ');
    findings.push({ kind: 'traffic-shift', cluster: c.cluster, subject: objectLabel(c), message, specPath: c.specPath, keys: [c.key], weights });
  }
  return findings;
};

/** Whether the cluster still renders a Service for one of the VirtualService's hosts: fleet renders Services where callers run. */
function stillCalled(vs: KubeObject, cluster: string, after: TreeIndex): boolean {
  const hosts = new Set((Array.isArray(specOf(vs).hosts) ? (specOf(vs).hosts as unknown[]) : []).filter((h): h is string => typeof h === 'string').map((h) => qualify(h, vs.metadata.namespace)));
  return after.objectsOf(cluster, 'Service').some((o) => hosts.has(qualify(o.object.metadata.name, o.object.metadata.namespace)));
}

/** Route name (or `http[0]`) -> destination (subset, or host) -> weight. */
type Routes = Map<string, Map<string, number>>;

function routesOf(object: KubeObject | undefined): Routes {
  const routes: Routes = new Map();
  if (!object) return routes;
  const spec = specOf(object);
  for (const protocol of ['http', 'tcp', 'tls']) {
    const rules: any[] = Array.isArray(spec[protocol]) ? spec[protocol] : [];
    rules.forEach((rule, i) => {
      const destinations: any[] = Array.isArray(rule?.route) ? rule.route : [];
      if (destinations.length === 0) return;
      const weights = new Map<string, number>();
      for (const entry of destinations) {
        const label = String(entry?.destination?.subset ?? entry?.destination?.host ?? '?');
        const weight = typeof entry?.weight === 'number' ? entry.weight : destinations.length === 1 ? 100 : 0;
        weights.set(label, (weights.get(label) ?? 0) + weight);
      }
      routes.set(typeof rule.name === 'string' ? rule.name : `${protocol}[${i}]`, weights);
    });
  }
  return routes;
}

function shifts(before: Routes, after: Routes): WeightShift[] {
  const out: WeightShift[] = [];
  for (const route of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(route) ?? new Map<string, number>();
    const a = after.get(route) ?? new Map<string, number>();
    const destinations = [...new Set([...b.keys(), ...a.keys()])];
    if (destinations.every((d) => share(b, d) === share(a, d))) continue;
    for (const destination of destinations) out.push({ route, destination, before: b.get(destination), after: a.get(destination) });
  }
  return out;
}

function share(weights: Map<string, number>, destination: string): number {
  const total = [...weights.values()].reduce((x, y) => x + y, 0);
  return total === 0 ? 0 : (weights.get(destination) ?? 0) / total;
}

function groupByRoute(weights: readonly WeightShift[]): Map<string, WeightShift[]> {
  const groups = new Map<string, WeightShift[]>();
  for (const w of weights) groups.set(w.route, [...(groups.get(w.route) ?? []), w]);
  return groups;
}

/** `stable 90 → 50`, `canary – → 10`. */
export function formatShift(shift: WeightShift): string {
  return `${shift.destination} ${shift.before ?? '–'} → ${shift.after ?? '–'}`;
}
