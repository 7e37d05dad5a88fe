import { type Document, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { LIMITS } from './limits.js';
import { type EntryPositions, entryRanges, readBlockYaml } from './block-yaml.js';
import { findExcessiveNesting } from './prescan.js';
import { keyProblems, toJsFindingAlias, unknownTag } from './yaml-problems.js';
import { SourceMap, spanOfNode, spanOfRange, type SourceDocument } from './source-map.js';

export { SourceMap, type SourceDocument, type PathSegment } from './source-map.js';

/** A spec file as read from disk: its path as the user named it, and its text (already decoded as UTF-8). */
export interface SpecFile {
  readonly path: string;
  /** The file's name relative to the spec's folder, for generated-file headers (stable wherever fleet runs). */
  readonly name: string;
  readonly text: string;
}

export interface LoadedDocument {
  readonly source: SourceDocument;
  /** The document as plain data; every object in it is recorded in the SourceMap. */
  readonly value: unknown;
}

export interface LoadResult {
  readonly documents: LoadedDocument[];
  readonly sourceMap: SourceMap;
}

/**
 * Phase 1: parse every document of every spec file, keeping source positions.
 * A file may hold several YAML documents (`---`); each is one fleet fragment.
 */
export function load(files: readonly SpecFile[], diagnostics: DiagnosticBag): LoadResult {
  const sourceMap = new SourceMap();
  const documents: LoadedDocument[] = [];
  for (const file of files) {
    for (const document of loadFile(file, diagnostics)) {
      sourceMap.record(document.value, document.source);
      documents.push(document);
    }
  }
  return { documents, sourceMap };
}

/** No content at all: `yaml` gives a document that ends the file after its `---` an empty null scalar, not null. */
export function isEmptyDocument(doc: Document.Parsed): boolean {
  const contents = doc.contents;
  return contents === null || (isScalar(contents) && contents.value === null && contents.range !== undefined && contents.range[0] === contents.range[1]);
}

/**
 * How every spec file is parsed with `yaml` (each with its own line counter). Duplicate keys are
 * found by duplicateKeys (linear) instead of `uniqueKeys` (quadratic in the keys of a mapping), and
 * only the YAML 1.2 core tags resolve (see unknownTag).
 */
const PARSE_OPTIONS = { uniqueKeys: false, resolveKnownTags: false, prettyErrors: false, keepSourceTokens: false } as const;

function loadFile(file: SpecFile, diagnostics: DiagnosticBag): LoadedDocument[] {
  const lineCounter = new LineCounter();
  const text = { file: file.path, lineCounter };
  if (file.text.length > LIMITS.maxFileBytes) {
    lineCounter.addNewLine(0);
    diagnostics.error('yaml_too_large', `the file is larger than ${LIMITS.maxFileBytes / 1024 / 1024} MiB`, spanOfRange(text, 0, 0), ['split the spec into several files in one folder']);
    return [];
  }
  const tooDeep = findExcessiveNesting(file.text);
  if (tooDeep !== undefined) {
    countLines(file.text, lineCounter);
    diagnostics.error('yaml_too_deep', `the YAML is nested more than ${LIMITS.maxDepth} levels deep`, spanOfRange(text, tooDeep, tooDeep + 1), ['a fleet spec needs about ten levels; check for unbalanced brackets']);
    return [];
  }

  const positions: EntryPositions = new WeakMap();
  const plain = readBlockYaml(file.text, positions);
  if (plain) {
    const parse = parsedOnce(file);
    const lines = linesOf(file.text);
    return plain.map((value, index) => ({ source: parsedWhenAsked(file, index, parse, positions, lines), value }));
  }

  const parsed = parseAllDocuments(file.text, { ...PARSE_OPTIONS, lineCounter });
  const docs = Array.isArray(parsed) ? parsed : [];
  const loaded: LoadedDocument[] = [];
  let sawContent = false;
  let sawProblem = false;
  for (const doc of docs) {
    const source: SourceDocument = { file: file.path, name: file.name, doc, lineCounter };
    const problems = [...doc.errors, ...doc.warnings];
    for (const problem of problems) {
      const [start, end] = problem.pos;
      const span = spanOfRange(source, start, Math.max(end, start + 1));
      if (problem.code === 'TAG_RESOLVE_FAILED') {
        const { message, help } = unknownTag(file.text.slice(start, end).trim());
        diagnostics.error('yaml_unknown_tag', message, span, [help]);
      } else diagnostics.error('yaml_syntax', firstLine(problem.message), span);
    }
    const keys = keyProblems(doc);
    for (const key of keys) {
      const first = key.first && [{ span: spanOfRange(source, ...key.first), label: 'first given here' }];
      diagnostics.error(key.code, key.message, spanOfRange(source, ...key.at), [key.help], first);
    }
    if (problems.length > 0 || keys.length > 0) {
      sawProblem = true;
      continue;
    }
    if (isEmptyDocument(doc)) continue; // an empty document: between `---` markers, or after a last one
    sawContent = true;
    const converted = toJsFindingAlias(doc, LIMITS.maxAliasCount);
    if ('alias' in converted) {
      const at = converted.alias ? spanOfNode(source, converted.alias) : spanOfNode(source, doc.contents);
      diagnostics.error('yaml_alias_limit', `too many alias references (more than ${LIMITS.maxAliasCount}): expanding this alias goes over the limit`, at, ['expand the aliases, or split the document']);
      continue;
    }
    const value = converted.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      diagnostics.error('spec_not_a_mapping', 'a fleet spec document must be a mapping with `apiVersion: fleet/v1alpha1` and `kind: Fleet`', spanOfNode(source, doc.contents));
      continue;
    }
    loaded.push({ source, value });
  }
  // A file whose only content has a problem (an unknown tag, a syntax error) is not also empty.
  if (!sawContent && !sawProblem) {
    diagnostics.error('spec_empty_file', 'the file holds no fleet spec', spanOfRange(text, 0, 0), ['start it with `apiVersion: fleet/v1alpha1` and `kind: Fleet`, or remove it']);
  }
  return loaded;
}

/**
 * The source of the `index`th document of a file read by readBlockYaml: its `yaml` document, for
 * source positions, is parsed the first time a diagnostic asks for one (every document of the file
 * at once), and a compile without diagnostics never parses it. Nor does one whose diagnostics
 * point only at entries of block mappings: readBlockYaml recorded where those are (`positions`),
 * and `lines` turns offsets into lines as the parse would.
 */
function parsedWhenAsked(file: SpecFile, index: number, parse: () => ParsedFile, positions: EntryPositions, lines: () => LineCounter): SourceDocument {
  return {
    file: file.path,
    name: file.name,
    get doc() {
      return parse().docs[index];
    },
    get lineCounter() {
      return lines();
    },
    entryRanges: (owner, key) => {
      const start = positions.get(owner);
      return start === undefined ? undefined : entryRanges(file.text, start, key);
    },
  };
}

/** countLines of `text`, made the first time it is called. */
function linesOf(text: string): () => LineCounter {
  let counter: LineCounter | undefined;
  return () => (counter ??= countLines(text, new LineCounter()));
}

/** `counter` with the lines of `text` added: those `yaml` counts when it parses a text without `\r`. */
function countLines(text: string, counter: LineCounter): LineCounter {
  counter.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) counter.addNewLine(i + 1);
  return counter;
}

interface ParsedFile {
  readonly docs: Document[];
  readonly lineCounter: LineCounter;
}

/** Parses a file's `yaml` documents the first time it is called, for every document of the file. */
function parsedOnce(file: SpecFile): () => ParsedFile {
  let parsed: ParsedFile | undefined;
  return () => {
    if (!parsed) {
      const lineCounter = new LineCounter();
      const docs = parseAllDocuments(file.text, { ...PARSE_OPTIONS, lineCounter });
      parsed = { docs: (Array.isArray(docs) ? docs : []).filter((d) => !isEmptyDocument(d)), lineCounter };
    }
    return parsed;
  };
}

function firstLine(message: string): string {
  const line = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return line.charAt(0).toLowerCase() + line.slice(1);
}
