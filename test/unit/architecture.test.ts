import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/trees.js';

/**
 * The shape a newcomer can rely on (docs/architecture.md): data flows one way through the phases;
 * no phase reaches into the CLI; no phase keeps state between compilations; no import cycles.
 */
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC);
const textOf = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
/** The code of a file without its comments. */
const codeOf = (file: string) =>
  textOf
    .get(file)!
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');

/** Every module a file imports (type imports included: they are dependencies a reader follows too). */
function importsOf(file: string): string[] {
  const specifiers = [...textOf.get(file)!.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)].map((m) => m[1]);
  return specifiers.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

const rel = (file: string) => relative(ROOT, file);

describe('architecture', () => {
  it('has no import cycle', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((i) => textOf.has(i))]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map(rel).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file)!) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(files.length).toBeGreaterThan(50);
    expect(cycles).toEqual([]);
  });

  it('no phase, model or report module imports from the CLI', () => {
    const cli = join(SRC, 'cli');
    // src/index.ts, the library's entry, may offer an adapter of the CLI's (reading a spec folder).
    const offenders = files.filter((f) => !f.startsWith(cli) && f !== join(SRC, 'index.ts') && importsOf(f).some((i) => i.startsWith(cli))).map(rel);
    expect(offenders).toEqual([]);
  });

  it('no phase keeps module-level mutable state (caches used as hidden channels between calls)', () => {
    const phases = files.filter((f) => f.startsWith(join(SRC, 'phases')) || f.startsWith(join(SRC, 'model')));
    const offenders = phases.flatMap((f) =>
      textOf
        .get(f)!
        .split('\n')
        .map((line, i) => ({ line, at: `${rel(f)}:${i + 1}` }))
        // Top-level `let`, or a top-level collection that is not declared read-only.
        .filter(({ line }) => /^(export )?let /.test(line) || (/^(export )?const \w+ = new (Map|WeakMap|Set|WeakSet)\b/.test(line) && !/^(export )?const \w+: Readonly/.test(line)))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(phases.length).toBeGreaterThan(30);
    expect(offenders).toEqual([]);
  });

  it('the checks that need the placement run in their own step, which render neither imports nor is imported by', () => {
    const render = join(SRC, 'phases', '5-render');
    const check = join(SRC, 'phases', 'check');
    const renderFiles = files.filter((f) => f.startsWith(render));
    const checkFiles = files.filter((f) => f.startsWith(check));
    const crossing = [...renderFiles.filter((f) => importsOf(f).some((i) => i.startsWith(check))), ...checkFiles.filter((f) => importsOf(f).some((i) => i.startsWith(render)))].map(rel);
    // Render reports only what it alone can find (patches, the apps' own manifests): no traffic or placement problem of the spec.
    const reporting = renderFiles.filter((f) => /\.(error|warning)\(\s*'(traffic|placement)_/.test(codeOf(f))).map(rel);
    expect(checkFiles.map(rel)).toContain('src/phases/check/traffic.ts');
    expect(crossing).toEqual([]);
    expect(reporting).toEqual([]);
  });

  it('compile() is the pipeline every command runs', () => {
    const commands = files.filter((f) => f.startsWith(join(SRC, 'cli')));
    const compiling = commands.filter((f) => /\bcompile\(/.test(codeOf(f)));
    expect(compiling.map(rel).sort()).toEqual(['src/cli/diff-base.ts', 'src/cli/load-spec.ts']);
    // No command runs a phase itself: none imports a phase's entry point.
    const entryPoints = /\b(load|validate|resolve|buildTrafficGraph|place|checkPlacement|checkTraffic|checkWorkloads|checkUncalledApps|render|renderClusters|emit)\b/;
    const phaseImports = commands.flatMap((f) =>
      [...codeOf(f).matchAll(/^import\s+(?!type\b)\{([^}]*)\}\s+from\s+'([^']*phases\/[^']*)'/gm)].filter((m) => entryPoints.test(m[1].replace(/\btype \w+/g, ''))).map((m) => `${rel(f)}: ${m[2]}`),
    );
    expect(phaseImports).toEqual([]);
  });
});
