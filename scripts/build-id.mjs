// Last step of `npm run build`: writes dist/build-id.json, the sha256 over every file under dist/
// (sorted by path; build-id.json itself left out) and package-lock.json. The synth cache
// (src/cli/synth-cache.ts) puts it in its key, so any change to fleet's code or dependencies
// invalidates every cache; without this file the cache is not used.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIST = new URL('../dist/', import.meta.url).pathname;
const LOCKFILE = new URL('../package-lock.json', import.meta.url).pathname;
const OUTPUT = 'build-id.json';

const files = readdirSync(DIST, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => join(entry.parentPath, entry.name).slice(DIST.length).split('\\').join('/'))
  .filter((path) => path !== OUTPUT)
  .sort();

const id = createHash('sha256');
// Each file as its path and the hash of its bytes, so no two different trees feed the same stream.
for (const path of files)
  id.update(
    `${path}\0${createHash('sha256')
      .update(readFileSync(join(DIST, path)))
      .digest('hex')}\n`,
  );
id.update(`package-lock.json\0${createHash('sha256').update(readFileSync(LOCKFILE)).digest('hex')}\n`);

writeFileSync(join(DIST, OUTPUT), `${JSON.stringify({ id: id.digest('hex'), files: files.length })}\n`);
