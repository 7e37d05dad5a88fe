/** fleet as a library: the pure compiler and its data types. The CLI (src/cli) is a thin layer over this. */
export { compile, type CompileOptions, type CompileResult, type ManifestFolder } from './compiler.js';
export type { Diagnostic, Span, Severity } from './diagnostics/diagnostic.js';
export { formatDiagnostics } from './diagnostics/format.js';
export type { SpecFile } from './phases/1-load/index.js';
export type { ResolvedFleet, App, Cluster } from './model/fleet.js';
export type { PlacementPlan, AppPlacement, ClusterDecision, PreviousPlacement } from './model/plan.js';
export type { FleetSpec } from './model/spec.js';
export { LockedFiles, type OutputTree } from './phases/6-emit/index.js';
export { toYaml } from './phases/6-emit/yaml.js';
/** Reads a spec file or folder as `fleet synth` does (the one export here that touches the file system). */
export { readSpecFiles, type ReadSpecResult } from './cli/spec-files.js';
/** fleet's per-cluster output as charts in your own cdk8s App. */
export { FleetCharts, FleetCompileError, type FleetChartsProps } from './cdk8s.js';
