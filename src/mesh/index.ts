/**
 * The mesh model (docs/mesh-model.md): what the clusters will do with fleet's rendered output,
 * read back from the manifests, and the checks and traces built on it.
 */
export { checkMesh, type MeshCheckResult, type MeshFinding } from './check.js';
export { applyPlan, type ApplyPlan } from './flux-order.js';
export { buildMeshModel, meshFactsOf, MeshModel, MeshModelBuilder, type MeshFacts } from './model.js';
export { MeshDefectError, reportMeshFindings } from './report.js';
export { serviceOfApp } from './istio-routing.js';
export { appCallers, ingressCallers, traceCall, type CallTrace } from './trace.js';
