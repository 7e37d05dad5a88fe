import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { SpecFile } from '../phases/1-load/index.js';
import { type ManifestFolder, manifestFileName } from '../phases/3-resolve/app-manifests.js';
import { readBlockYaml } from '../phases/1-load/block-yaml.js';
import { LIMITS } from '../phases/1-load/limits.js';
import { findExcessiveNesting } from '../phases/1-load/prescan.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

/**
 * The `apps[].manifests` folders a spec names, read for compile() (which reads no file): each
 * folder relative to the spec file that names it, its `.yaml`/`.yml` files recursively, hidden
 * entries skipped, sorted by path. Only spec files that mention `manifests:` are parsed again, so a
 * spec without it costs one text search per file. A folder that is missing or not a folder comes
 * back with `unreadable`, and compile() reports it at the spec line; a file that is not UTF-8 is
 * left out with its diagnostic in `problems` (`decode`: spec-files.ts' decodeSpecFile, passed in so
 * the two modules do not import each other).
 */
export function readManifestFolders(files: readonly SpecFile[], decode: (path: string, name: string, bytes: Buffer) => SpecFile | Diagnostic): { folders: ManifestFolder[]; problems: Diagnostic[]; read: string[] } {
  const folders: ManifestFolder[] = [];
  const problems: Diagnostic[] = [];
  /** The folders read, as paths: their files are manifests, not spec (in a spec folder, readSpecFiles leaves them out). */
  const read: string[] = [];
  for (const file of files) {
    if (!file.text.includes('manifests')) continue;
    for (const folder of namedFolders(file.text)) {
      if (folders.some((f) => f.specFile === file.path && f.folder === folder)) continue;
      const path = join(dirname(file.path), folder);
      let isFolder = false;
      try {
        isFolder = statSync(path).isDirectory();
      } catch {
        folders.push({ specFile: file.path, folder, unreadable: `does not exist (looked for ${path})` });
        continue;
      }
      if (!isFolder) {
        folders.push({ specFile: file.path, folder, unreadable: `is not a folder (${path})` });
        continue;
      }
      const inFolder: SpecFile[] = [];
      read.push(path);
      const paths = yamlFiles(path);
      if (paths.length > LIMITS.maxFiles) {
        folders.push({ specFile: file.path, folder, unreadable: `holds ${paths.length} YAML files, more than ${LIMITS.maxFiles}` });
        continue;
      }
      for (const yamlPath of paths) {
        const decoded = decode(yamlPath, manifestFileName(file.name, folder, relative(path, yamlPath).split('\\').join('/')), readFileSync(yamlPath));
        if ('text' in decoded) inFolder.push(decoded);
        else problems.push(decoded);
      }
      folders.push({ specFile: file.path, folder, files: inFolder });
    }
  }
  return { folders, problems, read };
}

/**
 * The `manifests` values of `apps` entries in a spec file's documents, as written (strings only;
 * the schema reports the rest). Read as load() reads the spec: a text nested too deep is left to
 * it (it reports it), and the fast reader (block-yaml.ts) is tried before `yaml`.
 */
export function namedFolders(text: string): string[] {
  if (findExcessiveNesting(text) !== undefined) return [];
  const plain = readBlockYaml(text);
  if (plain) {
    const apps = plain.flatMap((doc) => (Array.isArray(doc.apps) ? doc.apps : []));
    return apps.flatMap((app: unknown) => {
      const value = app && typeof app === 'object' && !Array.isArray(app) ? (app as Record<string, unknown>).manifests : undefined;
      return typeof value === 'string' && value !== '' ? [value] : [];
    });
  }
  const found: string[] = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
    if (!('contents' in doc)) continue;
    const apps = isMap(doc.contents) ? doc.contents.get('apps', true) : undefined;
    if (!isSeq(apps)) continue;
    for (const app of apps.items) {
      const value = isMap(app) ? app.get('manifests', true) : undefined;
      if (isScalar(value) && typeof value.value === 'string' && value.value !== '') found.push(value.value);
    }
  }
  return found;
}

function yamlFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(path);
    }
  };
  walk(folder);
  return out;
}
