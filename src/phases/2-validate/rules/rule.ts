import type { DiagnosticBag } from '../../../diagnostics/diagnostic.js';
import type { FleetSpec } from '../../../model/spec.js';
import type { SourceMap } from '../../1-load/index.js';
import type { BrokenNames } from '../merge.js';

export interface RuleContext {
  readonly spec: FleetSpec;
  readonly sourceMap: SourceMap;
  readonly diagnostics: DiagnosticBag;
  /** Names of items the schema already rejected; references to them are not reported again. */
  readonly broken: BrokenNames;
}

/** A semantic check over the merged spec. Rules only report; they never change the spec. */
export type Rule = (context: RuleContext) => void;
