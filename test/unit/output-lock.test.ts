import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputBusyError } from '../../src/cli/output-errors.js';
import { currentHolder, isAlive, lockOutputFolder, lockPathOf } from '../../src/cli/output-lock.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function outDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-output-lock-'));
  folders.push(dir);
  return join(dir, 'out');
}

/** The start time /proc gives a pid (what a lock records), as output-lock.ts reads it. */
function startOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** A lock file naming `pid` as its holder, as another fleet would have written it. */
function plantLock(out: string, pid: number, start = startOf(pid)): void {
  writeFileSync(lockPathOf(out), `${JSON.stringify({ pid, host: hostname(), ...(start === undefined ? {} : { start }) })}\n`);
}

describe('the output folder lock', () => {
  it('is a file beside the output folder naming this process, removed on release', () => {
    const out = outDir();
    const held = lockOutputFolder(out);
    expect(JSON.parse(readFileSync(`${out}.fleet-lock`, 'utf8'))).toEqual(currentHolder());
    expect(() => lockOutputFolder(out)).toThrow(OutputBusyError);
    held.release();
    expect(readdirSync(join(out, '..'))).toEqual([]);
  });

  it('refuses while a live process holds it, naming its pid', () => {
    const out = outDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      plantLock(out, child.pid!);
      expect(() => lockOutputFolder(out)).toThrow(`another fleet is writing ${out}/ (pid ${child.pid})`);
      expect(readFileSync(lockPathOf(out), 'utf8')).toContain(`"pid":${child.pid}`);
    } finally {
      child.kill();
    }
  });

  it('takes over a lock whose holder is dead, or whose pid now belongs to a process started later', () => {
    const out = outDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid;
    plantLock(out, dead, '1');
    lockOutputFolder(out).release();
    expect(existsSync(lockPathOf(out))).toBe(false);
    // This very pid, with another start time: a killed run's lock in a container that reuses pids.
    // Start times come from /proc: on Linux (CI) this part always runs.
    if (process.platform === 'linux') expect(startOf(process.pid)).toBeDefined();
    if (startOf(process.pid) !== undefined) {
      plantLock(out, process.pid, '1');
      expect(isAlive({ pid: process.pid, host: hostname(), start: '1' })).toBe(false);
      lockOutputFolder(out).release();
    }
    expect(existsSync(lockPathOf(out))).toBe(false);
  });

  it('with a wait, takes the lock once its holder is done', async () => {
    const out = outDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 400)']);
    plantLock(out, child.pid!);
    const done = new Promise((resolve) => child.on('exit', resolve));
    // The holder exits (a dead holder's lock is stale) while this run waits; Atomics.wait blocks this thread, so the wait is synchronous.
    const started = Date.now();
    const held = lockOutputFolder(out, { waitSeconds: 10 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(JSON.parse(readFileSync(lockPathOf(out), 'utf8')).pid).toBe(process.pid);
    held.release();
    await done;
  });

  it('counts a holder on another host as alive: it cannot be checked from here', () => {
    expect(isAlive({ pid: 999_999_999, host: `not-${hostname()}` })).toBe(true);
    expect(isAlive({ pid: 999_999_999, host: hostname() })).toBe(false);
  });
});
