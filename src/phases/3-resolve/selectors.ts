import type { AppSelectorSpec, ClusterAffinitySpec, Labels, MatchExpression } from '../../model/spec.js';
import type { Cluster, App } from '../../model/fleet.js';
import { ownValue } from '../../model/own-keys.js';

/** Cluster fields that selectors may name as if they were labels. */
export const CLUSTER_FIELDS = ['name', 'region', 'zone', 'provider', 'network'] as const;

/** The value a selector key reads from a cluster: a field, or a label (own keys only, see ownValue). */
export function clusterAttribute(cluster: Cluster, key: string): string | undefined {
  if ((CLUSTER_FIELDS as readonly string[]).includes(key)) return cluster[key as (typeof CLUSTER_FIELDS)[number]];
  return ownValue(cluster.labels, key);
}

/** Why a cluster does not match an affinity, or undefined when it matches. Reasons read as "cluster(s) <reason>". */
export function affinityMismatch(cluster: Cluster, affinity: ClusterAffinitySpec): string | undefined {
  const mismatch = mismatchOf(cluster, affinity);
  if (mismatch === undefined) return undefined;
  if (mismatch === 'excluded') return 'were excluded by name';
  if (mismatch === 'names') return 'were not in the affinity names';
  if (mismatch === 'labels') return `did not match labels {${formatLabels(affinity.matchLabels!)}}`;
  return `did not match expression {${formatExpression(mismatch)}}`;
}

/** Whether a cluster matches an affinity: affinityMismatch without making the reason (placement asks apps × clusters times). */
export function affinityMatches(cluster: Cluster, affinity: ClusterAffinitySpec): boolean {
  return mismatchOf(cluster, affinity) === undefined;
}

/** The first part of the affinity the cluster fails, in the order affinityMismatch reports them. */
function mismatchOf(cluster: Cluster, affinity: ClusterAffinitySpec): 'excluded' | 'names' | 'labels' | MatchExpression | undefined {
  if (affinity.exclude?.includes(cluster.name)) return 'excluded';
  if (affinity.names && !affinity.names.includes(cluster.name)) return 'names';
  if (affinity.matchLabels && !labelsMatch(affinity.matchLabels, (key) => clusterAttribute(cluster, key))) return 'labels';
  for (const expression of affinity.matchExpressions ?? []) if (!expressionMatches(expression, clusterAttribute(cluster, expression.key))) return expression;
  return undefined;
}

export function appMatches(app: Pick<App, 'name' | 'namespace' | 'labels'>, selector: AppSelectorSpec): boolean {
  if (selector.names && !selector.names.includes(app.name)) return false;
  if (selector.namespaces && !selector.namespaces.includes(app.namespace)) return false;
  if (selector.matchLabels && !labelsMatch(selector.matchLabels, (key) => ownValue(app.labels, key))) return false;
  return (selector.matchExpressions ?? []).every((e) => expressionMatches(e, ownValue(app.labels, e.key)));
}

function labelsMatch(wanted: Labels, read: (key: string) => string | undefined): boolean {
  // A loop, not Object.entries().every(): placement asks this apps × clusters times. Object.keys,
  // not `for in`: only the selector's own keys are wanted.
  for (const key of Object.keys(wanted)) if (read(key) !== wanted[key]) return false;
  return true;
}

function expressionMatches(expression: MatchExpression, value: string | undefined): boolean {
  const values = expression.values ?? [];
  switch (expression.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

export function formatLabels(labels: Labels): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function formatExpression(e: MatchExpression): string {
  return e.values ? `${e.key} ${e.operator} (${e.values.join(', ')})` : `${e.key} ${e.operator}`;
}

/** How specific an app selector is, for rule precedence: names (2) over labels (1) over match-all (0). */
export function specificity(selector: AppSelectorSpec): number {
  if (selector.names) return 2;
  if (selector.matchLabels || selector.matchExpressions || selector.namespaces) return 1;
  return 0;
}
