import { isCollection, isScalar, visit, type Alias, type Document, type Node, type Pair } from 'yaml';

/** A problem found in a parsed `yaml` document, by character offsets into its file. */
export interface YamlProblem {
  readonly code: 'yaml_duplicate_key' | 'yaml_collection_key';
  readonly message: string;
  readonly help: string;
  readonly at: readonly [number, number];
  /** Where a duplicate key was first given. */
  readonly first?: readonly [number, number];
}

/**
 * Problems with the keys of every mapping, in linear time:
 *
 * - Keys given twice. `yaml`'s own check (`uniqueKeys: true`) compares each key with every earlier
 *   one of its mapping: quadratic time in the keys. This keeps a Set per mapping,
 *   with yaml's notion of equal keys (util-map-includes.js: scalar keys with `===` values;
 *   collection and alias keys are never equal to another key).
 * - Keys that are lists or mappings (`? [a, b]: x`): no field of a spec has one, and `yaml` turns
 *   each into a string when converting, which grows steeply with nesting (`? ? ? ... x`).
 */
export function keyProblems(doc: Document): YamlProblem[] {
  const problems: YamlProblem[] = [];
  // Collection keys already reported: what is inside them is not reported again (`? ? ? x` is one error).
  const collectionKeys = new Set<unknown>();
  visit(doc, {
    Map(_key, map, path) {
      if (collectionKeys.has(map) || path.some((ancestor) => collectionKeys.has(ancestor))) return;
      const seen = new Map<unknown, Pair>();
      for (const pair of map.items) {
        const key = pair.key;
        if (isCollection(key)) {
          problems.push({ code: 'yaml_collection_key', message: 'a mapping key must be a plain value, not a list or a mapping', help: 'write the key as a name: `key: value`', at: rangeOf(key) });
          collectionKeys.add(key);
          continue;
        }
        if (!isScalar(key) || Number.isNaN(key.value)) continue; // NaN !== NaN: never a duplicate for yaml either
        const first = seen.get(key.value);
        if (first === undefined) {
          seen.set(key.value, pair);
          continue;
        }
        problems.push({
          code: 'yaml_duplicate_key',
          message: `duplicate key \`${String(key.value)}\`: a mapping may name each key once`,
          help: 'keep one of them',
          at: rangeOf(key),
          first: rangeOf(first.key as Node),
        });
      }
    },
  });
  return problems;
}

function rangeOf(node: Node): [number, number] {
  const [start, end] = node.range ?? [0, 0];
  return [start, Math.max(end, start + 1)];
}

/**
 * What to say about a tag fleet does not resolve (`yaml` warns TAG_RESOLVE_FAILED). load() parses
 * with `resolveKnownTags: false`, so only the YAML 1.2 core tags (`!!str`, `!!int`, `!!float`,
 * `!!bool`, `!!null`, `!!map`, `!!seq`) resolve: `!!omap`, `!!set`, `!!pairs`, `!!binary` and
 * `!!timestamp` would otherwise become a JavaScript Map, Set, Buffer or Date, whose content the
 * schema never sees (an `!!omap` of env variables vanished without a word).
 */
export function unknownTag(tagText: string): { message: string; help: string } {
  const name = tagText.replace(/^!<tag:yaml\.org,2002:(.*)>$/, '!!$1');
  const help: Record<string, string> = {
    '!!omap': 'remove the tag: a plain mapping keeps its keys in the order written',
    '!!pairs': 'remove the tag: write a mapping, or a list of mappings',
    '!!set': 'remove the tag and write a list: `[a, b]`',
    '!!binary': 'remove the tag: fleet takes text, not binary data',
    '!!timestamp': 'remove the tag, and quote the value if it must stay text',
  };
  return {
    message: `unknown tag \`${name}\`: a fleet spec holds only mappings, lists, strings, numbers, booleans and null`,
    help: help[name] ?? 'remove the tag (fleet knows only `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map` and `!!seq`)',
  };
}

/**
 * `doc.toJS()`, and when it throws for an alias bomb, the alias whose resolution went over the limit
 * (yaml throws a ReferenceError from Alias.resolve without saying which): each alias node is given
 * its own toJSON that records itself on the way out. The innermost alias, which threw, records first.
 */
export function toJsFindingAlias(doc: Document, maxAliasCount: number): { value: unknown } | { alias: Alias | undefined } {
  const aliases: Alias[] = [];
  visit(doc, {
    Alias(_key, alias) {
      aliases.push(alias);
    },
  });
  let culprit: Alias | undefined;
  for (const alias of aliases) {
    const toJSON = alias.toJSON.bind(alias);
    Object.defineProperty(alias, 'toJSON', {
      configurable: true,
      value: (arg?: unknown, ctx?: Parameters<Alias['toJSON']>[1]) => {
        try {
          return toJSON(arg, ctx);
        } catch (error) {
          culprit ??= alias;
          throw error;
        }
      },
    });
  }
  try {
    return { value: doc.toJS({ maxAliasCount }) };
  } catch (error) {
    // yaml throws a ReferenceError for alias bombs; anything else is a bug and propagates.
    if (!(error instanceof ReferenceError)) throw error;
    return { alias: culprit };
  } finally {
    for (const alias of aliases) delete (alias as { toJSON?: unknown }).toJSON;
  }
}
