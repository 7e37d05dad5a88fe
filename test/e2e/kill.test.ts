import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

/**
 * "Nothing lost": kill -9 `fleet synth` while it writes, and the previous out/ is still there,
 * byte for byte; the next run finishes the job and leaves no debris.
 */
const BIN = new URL('../../bin/fleet.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'fleet-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 16 clusters × 100 apps, Duplicated: about 5,000 files, so writing takes long enough to interrupt. */
function bigSpec(tag: string): string {
  const clusters = Array.from({ length: 16 }, (_, i) => `  - { name: c-${i}, region: r-${i % 3}, labels: { env: prod } }`).join('\n');
  const apps = Array.from({ length: 100 }, (_, i) => `  - { name: app-${i}, namespace: ns-${i % 10}, image: "registry.example.com/app-${i}:${tag}", ports: [{ name: http, port: 8080 }] }`).join('\n');
  return `apiVersion: fleet/v1alpha1\nkind: Fleet\nmetadata: { name: big }\nclusters:\n${clusters}\napps:\n${apps}\nplacement:\n  - { name: all, apps: {} }\n`;
}

/** The staging folder of a run (`<out>.fleet-staging-<pid>`), when there is one. */
function stagingOf(out: string): string | undefined {
  const name = readdirSync(dirname(out)).find((entry) => entry.startsWith(`${basename(out)}.fleet-staging`));
  return name && join(dirname(out), name);
}

/** What fleet leaves beside out/ only while writing (staging, set-aside folders, its lock). */
const debris = (out: string) => readdirSync(dirname(out)).filter((entry) => entry.startsWith(`${basename(out)}.fleet-`));

function tree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (prefix: string) => {
    for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else files.set(path, readFileSync(join(root, path), 'utf8'));
    }
  };
  walk('');
  return files;
}

it('a kill mid-write leaves the previous out/ intact, and the next run recovers', async () => {
  const spec = join(dir, 'fleet-spec.yaml');
  const out = join(dir, 'out');
  writeFileSync(spec, bigSpec('1.0.0'));
  expect(spawnSync(process.execPath, [BIN, 'synth', spec, '--out', out]).status).toBe(0);
  const before = tree(out);
  expect(before.size).toBeGreaterThan(4_000);

  writeFileSync(spec, bigSpec('2.0.0')); // every Deployment changes
  const child = spawn(process.execPath, [BIN, 'synth', spec, '--out', out], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let killedMidWrite = false;
  while (child.exitCode === null) {
    // The staging folder exists only while the new tree is being written.
    if (stagingOf(out)) {
      await new Promise((r) => setTimeout(r, 20));
      killedMidWrite = child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await exited;
  expect(killedMidWrite, 'the kill must land while synth is writing').toBe(true);
  expect(tree(out)).toEqual(before);

  expect(spawnSync(process.execPath, [BIN, 'synth', spec, '--out', out]).status).toBe(0);
  const after = tree(out);
  expect(after.get('c-0/ns-0/deployment.app-0.yaml')).toContain('registry.example.com/app-0:2.0.0');
  expect(after.size).toBe(before.size);
  expect(debris(out)).toEqual([]);
});

it('a kill during the swap (after the journal) is finished by the next run', async () => {
  const spec = join(dir, 'swap-spec.yaml');
  const out = join(dir, 'swap-out');
  for (const [i, [from, to]] of [
    ['1.0.0', '2.0.0'],
    ['2.0.0', '3.0.0'],
  ].entries()) {
    writeFileSync(spec, bigSpec(from));
    expect(spawnSync(process.execPath, [BIN, 'synth', spec, '--out', out]).status).toBe(0);
    writeFileSync(spec, bigSpec(to));
    const child = spawn(process.execPath, [BIN, 'synth', spec, '--out', out], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The journal is written once everything is staged, just before the renames.
    while (child.exitCode === null && !existsSync(join(stagingOf(out) ?? out, '.fleet-swap.json'))) await new Promise((r) => setImmediate(r));
    if (i > 0) await new Promise((r) => setTimeout(r, i)); // land at different points of the swap
    child.kill('SIGKILL');
    await exited;

    expect(spawnSync(process.execPath, [BIN, 'synth', spec, '--out', out]).status).toBe(0);
    const after = tree(out);
    expect(after.get('c-0/ns-0/deployment.app-0.yaml')).toContain(`registry.example.com/app-0:${to}`);
    expect([...after.values()].filter((text) => text.includes(`:${from}"`) || text.includes(`:${from}\n`))).toEqual([]);
    expect(debris(out)).toEqual([]);
  }
}, 120_000);
