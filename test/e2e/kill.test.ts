import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { fleetCli } from '../helpers/cli.js';

/**
 * "Nothing lost": kill -9 `fleet synth` while it writes, and the previous out/ is still there,
 * byte for byte; the next run finishes the job and leaves no debris. The run that is killed is a
 * real process (bin/fleet.js over dist/); the runs before and after it are fleetCli, in this one.
 */
const BIN = new URL('../../bin/fleet.js', import.meta.url).pathname;
// In the system's temporary folder, not the tests' scratch folder in memory (vitest.config.ts): the
// kill must land inside the swap, which on a memory file system (no flush waits for a disk) can be
// over before a poll every millisecond sees its journal.
const dir = mkdtempSync(join(process.env.FLEET_TEST_DISK_TMPDIR ?? tmpdir(), 'fleet-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * 4 clusters × 32 apps, Duplicated: about 550 files, so the write and the removal of the previous
 * tree take long enough (tens of ms, more under load) for a poll every millisecond to land a kill
 * inside; each test checks afterwards where its kill landed.
 */
function bigSpec(tag: string): string {
  const clusters = Array.from({ length: 4 }, (_, i) => `  - { name: c-${i}, region: r-${i % 3}, labels: { env: prod } }`).join('\n');
  const apps = Array.from({ length: 32 }, (_, i) => `  - { name: app-${i}, namespace: ns-${i % 10}, image: "registry.example.com/app-${i}:${tag}", ports: [{ name: http, port: 8080 }], callers: none }`).join('\n');
  return `apiVersion: fleet/v1alpha1\nkind: Fleet\nmetadata: { name: big }\nclusters:\n${clusters}\napps:\n${apps}\nplacement:\n  - { name: all, apps: {} }\n`;
}

async function synth(spec: string, out: string): Promise<void> {
  const result = await fleetCli('synth', spec, '--out', out);
  expect(result.stderr).not.toMatch(/: error /);
  expect(result.code).toBe(0);
}

/** Starts `fleet synth` in a process of its own, and kills it (SIGKILL) once `when` holds; resolves to the signal that ended it. */
async function killWhen(spec: string, out: string, when: () => boolean, delayMs = 0): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [BIN, 'synth', spec, '--out', out], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  while (child.exitCode === null && !when()) await new Promise((r) => setTimeout(r, 1));
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  return exited;
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
  await synth(spec, out);
  const before = tree(out);
  expect(before.size).toBeGreaterThan(500);

  writeFileSync(spec, bigSpec('2.0.0')); // every Deployment changes
  // The staging folder exists only while the new tree is being written; kill once it holds something.
  const writing = () => {
    const staging = stagingOf(out);
    return staging !== undefined && readdirSync(staging).length > 0;
  };
  expect(await killWhen(spec, out, writing)).toBe('SIGKILL');
  // The kill landed mid-write: the staged tree is left, without the journal that would commit it.
  const staging = stagingOf(out);
  expect(staging, 'the kill must land while synth is writing').toBeDefined();
  expect(existsSync(join(staging!, '.fleet-swap.json')), 'the kill must land before the swap').toBe(false);
  expect(tree(out)).toEqual(before);

  await synth(spec, out);
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
    await synth(spec, out);
    writeFileSync(spec, bigSpec(to));
    // The journal is written once everything is staged, just before the renames; land at different points of the swap.
    const journal = () => existsSync(join(stagingOf(out) ?? out, '.fleet-swap.json'));
    expect(await killWhen(spec, out, journal, i)).toBe('SIGKILL');
    // The swap was not finished: its journal is still there for the next run to obey.
    expect(journal(), 'the kill must land before the swap is done').toBe(true);

    await synth(spec, out);
    const after = tree(out);
    expect(after.get('c-0/ns-0/deployment.app-0.yaml')).toContain(`registry.example.com/app-0:${to}`);
    expect([...after.values()].filter((text) => text.includes(`:${from}"`) || text.includes(`:${from}\n`))).toEqual([]);
    expect(debris(out)).toEqual([]);
  }
});
