import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { LoadResult } from '../1-load/index.js';
import { merge, type MergedSpec } from './merge.js';
import { RULES } from './rules/index.js';
import { validateAgainstSchema } from './schema.js';
import { schemaFindings } from './schema-errors.js';

export type { MergedSpec } from './merge.js';
export { specPath } from './spec-path.js';

/**
 * Phase 2: each document against schema/fleet.schema.json, then the documents merged, then the
 * semantic rules. Every problem found is reported; items whose shape is wrong are kept out of the
 * semantic rules so one mistake is not reported three times.
 */
export function validate(loaded: LoadResult, diagnostics: DiagnosticBag): MergedSpec {
  const findings = loaded.documents.map((document) => schemaFindings(validateAgainstSchema(document.value), document.value, document.source));
  for (const finding of findings.flat()) diagnostics.add(finding.diagnostic);
  const merged = merge(loaded.documents, findings, diagnostics);
  for (const rule of RULES) rule({ spec: merged.spec, sourceMap: loaded.sourceMap, diagnostics, broken: merged.broken });
  return merged;
}
