// Part of `npm run build`, after tsc: bundles the CLI (dist/cli/main.js with every module it
// imports, fleet's and its dependencies') into one file, dist/fleet-cli.js, which bin/fleet.js
// starts. Node then loads one file instead of about 400, which halves every command's start-up.
// The library (dist/index.js and its declarations) stays as tsc wrote it. The bundle sits at the
// top of dist/, as src/package-files.ts does there, so the files fleet reads from its package
// resolve alike from both.
import { build } from 'esbuild';

const DIST = new URL('../dist/', import.meta.url).pathname;

await build({
  entryPoints: [`${DIST}cli/main.js`],
  outfile: `${DIST}fleet-cli.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The CommonJS dependencies (cdk8s, constructs) call require() for Node's modules: an ES module has none of its own.
  banner: { js: "import { createRequire as __fleetRequire } from 'node:module';\nconst require = __fleetRequire(import.meta.url);" },
  logLevel: 'warning',
});
