// Preloaded into the measured `fleet synth` process (node --import): reports its peak resident
// memory (getrusage's ru_maxrss, KiB on Linux) on stderr as it exits, without GNU time. Worker
// threads load preloads too; only the main thread reports.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) process.on('exit', () => process.stderr.write(`\nfleet-bench maxrss-kib ${process.resourceUsage().maxRSS}\n`));
