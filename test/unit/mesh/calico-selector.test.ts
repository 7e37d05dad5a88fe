import { describe, expect, it } from 'vitest';
import { evaluate, namespaceSelects, parseSelector, SelectorMemo, selects, SelectorSyntaxError } from '../../../src/mesh/calico-selector.js';

// Semantics of projectcalico/calico v3.32.0 libcalico-go/lib/selector/parser/ast.go (Evaluate) and
// tokenizer/tokenizer.go; the cases mirror parser_test.go's.
describe('Calico selectors', () => {
  const labels = { app: 'web', 'fleet.io/cluster': 'na-1', version: 'v1' };

  it('== and in are false when the label is absent; != and not in are true (ast.go LabelNeValueNode, LabelNotInSetNode)', () => {
    expect(selects("app == 'web'", labels)).toBe(true);
    expect(selects("tier == 'web'", labels)).toBe(false);
    expect(selects("tier != 'web'", labels)).toBe(true);
    expect(selects("app != 'web'", labels)).toBe(false);
    expect(selects("fleet.io/cluster in {'eu-1', 'na-1'}", labels)).toBe(true);
    expect(selects("tier in {'a'}", labels)).toBe(false);
    expect(selects("tier not in {'a'}", labels)).toBe(true);
    expect(selects('has(version)', labels)).toBe(true);
    expect(selects('!has(version)', labels)).toBe(false);
  });

  it('|| binds looser than &&, ! binds tightest (parser.go parseOrExpression / parseAndExpression / parseOperation)', () => {
    expect(selects("app == 'x' && version == 'v1' || app == 'web'", labels)).toBe(true);
    expect(selects("app == 'x' && (version == 'v1' || app == 'web')", labels)).toBe(false);
    expect(selects("!app == 'x'", labels)).toBe(true);
  });

  it('accepts both quotes, contains / starts with / ends with, and empty selector as all()', () => {
    expect(selects('app == "web"', labels)).toBe(true);
    expect(selects("app contains 'e'", labels)).toBe(true);
    expect(selects("app starts with 'we'", labels)).toBe(true);
    expect(selects("app ends with 'eb'", labels)).toBe(true);
    expect(evaluate(parseSelector(''), {})).toBe(true);
    expect(selects('all()', {})).toBe(true);
  });

  it('a SelectorMemo memoises parsing by text, each memo (one per model) its own', () => {
    const memo = new SelectorMemo();
    expect(memo.parse("app == 'web'")).toBe(memo.parse("app == 'web'"));
    expect(memo.parse("app == 'web'")).toEqual(parseSelector("app == 'web'"));
    expect(new SelectorMemo().parse("app == 'web'")).not.toBe(memo.parse("app == 'web'"));
    expect(memo.selects("app == 'web'", labels)).toBe(true);
    expect(() => memo.parse('app web')).toThrow(SelectorSyntaxError);
  });

  it('rejects malformed selectors (tokenizer: "expected operator after label")', () => {
    expect(() => parseSelector('app web')).toThrow(SelectorSyntaxError);
    expect(() => parseSelector("app == 'web")).toThrow(SelectorSyntaxError);
    expect(() => parseSelector("app in {'a'")).toThrow(SelectorSyntaxError);
  });

  it('namespaceSelector scoping: all() = any namespace, global() = no namespace (updateprocessors/rules.go getEndpointSelector)', () => {
    expect(namespaceSelects(parseSelector('all()'), { name: 'shop', labels: {} })).toBe(true);
    expect(namespaceSelects(parseSelector('all()'), { labels: {} })).toBe(false);
    expect(namespaceSelects(parseSelector('global()'), { labels: {} })).toBe(true);
    expect(namespaceSelects(parseSelector('global()'), { name: 'shop', labels: {} })).toBe(false);
    expect(namespaceSelects(parseSelector("projectcalico.org/name == 'shop'"), { name: 'shop', labels: { 'projectcalico.org/name': 'shop' } })).toBe(true);
  });
});
