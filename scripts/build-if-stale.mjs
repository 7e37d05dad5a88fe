// Run by the tests' global setup (test/global-setup.ts): builds dist/ (bin/fleet.js runs it; the
// e2e tests start that) unless the last build is newer than everything it is made from. So `npm
// cit` builds once (`npm ci` runs `prepare`, which builds), and a test run after an edit still
// tests the edited code. `--quiet`: nothing printed when the build is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const BUILT = join(ROOT, 'dist', 'build-id.json'); // the build's last step writes it
const INPUTS = ['src', 'schema', 'scripts', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

const built = existsSync(BUILT) ? statSync(BUILT).mtimeMs : -1;
const changed = Math.max(...INPUTS.map((input) => newest(join(ROOT, input))));
if (built >= changed) {
  if (!process.argv.includes('--quiet')) console.log('dist/ is newer than src/, schema/, scripts/, package-lock.json and tsconfig: build skipped');
} else {
  const { status } = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(status ?? 1);
}
