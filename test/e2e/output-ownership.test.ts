import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fleetCli } from '../helpers/cli.js';

/**
 * The real CLI (src/cli/program.ts `run`, in-process) in a scratch copy of the repository's layout:
 * policies/ and the examples, each spec with its output folder beside it.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const scratch: string[] = [];
const home = process.cwd();

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-owner-'));
  scratch.push(dir);
  cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  cpSync(join(ROOT, 'examples/canary-two-regions/fleet-spec.yaml'), join(dir, 'examples/canary/fleet-spec.yaml'), { recursive: true });
  cpSync(join(ROOT, 'examples/capacity-and-failover'), join(dir, 'examples/capacity'), { recursive: true });
  process.chdir(dir);
  return dir;
}

const fleet = fleetCli;

/** The README's spec under another name: a brand-new fleet at the repository root. */
function newFleetSpec(dir: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const spec = /## The spec in 30 lines\n\n```yaml\n([\s\S]*?)```/.exec(readme)![1].replace('metadata: { name: shop }', 'metadata: { name: storefront }');
  writeFileSync(join(dir, 'my-spec.yaml'), spec);
  return 'my-spec.yaml';
}

beforeEach(() => {
  process.chdir(home);
});
afterEach(() => {
  process.chdir(home);
});
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('output belongs to its spec', () => {
  it('renders each spec into out/ beside it: policies/ into ./out, examples/canary/fleet-spec.yaml into examples/canary/out', async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    const example = await fleet('synth', 'examples/canary/fleet-spec.yaml');
    expect(example.code).toBe(0);
    expect(example.stdout).toMatch(/into examples\/canary\/out\//);
    expect(JSON.parse(readFileSync(join(dir, 'out/fleet.lock.json'), 'utf8')).fleet).toBe('shop');
    expect(JSON.parse(readFileSync(join(dir, 'examples/canary/out/fleet.lock.json'), 'utf8')).fleet).toBe('canary-demo');
    // explain reads the example's own committed lock (examples/capacity/out), not shop's in ./out.
    const explain = await fleet('explain', 'search', 'examples/capacity/fleet-spec.yaml');
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain('  steady:   unchanged: 20 of 20 previous replica(s) stay in place');
  });

  it("refuses, at metadata.name, a spec whose output folder holds another fleet's lock, in every command, and writes nothing", async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    const before = readFileSync(join(dir, 'out/fleet.lock.json'), 'utf8');
    const spec = newFleetSpec(dir);
    for (const command of [['validate'], ['plan'], ['explain', 'web'], ['synth'], ['synth', '--check']]) {
      const result = await fleet(...command, spec);
      expect(result.code, command.join(' ')).toBe(1);
      expect(result.stderr).toContain('my-spec.yaml:3:19: error emit_other_fleet: `out/` holds the output of fleet `shop` (out/fleet.lock.json), not of `storefront`');
      expect(result.stderr).toContain("help: pass this fleet's own output folder with `--out DIR`");
      expect(result.stderr).not.toMatch(/placement_stateful_move/);
    }
    expect(readFileSync(join(dir, 'out/fleet.lock.json'), 'utf8')).toBe(before);
    // --out stays the override.
    const elsewhere = await fleet('synth', spec, '--out', 'storefront-out');
    expect(elsewhere.code).toBe(0);
    expect(existsSync(join(dir, 'storefront-out/fleet.lock.json'))).toBe(true);
  });

  it("diff refuses another fleet's output folder too (exit 2: cannot compare)", async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    const result = await fleet('diff', newFleetSpec(dir), '--base', 'out');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error emit_other_fleet');
  });
});

describe('an output folder inside the spec folder', () => {
  it('is skipped when reading the spec, and said so; the spec folder itself is refused as --out', async () => {
    const dir = workspace();
    cpSync(join(dir, 'examples/canary'), join(dir, 'mesh3'), { recursive: true });
    expect((await fleet('synth', 'mesh3/', '--out', 'mesh3/out')).code).toBe(0);
    for (const command of [['validate'], ['plan'], ['synth', '--check'], ['synth']]) {
      const result = await fleet(...command, 'mesh3/', '--out', 'mesh3/out');
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stderr).toContain("fleet: note: not read as spec: mesh3/out/ (fleet's output: it holds fleet.lock.json)");
    }
    // A loose generated file in the spec folder is not spec either.
    writeFileSync(join(dir, 'mesh3/stray.yaml'), '# Generated by fleet from fleet-spec.yaml (apps.api). DO NOT EDIT.\nkind: Deployment\n');
    expect((await fleet('validate', 'mesh3/', '--out', 'mesh3/out')).stderr).toContain('mesh3/stray.yaml (generated by fleet)');
    expect((await fleet('validate', 'mesh3/', '--quiet', '--out', 'mesh3/out')).stderr).toBe('');

    const same = await fleet('synth', 'mesh3', '--out', 'mesh3');
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('error emit_out_holds_spec: the output folder `mesh3` is the spec itself');
    const parent = await fleet('synth', 'mesh3', '--out', '.');
    expect(parent.code).toBe(2);
    expect(parent.stderr).toContain('error emit_out_holds_spec');
  });
});

describe('stale generated files', () => {
  it("reports files with fleet's header that the lock does not list in --check, removes them on synth, and never touches others", async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    const stale = join(dir, 'out/na-1/shop/deployment.legacy.yaml');
    writeFileSync(stale, '# Generated by fleet from fleet-spec.yaml (apps.legacy). DO NOT EDIT.\nkind: Deployment\n');
    writeFileSync(join(dir, 'out/na-1/notes.yaml'), 'kept: true\n');
    // Another fleet's output nested inside: its files are its fleet's, header or not.
    mkdirSync(join(dir, 'out/nested'), { recursive: true });
    writeFileSync(join(dir, 'out/nested/fleet.lock.json'), '{"generator":"fleet","lockVersion":1,"fleet":"other","placement":[],"files":{}}\n');
    writeFileSync(join(dir, 'out/nested/x.yaml'), '# Generated by fleet. DO NOT EDIT.\n');

    const check = await fleet('synth', '--check');
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('  stale:   out/na-1/shop/deployment.legacy.yaml');
    expect(check.stderr).not.toMatch(/notes\.yaml|nested/);

    const synth = await fleet('synth');
    expect(synth.code).toBe(0);
    expect(synth.stdout).toMatch(/0 file\(s\) written, 1 removed/);
    expect(existsSync(stale)).toBe(false);
    expect(readFileSync(join(dir, 'out/na-1/notes.yaml'), 'utf8')).toBe('kept: true\n');
    expect(existsSync(join(dir, 'out/nested/x.yaml'))).toBe(true);
    expect((await fleet('synth', '--check')).code).toBe(0);
  });
});

describe('CLI conventions', () => {
  it('prints diagnostics as JSON on stdout, or as GitHub Actions annotations', async () => {
    const dir = workspace();
    const spec = join(dir, 'policies/fleet-spec.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('    replicas: 8\n', '    replica: 8\n'));
    const json = await fleet('validate', '--format', 'json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { errors: number; diagnostics: { file: string; line: number; code: string }[] };
    expect(report.errors).toBe(1);
    expect(report.diagnostics[0]).toMatchObject({ file: 'policies/fleet-spec.yaml', code: 'schema_unknown_field' });
    const github = await fleet('synth', '--format', 'github');
    expect(github.code).toBe(1);
    expect(github.stdout).toMatch(
      /^::error file=policies\/fleet-spec\.yaml,line=\d+,col=5,endLine=\d+,endColumn=12,title=schema_unknown_field::unknown field `replica` in apps\.catalog%0Ahelp: did you mean `replicas`\?/m,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);

    writeFileSync(spec, readFileSync(spec, 'utf8').replace('    replica: 8\n', '    replicas: 8\n'));
    const valid = await fleet('synth', '--format', 'json');
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toEqual({ errors: 0, warnings: 0, diagnostics: [] });
    expect(valid.stderr).toMatch(/^fleet: rendered \d+ clusters into out\//);
    const quiet = await fleet('synth', '--quiet');
    expect(quiet).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('has --help with examples and exit codes for every command, and explain takes namespace/name', async () => {
    workspace();
    for (const command of ['synth', 'validate', 'plan', 'explain', 'diff']) {
      const help = await fleet(command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/\nExamples:\n {2}fleet /);
      expect(help.stdout).toMatch(/\nExit codes:\n {2}0 {2}/);
    }
    const explain = await fleet('explain', 'shop/checkout');
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/^app shop\/checkout\n/);
  });
});

describe('a reader that closes the pipe', () => {
  it('ends output quietly with exit 0, no stack', async () => {
    // The real process (bin/fleet.js over dist/): stdout's reader is gone before fleet writes (as `fleet plan | true`).
    const child = spawn(process.execPath, [join(ROOT, 'bin/fleet.js'), 'plan', '--format', 'json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
