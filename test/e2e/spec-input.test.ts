import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { guarded } from '../../src/cli/guard.js';
import type { Io } from '../../src/cli/io.js';
import { run } from '../../src/cli/program.js';

/**
 * Issue 18's attacks on reading the spec, replayed against the CLI (program.ts `run`, in process):
 * symbolic links in the spec folder and at a git ref, FIFOs, devices and huge files. Each must end
 * at once with a located error and the documented exit code; a link fleet follows reads the same
 * in the working tree and at a ref.
 */
const home = process.cwd();
const scratch: string[] = [];
afterEach(() => process.chdir(home));
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

const HEAD = 'apiVersion: fleet/v1alpha1\nkind: Fleet\nmetadata: { name: shop }\nclusters:\n  - { name: na-1, region: us-east1, labels: { env: prod } }\nplacement:\n  - { name: everywhere, apps: {} }\n';
const APPS = 'apiVersion: fleet/v1alpha1\nkind: Fleet\napps:\n  - { name: web, namespace: shop, image: "ghcr.io/acme/web:1.0", replicas: 2, ports: [{ name: http, port: 8080 }], callers: none }\n';

/** A git repository (the working directory from now on) with policies/fleet-spec.yaml and shared/apps.yaml. */
function repository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-spec-input-'));
  scratch.push(dir);
  process.chdir(dir);
  git('init', '-q');
  mkdirSync('policies');
  mkdirSync('shared');
  writeFileSync('policies/fleet-spec.yaml', HEAD);
  writeFileSync('shared/apps.yaml', APPS);
  return dir;
}

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', ...args], { stdio: 'pipe' });
}

function commit(): void {
  git('add', '-A');
  git('commit', '-qm', 'spec');
}

async function fleet(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: Io = { out: (t) => void (stdout += t), err: (t) => void (stderr += t) };
  const started = performance.now();
  const code = await guarded(() => run(args, io), io.err);
  return { code, stdout, stderr, ms: performance.now() - started };
}

describe('symbolic links in the spec', () => {
  it('follows a link to a file inside the repository, in the working tree and at a git ref alike', async () => {
    repository();
    symlinkSync('../shared/apps.yaml', 'policies/apps.yaml');
    const validated = await fleet('validate');
    expect(validated.stdout).toContain('1 apps'); // was "0 apps": the link was skipped and synth removed every app's output
    expect(validated.code).toBe(0);
    expect((await fleet('synth')).code).toBe(0);
    commit();
    // At the ref the link's blob holds its target path, which was parsed as YAML before.
    const diff = await fleet('diff', '--base', 'HEAD');
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(0);
  });

  it('refuses, at the link, links outside the repository, dangling links and links to folders, in the working tree and at a git ref', async () => {
    repository();
    symlinkSync('/etc/hostname', 'policies/outside.yaml');
    symlinkSync('../../../../../etc/passwd', 'policies/up.yaml');
    symlinkSync('nothing.yaml', 'policies/dangling.yaml');
    symlinkSync('../shared', 'policies/shared');
    const refused = [
      'policies/dangling.yaml:1:1: error spec_symlink_refused',
      'policies/outside.yaml:1:1: error spec_symlink_refused',
      'policies/shared:1:1: error spec_symlink_refused',
      'policies/up.yaml:1:1: error spec_symlink_refused',
    ];
    const validated = await fleet('validate');
    expect(validated.code).toBe(1);
    expect(
      validated.stderr
        .split('\n')
        .filter((line) => line.includes('error '))
        .map((line) => line.slice(0, line.indexOf('refused') + 7)),
    ).toEqual(refused);
    expect(validated.stderr).toContain('outside the repository');

    commit();
    for (const link of ['outside.yaml', 'up.yaml', 'dangling.yaml', 'shared']) rmSync(join('policies', link));
    const diff = await fleet('diff', '--base', 'HEAD');
    expect(diff.code).toBe(2);
    expect(
      diff.stderr
        .split('\n')
        .filter((line) => line.includes('spec_symlink_refused'))
        .map((line) => line.slice(0, line.indexOf(':1:1'))),
    ).toEqual(refused.map((r) => `HEAD:${r.slice(0, r.indexOf(':1:1'))}`));
    expect(diff.stderr).not.toContain('root:'); // /etc/passwd was never read
  });
});

describe('files that are not regular files', () => {
  it('refuses a FIFO in the spec folder, or as SPEC, at once instead of waiting for a writer', async () => {
    repository();
    execFileSync('mkfifo', ['policies/pipe.yaml']);
    const inFolder = await fleet('validate');
    expect(inFolder.code).toBe(1);
    expect(inFolder.stderr).toContain('policies/pipe.yaml:1:1: error spec_not_a_file: `policies/pipe.yaml` is a FIFO');
    const asSpec = await fleet('validate', 'policies/pipe.yaml');
    expect(asSpec.code).toBe(1);
    expect(asSpec.stderr).toContain('error spec_not_a_file');
    expect(inFolder.ms + asSpec.ms).toBeLessThan(10_000);
  });

  it('refuses /dev/zero as SPEC without reading it', async () => {
    repository();
    const result = await fleet('validate', '/dev/zero');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/dev/zero:1:1: error spec_not_a_file: `/dev/zero` is a character device');
  });

  it('refuses a 3 GiB file from its size, before reading it', async () => {
    repository();
    writeFileSync('policies/huge.yaml', '');
    truncateSync('policies/huge.yaml', 3 * 1024 ** 3); // sparse: no disk used
    const result = await fleet('validate');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('policies/huge.yaml:1:1: error yaml_too_large');
    expect(result.ms).toBeLessThan(10_000);
  });

  it('diff --base DIR does not hang on a FIFO where the lock should be', async () => {
    repository();
    symlinkSync('../shared/apps.yaml', 'policies/apps.yaml');
    mkdirSync('base');
    execFileSync('mkfifo', ['base/fleet.lock.json']);
    const result = await fleet('diff', '--base', 'base');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('diff_base_empty');
  });
});
