import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import { compile } from '../../src/compiler.js';
import type { SpecFile } from '../../src/phases/1-load/index.js';
import type { ManifestFolder } from '../../src/phases/3-resolve/app-manifests.js';
import { checkLock, isLockProblem, LOCK_FILE, parseLock, specInputsHash } from '../../src/phases/6-emit/index.js';
import { ROOT } from '../helpers/trees.js';

/** The lock's `inputs`: what the output was rendered from, so `fleet diff` can trust a committed output (docs/output.md). */
const read = (spec: string) => readSpecFiles(join(ROOT, spec));
const inputsOf = (files: readonly SpecFile[], options: { manifests?: readonly ManifestFolder[]; previous?: Map<string, Record<string, number>> } = {}) => parseLock(compile(files, options).tree!.get(LOCK_FILE))!.inputs;
const edited = (files: readonly SpecFile[], edit: (file: SpecFile) => SpecFile) => files.map((f, i) => (i === 0 ? edit(f) : f));

describe("the lock's inputs", () => {
  it('is the hash of the spec files and the apps’ manifest files that compile read', () => {
    for (const spec of ['policies', 'examples/kubefed-nginx/fleet-spec.yaml', 'examples/team-folders/spec']) {
      const { files, manifests = [] } = read(spec);
      const inputs = inputsOf(files, { manifests });
      expect(inputs, spec).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(inputs, spec).toBe(specInputsHash(files, manifests));
    }
  });

  it('changes when a spec file changes: a byte, a file’s name, the files’ order, a manifest file', () => {
    const { files } = read('examples/team-folders/spec');
    const inputs = inputsOf(files);
    expect(inputsOf(edited(files, (f) => ({ ...f, text: `${f.text}# a comment\n` })))).not.toBe(inputs);
    expect(inputsOf(edited(files, (f) => ({ ...f, name: `renamed-${f.name}` })))).not.toBe(inputs);
    expect(files.length).toBeGreaterThan(1);
    expect(specInputsHash([...files].reverse(), [])).not.toBe(specInputsHash(files, []));

    const nginx = read('examples/kubefed-nginx/fleet-spec.yaml');
    const folders = nginx.manifests ?? [];
    expect(folders.some((m) => (m.files ?? []).length > 0)).toBe(true);
    const changedManifest = folders.map((m) => (m.files?.length ? { ...m, files: m.files.map((f, i) => (i === 0 ? { ...f, text: `${f.text}\n# edited\n` } : f)) } : m));
    expect(specInputsHash(nginx.files, changedManifest)).not.toBe(specInputsHash(nginx.files, folders));
  });

  it('does not change with anything but the spec: the previous placement, where the files are read from', () => {
    const { files } = read('policies');
    const inputs = inputsOf(files);
    expect(inputsOf(files, { previous: new Map([['shop/web', { 'na-1': 9 }]]) })).toBe(inputs);
    // Read from a git ref, a file's path is `ref:policies/fleet-spec.yaml`; its name in the spec is the same.
    expect(inputsOf(files.map((f) => ({ ...f, path: `main:${f.path}` })))).toBe(inputs);
  });

  it('is optional when a lock is read, and must be a sha256 hash when present', () => {
    const lock = (extra: Record<string, unknown>) => JSON.stringify({ generator: 'fleet', lockVersion: 1, fleet: 'shop', ...extra, placement: [], files: {} }, null, 2);
    expect(isLockProblem(checkLock(lock({})))).toBe(false); // a lock written before fleet recorded its inputs
    expect(isLockProblem(checkLock(lock({ inputs: `sha256:${'0'.repeat(64)}` })))).toBe(false);
    const flawed = checkLock(lock({ inputs: 'md5:abc' }));
    expect(isLockProblem(flawed) && flawed.message).toBe('`inputs` is "md5:abc", not a `sha256:<hex>` hash');
  });
});
