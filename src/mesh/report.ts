import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { SourceMap } from '../phases/1-load/index.js';
import type { MeshCheckResult } from './check.js';

/** The mesh check found that fleet's own output does not do what the spec says: a bug in fleet (exit 3). */
export class MeshDefectError extends Error {
  constructor(readonly defects: readonly string[]) {
    const shown = defects.slice(0, 20).map((d) => `  - ${d}`);
    const more = defects.length > shown.length ? [`  ... and ${defects.length - shown.length} more`] : [];
    super(`the rendered output does not do what the spec says (mesh model check, docs/mesh-model.md):\n${[...shown, ...more].join('\n')}`);
    this.name = 'MeshDefectError';
  }
}

/**
 * Spec problems become located diagnostics (errors when calls fail, warnings when they may);
 * renderer defects are thrown as one MeshDefectError after the diagnostics are added; renderer
 * warnings (Calico wider than needed while Istio denies) are left to `fleet trace`.
 */
export function reportMeshFindings(result: MeshCheckResult, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  const defects: string[] = [];
  for (const finding of result.findings) {
    if (finding.kind === 'renderer' || !finding.code) {
      // Thinner defence in depth (Calico lets through what the AuthorizationPolicy stops) is shown by `fleet trace`, not fatal.
      if (finding.severity !== 'warning') defects.push(finding.message);
      continue;
    }
    const span = finding.edge ? sourceMap.valueSpan(finding.edge.rule.from, finding.edge.fromIndex) : undefined;
    diagnostics.report(finding.code, finding.message, span, helpFor(finding.code));
  }
  if (defects.length > 0) throw new MeshDefectError(defects);
}

function helpFor(code: string): string[] {
  switch (code) {
    case 'traffic_cross_network_without_gateway':
      return ['give a cluster on that network an `eastWestGateway`, unless the networks route pod addresses to each other'];
    case 'traffic_plaintext_across_networks':
      return ["remove `tls: DISABLE` from the rules to this destination, or keep it on its callers' network"];
    default:
      return [];
  }
}
