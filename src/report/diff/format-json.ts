import { hasChanges, type DiffReportContext, type FleetDiff } from './model.js';

/**
 * `fleet diff --format json`: one record per object change, for bots and CODEOWNERS-style gates.
 * Every key is always present (`null` when it does not apply), so consumers need no guards.
 * `fields` names every difference; `entries` says which of them are list entries added or removed
 * as a whole, or a list reordered where its order matters (list-identity.ts).
 */
export function formatJson(diff: FleetDiff, context: DiffReportContext): string {
  const report = {
    base: context.base,
    baseSource: context.baseSource ?? null,
    head: context.head,
    spec: context.spec,
    outputMatchesSpec: context.outputCheck ? context.outputCheck.upToDate : null,
    changed: hasChanges(diff),
    changes: diff.changes.map((c) => ({
      cluster: c.cluster,
      app: c.app ?? null,
      apiVersion: c.apiVersion,
      kind: c.kind,
      namespace: c.namespace ?? null,
      name: c.name,
      action: c.action,
      fields: c.fields.map((f) => f.path),
      entries: c.fields.flatMap((f) => (f.entry ? [{ path: f.path, action: f.entry }] : [])),
      risk: c.risk,
      specPath: c.specPath ?? null,
    })),
    placement: diff.placement.flatMap((p) => p.changes),
    attention: diff.attention.map((a) => ({ kind: a.kind, cluster: a.cluster ?? null, subject: a.subject, message: a.message, specPath: a.specPath ?? null })),
    unreadable: diff.unreadable,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
