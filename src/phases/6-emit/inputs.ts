import { createHash, type Hash } from 'node:crypto';
import type { SpecFile } from '../1-load/index.js';
import type { ManifestFolder } from '../3-resolve/app-manifests.js';

/**
 * The lock's `inputs` (`sha256:<hex>`): a hash of everything compile reads, in the order it reads
 * it: every spec file (its name in the spec, SpecFile.name, and its text), then every
 * `apps[].manifests` folder (the spec file naming it, the folder as written, and each file's name
 * and text, or that it could not be read). Names, not paths: the same spec read from the working
 * tree or from a git ref (`ref:policies/x.yaml`) hashes alike. Nothing of fleet itself (its version
 * or build) goes in, so a committed lock does not change when fleet does: the hash says which spec
 * an output is the rendering of, not which fleet rendered it.
 */
export function specInputsHash(files: readonly SpecFile[], manifests: readonly ManifestFolder[]): string {
  const hash = createHash('sha256');
  const nameOf = new Map(files.map((f) => [f.path, f.name]));
  for (const file of files) addFile(hash, 'spec', file);
  for (const folder of manifests) {
    // Each field is written with its length, so no two different sequences of fields hash alike.
    addField(hash, 'manifests');
    addField(hash, nameOf.get(folder.specFile) ?? folder.specFile);
    addField(hash, folder.folder);
    if (!folder.files) {
      addField(hash, 'unreadable');
      continue;
    }
    addField(hash, String(folder.files.length));
    for (const file of folder.files) addFile(hash, 'manifest', file);
  }
  return `sha256:${hash.digest('hex')}`;
}

function addFile(hash: Hash, kind: string, file: SpecFile): void {
  addField(hash, kind);
  addField(hash, file.name);
  addField(hash, file.text);
}

function addField(hash: Hash, text: string): void {
  hash.update(`${Buffer.byteLength(text)}:`);
  hash.update(text);
}
