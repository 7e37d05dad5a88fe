import { stringify } from 'yaml';
import type { CompileResult } from '../../src/compiler.js';
import type { AppPlacement, PreviousPlacement } from '../../src/model/plan.js';
import type { AppSpec, ClusterSpec, PlacementRuleSpec } from '../../src/model/spec.js';
import { compileText } from './spec.js';

/** The parts of a fleet spec placement tests vary; everything else is filled in. */
export interface FleetParts {
  readonly clusters: readonly ClusterSpec[];
  /** Apps without an image get one; without a namespace they live in `default-ns`. */
  readonly apps: readonly (Omit<AppSpec, 'image'> & { image?: string })[];
  readonly placement: readonly PlacementRuleSpec[];
}

/**
 * A complete spec as YAML text, as a user would write it: without anchors for the objects the parts
 * share (a user writes each out), so it loads as most specs do, without the `yaml` package.
 */
export function fleetYaml(parts: FleetParts): string {
  return stringify(
    {
      apiVersion: 'fleet/v1alpha1',
      kind: 'Fleet',
      metadata: { name: 'test' },
      clusters: parts.clusters,
      apps: parts.apps.map((a) => ({ namespace: 'default-ns', image: `example.com/${a.name}:1.0.0`, ...a })),
      placement: parts.placement,
    },
    { aliasDuplicateObjects: false },
  );
}

/** Validates, resolves and places `parts` (nothing rendered). */
export function placeFleet(parts: FleetParts, previous?: PreviousPlacement): CompileResult {
  return compileText(fleetYaml(parts), { renderOutput: false, previous });
}

/** Replicas per cluster of one app, or throws with the diagnostics when placement failed. */
export function replicasOf(result: CompileResult, app: string): Record<string, number> {
  return placementOf(result, app).clusters;
}

export function placementOf(result: CompileResult, app: string): AppPlacement {
  const placement = result.plan?.apps.find((a) => a.name === app);
  if (!placement) throw new Error(`no placement for ${app}: ${result.diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ')}`);
  return placement;
}

/** The previous placement `place()` receives, as the CLI reads it from a lock: every app of `result`. */
export function previousOf(result: CompileResult): PreviousPlacement {
  return new Map((result.plan?.apps ?? []).map((a) => [`${a.namespace}/${a.name}`, a.clusters]));
}

/** Error codes (and only errors), for compact assertions. */
export function errorCodes(result: CompileResult): string[] {
  return result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
}

/** `n` clusters named `<prefix>-<i>` (zero-padded, so name order is numeric order) with the given fields. */
export function clustersNamed(prefix: string, n: number, fields: (i: number) => Omit<ClusterSpec, 'name'> = () => ({})): ClusterSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${String(i + 1).padStart(2, '0')}`, ...fields(i) }));
}
