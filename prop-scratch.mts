import fc from '/work/main/node_modules/fast-check/lib/fast-check.js';
import { isMap, isSeq, parseAllDocuments, visit } from '/work/main/node_modules/yaml/dist/index.js';
import { findExcessiveNesting } from '/work/main/src/phases/1-load/prescan.ts';
const piece = fc.constantFrom('[', ']', '{', '}', '"', "'", ',', ' ', '\n', '#', 'a', ':', '- ', '|', '!!str ', '\\');
const r = fc.check(fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
  const text = pieces.join('');
  let deepest = 0;
  for (const doc of parseAllDocuments(text)) {
    const bracketed = (node: any) => (isSeq(node) && text[node.range?.[0] ?? -1] === '[') || (isMap(node) && text[node.range?.[0] ?? -1] === '{' && (node.items[0]?.key as { range?: number[] } | undefined)?.range?.[0] !== node.range?.[0]);
    visit(doc, (_k: any, node: any, path: any) => { if (!bracketed(node)) return; deepest = Math.max(deepest, 1 + path.filter(bracketed).length); });
  }
  return !(deepest > 3) || findExcessiveNesting(text, 3) !== undefined;
}), { numRuns: 300000 });
console.log(r.failed, JSON.stringify(r.counterexample?.[0]?.join('')));
