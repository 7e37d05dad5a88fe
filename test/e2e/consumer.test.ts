import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/trees.js';

/**
 * fleet as a dev dependency of the repository that holds a spec: `npm pack`, installed in a
 * TypeScript project that imports the library and runs the CLI. Offline: the tarball is unpacked
 * into the project's node_modules/fleet as npm would, and each package of fleet's runtime closure
 * (package-lock.json's entries that are not dev-only) is linked from this repository's
 * node_modules, so only what fleet declares is there. (A real `npm i -D ./fleet-0.1.0.tgz`, and an
 * install from a git URL, which runs `prepare`, are the same files; they need the registry.)
 */
const SPEC = join(ROOT, 'examples', 'canary-two-regions', 'fleet-spec.yaml');

const CONSUMER = `import { readFileSync, writeFileSync } from 'node:fs';
import { App } from 'cdk8s';
import { compile, FleetCharts, formatDiagnostics, type CompileResult, type Diagnostic, type PlacementPlan, type SpecFile } from 'fleet';

const files: SpecFile[] = [{ path: 'policies/fleet-spec.yaml', name: 'fleet-spec.yaml', text: readFileSync('policies/fleet-spec.yaml', 'utf8') }];
const result: CompileResult = compile(files);
const errors: Diagnostic[] = result.diagnostics.filter((d) => d.severity === 'error');
if (errors.length > 0) throw new Error(formatDiagnostics(errors, new Map(files.map((f) => [f.path, f.text]))));
const plan: PlacementPlan = result.plan!;
// Never called, only type-checked: compile() takes spec files, so the declarations are real types, not \`any\`.
export const misuse = () =>
  // @ts-expect-error a path is not a list of spec files
  compile('policies/fleet-spec.yaml');

const app = new App({ outdir: 'cdk8s.out' });
const fleet = new FleetCharts(app, 'fleet', { result });
writeFileSync('library.json', JSON.stringify({ apps: plan.apps.length, charts: [...fleet.charts.keys()], documents: app.synthYaml().split('\\n---\\n').length, tree: Object.fromEntries(result.tree!) }));
`;

let work: string;
let project: string;

/** What npm would put in node_modules for `npm i -D fleet`: fleet unpacked, its runtime dependencies beside it, its bin linked. */
function install(tarball: string, into: string): void {
  const modules = join(into, 'node_modules');
  mkdirSync(join(modules, 'fleet'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '--strip-components=1', '-C', join(modules, 'fleet')]);
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const runtime = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !path.slice('node_modules/'.length).includes('node_modules/') && !entry.dev)
    .map(([path]) => path.slice('node_modules/'.length));
  // The project's own dev dependencies for type-checking: Node's types.
  for (const name of [...runtime, '@types/node', 'undici-types']) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
  }
  mkdirSync(join(modules, '.bin'));
  symlinkSync('../fleet/bin/fleet.js', join(modules, '.bin', 'fleet'));
}

function filesUnder(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory()) for (const [p, text] of filesUnder(join(dir, entry.name), `${path}/`)) files.set(p, text);
    else files.set(path, readFileSync(join(dir, entry.name), 'utf8'));
  }
  return files;
}

describe('fleet as a package', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'index.d.ts'))) throw new Error('dist/ is not built: run `npm run build` (npm test does)');
    work = mkdtempSync(join(tmpdir(), 'fleet-consumer-'));
    // --ignore-scripts: dist/ is built (the tests' global setup); `prepare` would build it again.
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
    const [{ filename, files }] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }];
    writeFileSync(join(work, 'packed.json'), JSON.stringify(files.map((f) => f.path)));
    project = join(work, 'project');
    mkdirSync(join(project, 'policies'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-fleet', private: true, type: 'module', devDependencies: { fleet: `file:../${filename}` } }, null, 2));
    writeFileSync(join(project, 'policies', 'fleet-spec.yaml'), readFileSync(SPEC, 'utf8'));
    install(join(work, filename), project);
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs the compiled library, its declarations, the CLI and the schema; no sources or tests', () => {
    const packed = JSON.parse(readFileSync(join(work, 'packed.json'), 'utf8')) as string[];
    for (const file of [
      'package.json',
      'README.md',
      'bin/fleet.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cdk8s.d.ts',
      'dist/fleet-cli.js',
      'dist/cli/stamp-check-worker.js',
      'dist/build-id.json',
      'dist/phases/2-validate/fleet-schema.validate.cjs',
      'schema/fleet.schema.json',
    ]) {
      expect(packed, file).toContain(file);
    }
    expect(packed.filter((f) => /^(src|test|bench|scripts)\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it("type-checks a TypeScript project that imports fleet's API, and runs it", () => {
    writeFileSync(join(project, 'index.ts'), CONSUMER);
    // skipLibCheck, as most projects have it: checking every .d.ts of cdk8s and Node costs 4 times as much.
    // No DOM library, as a Node project has none: fleet's declarations must not lean on it.
    const tsconfig = { compilerOptions: { target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: ['node'], outDir: 'build' }, files: ['index.ts'] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    execFileSync(process.execPath, ['build/index.js'], { cwd: project });
    const { apps, charts, documents, tree } = JSON.parse(readFileSync(join(project, 'library.json'), 'utf8')) as { apps: number; charts: string[]; documents: number; tree: Record<string, string> };
    expect(apps).toBeGreaterThan(0);
    // A chart per output folder (each cluster's, and its _platform stage): those with a kustomization.yaml.
    expect(charts).toEqual(
      Object.keys(tree)
        .filter((p) => p.endsWith('/kustomization.yaml'))
        .map((p) => p.slice(0, -'/kustomization.yaml'.length)),
    );
    expect(charts).toEqual(expect.arrayContaining(['eu-1', 'us-1']));
    expect(documents).toBe(Object.keys(tree).filter((p) => p.endsWith('.yaml') && !p.endsWith('/kustomization.yaml')).length);
  });

  it('runs `npx fleet synth` there: the same files the library compiles', () => {
    const synth = spawnSync('npx', ['--offline', 'fleet', 'synth'], { cwd: project, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    expect(synth.stdout).toMatch(/^fleet: rendered 2 clusters into out\//);
    const { tree } = JSON.parse(readFileSync(join(project, 'library.json'), 'utf8')) as { tree: Record<string, string> };
    expect(Object.fromEntries(filesUnder(join(project, 'out')))).toEqual(tree);
  });
});
