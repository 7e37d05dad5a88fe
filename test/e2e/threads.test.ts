import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateFleet } from '../../bench/generate.js';
import { toYaml } from '../../src/phases/6-emit/index.js';

/**
 * The real binary on several compile threads (worker threads over dist/, which unit tests cannot
 * start): the same bytes as one thread, for every command that renders.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/fleet.js');
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-threads-'));
  scratch.push(dir);
  cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  writeFileSync(join(dir, 'generated.yaml'), toYaml(generateFleet({ clusters: 8, apps: 60 })));
  return dir;
}

function fleet(cwd: string, threads: number, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FLEET_THREADS: String(threads), FLEET_CACHE: '0' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function files(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .sort()
      .map((path) => [path.slice(dir.length + 1), readFileSync(path, 'utf8')]),
  );
}

describe('fleet on several threads', () => {
  for (const spec of ['policies', 'generated.yaml']) {
    it(`renders ${spec} to the same bytes on 1, 2 and 3 threads`, () => {
      const dir = workspace();
      const outs = [1, 2, 3].map((threads) => {
        const result = fleet(dir, threads, 'synth', spec, '--out', `out-${threads}`);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        return files(join(dir, `out-${threads}`));
      });
      expect(outs[0].size).toBeGreaterThan(10);
      expect(outs[1]).toEqual(outs[0]);
      expect(outs[2]).toEqual(outs[0]);
    });
  }

  it('reports an error the checks after placement find, once, and writes nothing', () => {
    const dir = workspace();
    // A canary with no replicas that a rule sends 10% of requests to: found after placement, when the other thread already renders.
    const spec = readFileSync(join(dir, 'generated.yaml'), 'utf8').replace(/(\n( +)- name: canary\n +image: [^\n]+\n)/, '$1$2  replicas: 0\n');
    writeFileSync(join(dir, 'broken.yaml'), spec);
    const result = fleet(dir, 2, 'synth', 'broken.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr.match(/error traffic_version_not_running/g)).toHaveLength(1);
    expect(readdirSync(dir).filter((name) => name.startsWith('out'))).toEqual([]);
  });

  it('stops every thread and exits when writing fails, rather than hang, saying which file and why', () => {
    const dir = workspace();
    // Files over 1 KiB cannot be written (EFBIG, the signal ignored): the first write ahead fails.
    const script = `trap '' XFSZ; ulimit -f 1; exec "${process.execPath}" "${BIN}" synth generated.yaml --out out`;
    const result = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, FLEET_THREADS: '2', FLEET_CACHE: '0' } });
    expect(result.signal).toBeNull(); // not stopped by the timeout
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(/^fleet: error: cannot \w+ out\.fleet-staging\/\S+: file too large for the limit on file size \(`ulimit -f`\) \(EFBIG\)\n  help: fleet writes atomically/);
    expect(result.stderr).not.toContain('internal error');
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack: not a bug
    expect(readdirSync(dir).filter((name) => name.startsWith('out'))).toEqual([]);
  });

  it('checks, rewrites only what changed, and diffs on several threads', () => {
    const dir = workspace();
    expect(fleet(dir, 1, 'synth', 'generated.yaml').code).toBe(0);
    expect(fleet(dir, 2, 'synth', 'generated.yaml', '--check').code).toBe(0);

    const lock = join(dir, 'out', 'fleet.lock.json');
    const [first] = [...files(join(dir, 'out')).keys()].filter((p) => p.endsWith('.yaml') && p.includes('/deployment.'));
    writeFileSync(join(dir, 'out', first), 'edited\n');
    const check = fleet(dir, 2, 'synth', 'generated.yaml', '--check');
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`changed: out/${first}`);
    const before = readFileSync(lock, 'utf8');
    const synth = fleet(dir, 2, 'synth', 'generated.yaml');
    expect(synth.stdout).toMatch(/: 1 file\(s\) written, 0 removed/);
    expect(readFileSync(lock, 'utf8')).toBe(before);

    const diff = fleet(dir, 2, 'diff', 'generated.yaml', '--base', 'out');
    expect(diff.code).toBe(0);
  });
});
