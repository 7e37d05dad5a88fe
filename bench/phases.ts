import { performance } from 'node:perf_hooks';
import { readSpecFiles } from '../src/cli/spec-files.js';
import { DiagnosticBag } from '../src/diagnostics/diagnostic.js';
import type { RenderedCluster } from '../src/model/manifest.js';
import { load } from '../src/phases/1-load/index.js';
import { validate } from '../src/phases/2-validate/index.js';
import { buildTrafficGraph, resolve } from '../src/phases/3-resolve/index.js';
import { place } from '../src/phases/4-place/index.js';
import { Topology } from '../src/phases/4-place/topology.js';
import { render } from '../src/phases/5-render/index.js';
import { checkPlacement } from '../src/phases/check/index.js';
import { fluxEntrypoints } from '../src/phases/6-emit/flux.js';
import { emit } from '../src/phases/6-emit/index.js';
import { verifyOutput } from '../src/phases/6-emit/verify.js';

export const PHASES = ['load', 'validate', 'resolve', 'place', 'render', 'emit'] as const;

export interface PhaseRun {
  /** Wall milliseconds per phase. */
  readonly ms: Record<(typeof PHASES)[number], number>;
  /** What render produced (Flux entrypoints included): the objects the baselines serialize. */
  readonly clusters: RenderedCluster[];
  readonly objects: number;
}

/**
 * compile() (src/compiler.ts) step by step in this process, timing each phase, as the first
 * synth of a fleet runs it (no previous placement): where synth's time goes, and the rendered
 * objects for the baselines. Keep it in step with compile(); run.ts checks that synth wrote as
 * many objects as this renders. The traffic graph counts as resolve, the checking step
 * (src/phases/check) as render, the output check (verifyOutput) and Flux entrypoints as emit.
 */
export function runPhases(specPath: string): PhaseRun {
  const diagnostics = new DiagnosticBag();
  const ms = {} as PhaseRun['ms'];
  const timed = <T>(phase: keyof PhaseRun['ms'], work: () => T): T => {
    const started = performance.now();
    const result = work();
    ms[phase] = performance.now() - started;
    return result;
  };
  const read = readSpecFiles(specPath);
  if (read.diagnostics.length > 0) throw new Error(`cannot read ${specPath}: ${read.diagnostics.map((d) => d.message).join('; ')}`);
  const loaded = timed('load', () => load(read.files, diagnostics));
  const { spec } = timed('validate', () => validate(loaded, diagnostics));
  const { fleet, traffic } = timed('resolve', () => {
    const fleet = resolve(spec, loaded.sourceMap, diagnostics);
    return { fleet, traffic: buildTrafficGraph(fleet, loaded.sourceMap, diagnostics) };
  });
  const plan = timed('place', () => place(fleet, loaded.sourceMap, diagnostics, new Map()));
  const fileOf = (specObject: object) => loaded.sourceMap.originOf(specObject)?.source.name ?? '';
  const rendered = timed('render', () => {
    const topology = new Topology(fleet, plan, traffic);
    checkPlacement(fleet, plan, topology, loaded.sourceMap, diagnostics);
    return render(fleet, topology, fileOf);
  });
  const errors = diagnostics.sorted().filter((d) => d.severity === 'error');
  if (errors.length > 0)
    throw new Error(
      `the generated spec does not compile:\n${errors
        .slice(0, 5)
        .map((d) => `${d.code}: ${d.message}`)
        .join('\n')}`,
    );
  const clusters = timed('emit', () => {
    verifyOutput(rendered);
    const flux = fleet.flux ? fluxEntrypoints(fleet.flux, fleet.name, rendered, { file: fileOf(fleet.flux.spec), entry: 'flux' }) : [];
    const all = [...rendered, ...flux];
    emit(fleet.name, all, plan);
    return all;
  });
  return { ms, clusters, objects: clusters.reduce((n, c) => n + c.manifests.length, 0) };
}
