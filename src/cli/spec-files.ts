import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { LIMITS } from '../phases/1-load/limits.js';
import type { SpecFile } from '../phases/1-load/index.js';

/** The default spec location, relative to the working directory. */
export const DEFAULT_SPEC = 'policies';

export interface ReadSpecResult {
  readonly files: SpecFile[];
  readonly diagnostics: Diagnostic[];
}

/**
 * Reads a spec: one YAML file, or every `.yaml`/`.yml` file under a folder (recursively, hidden
 * entries skipped, sorted by path so the merge order never depends on the file system).
 * Text must be UTF-8; a byte-order mark is dropped.
 */
export function readSpecFiles(specPath: string): ReadSpecResult {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(specPath).isDirectory();
  } catch {
    return { files: [], diagnostics: [problem('spec_not_found', `no spec at \`${specPath}\``, [`pass a spec file or folder, or create ${DEFAULT_SPEC}/fleet-spec.yaml`])] };
  }
  const paths = isDirectory ? listYaml(specPath) : [specPath];
  if (isDirectory && paths.length === 0) {
    return { files: [], diagnostics: [problem('spec_not_found', `no .yaml files in \`${specPath}\``, ['add a fleet-spec.yaml'])] };
  }
  if (paths.length > LIMITS.maxFiles) {
    return { files: [], diagnostics: [problem('spec_too_many_files', `\`${specPath}\` holds ${paths.length} YAML files, more than ${LIMITS.maxFiles}`)] };
  }
  const files: SpecFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    const decoded = decodeSpecFile(path, isDirectory ? relative(specPath, path).split('\\').join('/') : basename(path), readFileSync(path));
    if ('text' in decoded) files.push(decoded);
    else diagnostics.push(decoded);
  }
  return { files, diagnostics };
}

/**
 * One spec file's bytes as text, or why they cannot be: larger than the limit, or not UTF-8 (the
 * position is given). A byte-order mark is dropped. `name` is the file's name in the spec (see SpecFile).
 */
export function decodeSpecFile(path: string, name: string, bytes: Buffer): SpecFile | Diagnostic {
  if (bytes.length > LIMITS.maxFileBytes) return tooLarge(path);
  const invalidAt = firstInvalidUtf8(bytes);
  if (invalidAt !== undefined) {
    const line = bytes.subarray(0, invalidAt).filter((b) => b === 0x0a).length + 1;
    const col = invalidAt - bytes.lastIndexOf(0x0a, invalidAt - 1);
    return {
      code: 'yaml_not_utf8',
      severity: 'error',
      message: `the file is not UTF-8 text (invalid byte 0x${bytes[invalidAt].toString(16).padStart(2, '0')})`,
      span: { file: path, start: { line, col }, end: { line, col: col + 1 }, offset: [invalidAt, invalidAt + 1] },
      help: ['save the file as UTF-8'],
    };
  }
  return { path, name, text: bytes.toString('utf8').replace(/^\uFEFF/, '') };
}

export function tooLarge(path: string): Diagnostic {
  return problem('yaml_too_large', `\`${path}\` is larger than ${LIMITS.maxFileBytes / 1024 / 1024} MiB`, ['split the spec into several files in one folder']);
}

function listYaml(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(path);
    }
  };
  walk(dir);
  return out;
}

function problem(code: string, message: string, help: string[] = []): Diagnostic {
  return { code, severity: 'error', message, help };
}

/** Offset of the first byte that breaks UTF-8, or undefined when the whole buffer is valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    const second = bytes[i + 1];
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) return i;
    i += length;
  }
  return undefined;
}
