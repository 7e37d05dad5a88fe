/**
 * `npm run bench [-- --sizes 10x100,100x1000 --runs 3 --no-naive --keep]`
 *
 * For each size (clusters x apps, optionally x most callers per traffic rule) it generates a fleet
 * (bench/generate.ts), writes it as a spec file, and measures `fleet synth` as a real child
 * process: wall time, peak memory, objects and files written; then a re-synth with no change
 * (must write nothing) and a synth after a one-app change, and after a change to an app that runs
 * in every cluster. Over the same rendered objects it times
 * the floor and the naive cdk8s way (bench/baselines.ts). Then, in a git repository holding the
 * spec and the first synth's output as committed, `fleet diff --base HEAD` after a one-app change
 * and after a traffic-rule change, each synth'd first as a pull request would be: as a developer
 * runs it after that synth (the synth cache knows out/ is current), and as CI runs it (no synth
 * cache: the spec is compiled and out/ read). Prints Markdown tables for
 * docs/performance.md. Every timed step starts after `sync` and writes into a folder of its own,
 * so no step pays for an earlier step's writes or deletions.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { FleetSpec } from '../src/model/spec.js';
import { toYaml } from '../src/phases/6-emit/index.js';
import { floor, naiveCdk8s } from './baselines.js';
import { changeOneApp, changeOneTrafficRule, generateFleet, type FleetSize, withFleetWideApp } from './generate.js';
import { PHASES, runPhases } from './phases.js';

const ROOT = new URL('../', import.meta.url).pathname;
const FLEET = join(ROOT, 'bin/fleet.js');
const MAX_RSS = join(ROOT, 'bench/max-rss.mjs');

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10x100,100x1000,200x3000' },
    runs: { type: 'string', default: '1' },
    'no-naive': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const sizes: FleetSize[] = options.sizes.split(',').map((text) => {
  const [clusters, apps, callers] = text.split('x').map(Number);
  if (!(clusters > 0 && apps > 0)) throw new Error(`--sizes: \`${text}\` is not <clusters>x<apps>[x<callers>]`);
  const size = { clusters, apps, ...(callers ? { callers } : {}) };
  // Each size must allow the changes the bench makes, checked before any of them is measured.
  try {
    const spec = generateFleet(size);
    changeOneApp(spec);
    changeOneTrafficRule(spec);
  } catch (error) {
    throw new Error(`--sizes: \`${text}\`: ${(error as Error).message}`);
  }
  return size;
});
const runs = Math.max(1, Number(options.runs));

interface Timed {
  readonly ms: number;
}

interface ProcessRun extends Timed {
  readonly rssMiB: number;
  readonly stdout: string;
}

/** Runs the fleet CLI as a child process, as a user would, after flushing earlier writes to disk. */
function fleet(...args: string[]): ProcessRun {
  return fleetWith({}, ...args);
}

/** fleet(), in `cwd`, with more environment, and exit codes other than 0 taken as success (`fleet diff` exits 1 on changes). */
function fleetWith(options: { cwd?: string; env?: Record<string, string>; exitCodes?: number[] }, ...args: string[]): ProcessRun {
  gc(); // nothing of this process's garbage left for its collector to work on meanwhile
  spawnSync('sync');
  const started = performance.now();
  // The synth cache goes with the bench's files (removed at the end), not into node_modules/.cache.
  const env = { ...process.env, FLEET_CACHE_DIR: join(root, 'cache'), ...options.env };
  const child = spawnSync(process.execPath, ['--import', MAX_RSS, FLEET, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env, cwd: options.cwd });
  const ms = performance.now() - started;
  if (!(options.exitCodes ?? [0]).includes(child.status ?? -1)) throw new Error(`fleet ${args.join(' ')} exited ${child.status}:\n${child.stderr.slice(0, 4000)}`);
  const kib = Number(/fleet-bench maxrss-kib (\d+)/.exec(child.stderr)?.[1]);
  return { ms, rssMiB: kib / 1024, stdout: child.stdout };
}

/** Runs `measure` `runs` times and keeps the median run. */
function repeat<T extends Timed>(measure: (run: number) => T): T {
  return medianRun(Array.from({ length: runs }, (_, run) => measure(run)));
}

/** The run of median time. */
function medianRun<T extends Timed>(results: readonly T[]): T {
  return [...results].sort((a, b) => a.ms - b.ms)[Math.floor((results.length - 1) / 2)];
}

/** Times an in-process baseline once, the same way: flushed disk, collected garbage. */
function baseline(work: () => number): number {
  spawnSync('sync');
  gc();
  return work();
}

function written(stdout: string): number {
  const match = /(\d+) file\(s\) written/.exec(stdout);
  if (!match) throw new Error(`unexpected synth output: ${stdout}`);
  return Number(match[1]);
}

function countFiles(dir: string): { files: number; manifests: number } {
  let files = 0;
  let manifests = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    if (entry.name.endsWith('.yaml') && entry.name !== 'kustomization.yaml') manifests++;
  }
  return { files, manifests };
}

function writeSpec(path: string, spec: FleetSpec): number {
  const text = `# Generated by bench/generate.ts\n${toYaml(spec)}`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

interface DiffRuns {
  /** Right after the synth of the change, with its synth cache. */
  readonly local: ProcessRun;
  /** Without the synth cache, as in CI. */
  readonly ci: ProcessRun;
}

interface Row {
  readonly size: string;
  readonly specBytes: number;
  readonly objects: number;
  readonly files: number;
  readonly synth: ProcessRun;
  readonly resynth: ProcessRun;
  readonly resynthNoCache: ProcessRun;
  /** With the median of each run's time over the first synth made just before it. */
  readonly change: ProcessRun & { readonly written: number; readonly ofFirstSynth: number };
  /** The same for a change to an app that runs in every cluster (withFleetWideApp), against a first synth of the fleet with that app. */
  readonly fleetWideChange: ProcessRun & { readonly written: number; readonly ofFirstSynth: number };
  /** `fleet diff --base HEAD --format markdown` against the committed first synth, after each kind of change: after a synth, and in CI. */
  readonly diff: { readonly app: DiffRuns; readonly traffic: DiffRuns };
  readonly floorMs: number;
  readonly naiveMs?: { readonly perChart: number; readonly perObject: number };
  /** Median of the ratios of each round (see measure): synth/floor, naive/synth. */
  readonly ratios: { readonly floor: number; readonly perChart?: number; readonly perObject?: number };
  /** Each round's ratios, in the order run: how far they spread. */
  readonly roundRatios: { readonly floor: number[]; readonly perObject?: number[] };
  readonly phases: Record<string, number>;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

function measure(size: FleetSize, dir: string): Row {
  const progress = (step: string) => process.stderr.write(` ${step}…`);
  const spec = generateFleet(size);
  const specFile = join(dir, 'spec', 'fleet-spec.yaml');
  const specBytes = writeSpec(specFile, spec);

  progress('in-process phases');
  gc();
  const phaseRun = runPhases(specFile);

  // The first synth and the yardsticks in rounds, one of each per round, so a drift of the machine's
  // speed (this VM's can be 10-20% from one minute to the next) weighs on both sides of a ratio.
  progress('synth and yardsticks');
  const rounds = Array.from({ length: runs }, (_, run) => {
    const synth = fleet('synth', specFile, '--out', join(dir, `out-${run}`));
    const floorMs = baseline(() => floor(phaseRun.clusters, join(dir, `floor-${run}`)));
    const naive = options['no-naive']
      ? undefined
      : {
          perObject: baseline(() => naiveCdk8s(phaseRun.clusters, join(dir, `naive-object-${run}`), 'file per object')),
          perChart: baseline(() => naiveCdk8s(phaseRun.clusters, join(dir, `naive-chart-${run}`), 'file per chart')),
        };
    // Only the first synth's output is used after the rounds. What each round wrote goes now: tmpfs
    // holds about 3 million files here, and 200 × 3,000 writes over a million a round. The next
    // step's `sync` waits for what the deletion leaves to the disk.
    for (const folder of [`floor-${run}`, `naive-object-${run}`, `naive-chart-${run}`, ...(run > 0 ? [`out-${run}`] : [])]) rmSync(join(dir, folder), { recursive: true, force: true });
    return { synth, floorMs, naive };
  });
  const synth = medianRun(rounds.map((r) => r.synth));
  const floorMs = median(rounds.map((r) => r.floorMs));
  const naiveMs = options['no-naive'] ? undefined : { perChart: median(rounds.map((r) => r.naive!.perChart)), perObject: median(rounds.map((r) => r.naive!.perObject)) };
  const ratios = {
    floor: median(rounds.map((r) => r.synth.ms / r.floorMs)),
    ...(naiveMs ? { perChart: median(rounds.map((r) => r.naive!.perChart / r.synth.ms)), perObject: median(rounds.map((r) => r.naive!.perObject / r.synth.ms)) } : {}),
  };
  const roundRatios = { floor: rounds.map((r) => r.synth.ms / r.floorMs), ...(naiveMs ? { perObject: rounds.map((r) => r.naive!.perObject / r.synth.ms) } : {}) };
  const out = join(dir, 'out-0');
  const { files, manifests } = countFiles(out);
  if (manifests !== phaseRun.objects) throw new Error(`synth wrote ${manifests} manifests, the in-process render has ${phaseRun.objects}`);

  progress('re-synth');
  const resynth = repeat(() => fleet('synth', specFile, '--out', out));
  if (written(resynth.stdout) !== 0) throw new Error(`a re-synth with no change wrote files: ${resynth.stdout}`);
  const resynthNoCache = repeat(() => fleet('synth', specFile, '--out', out, '--no-cache'));
  if (written(resynthNoCache.stdout) !== 0) throw new Error(`a re-synth with no change wrote files: ${resynthNoCache.stdout}`);

  progress('one-app change');
  const change = measureChange(dir, 'change', spec, changeOneApp(spec));
  progress('fleet-wide app change');
  const fleetWideChange = measureChange(dir, 'fleet-wide', withFleetWideApp(spec, '1.0.0'), withFleetWideApp(spec, '1.0.1'));

  progress('diff');
  const diff = measureDiffs(spec, out, join(dir, 'repo'));

  const label = `${size.clusters}×${size.apps}${size.callers ? `×${size.callers}` : ''}`;
  return { size: label, specBytes, objects: phaseRun.objects, files, synth, resynth, resynthNoCache, change, fleetWideChange, diff, floorMs, naiveMs, ratios, roundRatios, phases: phaseRun.ms };
}

/**
 * A synth of `after` where the last synth was of `before`, as a user's edit loop runs it. Each
 * run's ratio is against the first synth of `before` made just before it (the tree and cache
 * record the change starts from), so a drift of the machine's speed between steps does not weigh
 * on one side of the ratio only.
 */
function measureChange(dir: string, name: string, before: FleetSpec, after: FleetSpec): Row['change'] {
  // Same file name for both: it is in every generated file's header.
  const beforeFile = join(dir, `${name}-before`, 'fleet-spec.yaml');
  const afterFile = join(dir, `${name}-after`, 'fleet-spec.yaml');
  writeSpec(beforeFile, before);
  writeSpec(afterFile, after);
  const changeRuns = Array.from({ length: runs }, (_, run) => {
    const changeOut = join(dir, `${name}-${run}`);
    const first = fleet('synth', beforeFile, '--out', changeOut); // the previous tree, and its cache record, as a user's last synth left them
    const result = fleet('synth', afterFile, '--out', changeOut);
    rmSync(changeOut, { recursive: true, force: true });
    return { ...result, written: written(result.stdout), ofFirstSynth: result.ms / first.ms };
  });
  return { ...medianRun(changeRuns), ofFirstSynth: median(changeRuns.map((r) => r.ofFirstSynth)) };
}

/**
 * `fleet diff --base HEAD --format markdown` as in a pull request: a git repository holds the spec
 * and its first synth's output (`out`, moved in) as committed; the spec is changed and synth'd,
 * then diffed against the commit, once with the synth cache that synth left and once without (as
 * in CI, where the spec is compiled and every file of out/ read for the output check). Once per
 * kind of change, each from the committed state.
 */
function measureDiffs(spec: FleetSpec, out: string, repo: string): Row['diff'] {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  const specFile = join(repo, 'fleet-spec.yaml');
  writeSpec(specFile, spec);
  renameSync(out, join(repo, 'out'));
  git('init', '--quiet');
  git('add', '-A');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', '-c', 'commit.gpgsign=false', 'commit', '--quiet', '-m', 'base');
  const after = (changed: FleetSpec) => {
    writeSpec(specFile, changed);
    fleetWith({ cwd: repo }, 'synth', 'fleet-spec.yaml');
    const diff = (env: Record<string, string>) => repeat(() => fleetWith({ cwd: repo, env, exitCodes: [1] }, 'diff', 'fleet-spec.yaml', '--base', 'HEAD', '--format', 'markdown'));
    const runs = { local: diff({}), ci: diff({ FLEET_CACHE: '0' }) };
    git('checkout', '--quiet', '--', '.');
    git('clean', '--quiet', '-fd');
    return runs;
  };
  return { app: after(changeOneApp(spec)), traffic: after(changeOneTrafficRule(spec)) };
}

// Every timed step starts after `sync`, so what an earlier step deleted (removing a tree of 100,000
// files costs a disk about as much as writing it) is done before it.
/**
 * Where the files go: TMPDIR when set, else memory (/dev/shm) where there is one, so that the
 * numbers are fleet's and not the disk's (this VM's ext4, mounted with online discard, took from
 * 7 s to 20 s to create the same 50,000 files, depending on what was deleted before).
 */
const scratch = process.env.TMPDIR || (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
const root = mkdtempSync(join(scratch, 'fleet-bench-'));
const startup = repeat(() => fleet('--version'));
const rows: Row[] = [];
try {
  for (const size of sizes) {
    process.stderr.write(`${size.clusters}x${size.apps}${size.callers ? `x${size.callers}` : ''}:`);
    const dir = join(root, `${size.clusters}x${size.apps}x${size.callers ?? ''}`);
    mkdirSync(dir);
    rows.push(measure(size, dir));
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
    process.stderr.write(' done\n');
  }
} finally {
  if (options.keep) process.stderr.write(`kept ${root}\n`);
  else rmSync(root, { recursive: true, force: true });
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const _ratio = (a: number, b: number) => times(a / b);
const times = (x: number) => `${x.toFixed(1)}×`;
const count = (n: number) => n.toLocaleString('en');
const cpu = cpus();
const FILE_SYSTEMS: Record<number, string> = { 0xef53: 'ext4', 0x01021994: 'tmpfs', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x794c7630: 'overlayfs' };
const fileSystem = FILE_SYSTEMS[statfsSync(scratch).type] ?? 'unknown file system';
console.log(
  `\nMachine: ${cpu.length} × ${cpu[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${platform()} ${release()}, Node ${process.version}; files written to ${scratch} (${fileSystem}; set TMPDIR to choose).`,
);
console.log(
  `Start-up (\`fleet --version\`): ${s(startup.ms)} s. Times are wall seconds, the median of ${runs} run(s); a ratio is the median of the ratios of ${runs} round(s), each timing synth and the yardsticks one after the other.\n`,
);
console.log(
  '| clusters×apps | spec | objects | files | synth | peak RSS | floor | synth/floor | naive cdk8s, file per chart | naive/synth | naive cdk8s, file per object | naive/synth | re-synth, no change | same, no cache | one-app change (files written) | change to an app in every cluster (files written) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const diffCell = (r: Row, run: ProcessRun) => `${s(run.ms)} (${times(run.ms / r.synth.ms)}), ${run.rssMiB.toFixed(0)} MiB`;
for (const r of rows) {
  const naive = r.naiveMs ? [s(r.naiveMs.perChart), times(r.ratios.perChart!), s(r.naiveMs.perObject), times(r.ratios.perObject!)] : ['–', '–', '–', '–'];
  const cells = [
    r.size,
    `${(r.specBytes / 2 ** 20).toFixed(1)} MiB`,
    count(r.objects),
    count(r.files),
    s(r.synth.ms),
    `${r.synth.rssMiB.toFixed(0)} MiB`,
    s(r.floorMs),
    times(r.ratios.floor),
    ...naive,
    s(r.resynth.ms),
    s(r.resynthNoCache.ms),
    `${s(r.change.ms)} (${r.change.written})`,
    `${s(r.fleetWideChange.ms)} (${r.fleetWideChange.written})`,
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
console.log('\n`fleet diff --base HEAD --format markdown` against the committed first synth, after a change and its synth: wall seconds (× the first synth), peak RSS:\n');
console.log('| clusters×apps | one-app change | same, in CI (no synth cache) | traffic-rule change | same, in CI (no synth cache) |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.size} | ${diffCell(r, r.diff.app.local)} | ${diffCell(r, r.diff.app.ci)} | ${diffCell(r, r.diff.traffic.local)} | ${diffCell(r, r.diff.traffic.ci)} |`);
console.log('\nWhere a first synth spends its time: the phases run in the bench process (wall seconds):\n');
console.log(`| clusters×apps | ${PHASES.join(' | ')} |`);
console.log(`|---|${PHASES.map(() => '---:').join('|')}|`);
for (const r of rows) console.log(`| ${r.size} | ${PHASES.map((p) => s(r.phases[p])).join(' | ')} |`);

// The targets of issues 7 and 19, for the 100 x 1,000 fleet: measured here, as ratios from this one run.
const target = rows.find((r) => r.size === '100×1000');
if (target) {
  const verdict = (met: boolean) => (met ? 'met' : '**not met**');
  const naive = target.ratios.perObject;
  const beyondStartup = target.resynth.ms - startup.ms;
  console.log('\nAgainst the targets (100 × 1,000):\n');
  console.log('| target | measured | |');
  console.log('|---|---:|---|');
  // With several rounds, each round's ratio too: the median is the verdict, the spread how sure it is.
  const spread = (each: number[] | undefined) => (each && each.length > 1 ? ` (rounds: ${each.map(times).join(', ')})` : '');
  console.log(`| synth within 4× the floor (issue 7) | ${times(target.ratios.floor)}${spread(target.roundRatios.floor)} | ${verdict(target.ratios.floor <= 4)} |`);
  console.log(`| synth within 2.5× the floor (issue 19) | ${times(target.ratios.floor)} | ${verdict(target.ratios.floor <= 2.5)} |`);
  if (naive) console.log(`| at least 5× faster than naive cdk8s (file per object) | ${times(naive)}${spread(target.roundRatios.perObject)} | ${verdict(naive >= 5)} |`);
  console.log(`| peak memory under 1 GiB | ${target.synth.rssMiB.toFixed(0)} MiB | ${verdict(target.synth.rssMiB < 1024)} |`);
  console.log(`| no-change re-synth under 1 s beyond start-up | ${s(beyondStartup)} s | ${verdict(beyondStartup < 1000)} |`);
}
// The targets of issue 19 for `fleet diff` and memory, at every size measured. Its time ratios are
// set for fleets of 100 clusters × 1,000 apps and more: below, start-up and the fixed costs of a
// command outweigh the fleet, and a ratio there is shown without a verdict.
if (rows.length > 0) {
  const verdict = (met: boolean) => (met ? 'met' : '**not met**');
  const atScale = (size: string) => {
    const [clusters, apps] = size.split('×').map(Number);
    return clusters >= 100 && apps >= 1000;
  };
  console.log('\nAgainst the targets (every size):\n');
  console.log('| target | size | measured | |');
  console.log('|---|---|---:|---|');
  for (const r of rows) {
    const timeVerdict = (met: boolean) => (atScale(r.size) ? verdict(met) : '– (below 100 × 1,000)');
    for (const [kind, runs] of [
      ['one-app change', r.diff.app],
      ['traffic-rule change', r.diff.traffic],
    ] as const) {
      for (const [where, run] of [
        ['', runs.local],
        [' in CI', runs.ci],
      ] as const) {
        console.log(`| \`fleet diff --base HEAD\` after a ${kind}${where} within 1.5× the first synth | ${r.size} | ${times(run.ms / r.synth.ms)} | ${timeVerdict(run.ms <= 1.5 * r.synth.ms)} |`);
        console.log(`| that diff's peak memory under 1 GiB | ${r.size} | ${run.rssMiB.toFixed(0)} MiB | ${verdict(run.rssMiB < 1024)} |`);
      }
    }
    console.log(`| the first synth's peak memory under 1 GiB | ${r.size} | ${r.synth.rssMiB.toFixed(0)} MiB | ${verdict(r.synth.rssMiB < 1024)} |`);
    for (const [kind, change] of [
      ['a one-app change', r.change],
      ['a change to an app in every cluster', r.fleetWideChange],
    ] as const) {
      const ofFirst = change.ofFirstSynth;
      console.log(`| synth after ${kind} within 30% of the first synth made just before it | ${r.size} | ${(100 * ofFirst).toFixed(0)}% | ${timeVerdict(ofFirst <= 0.3)} |`);
      console.log(`| that synth's peak memory under 1 GiB | ${r.size} | ${change.rssMiB.toFixed(0)} MiB | ${verdict(change.rssMiB < 1024)} |`);
    }
  }
}
