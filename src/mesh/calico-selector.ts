/**
 * Calico selector expressions: parse once, evaluate against label sets.
 *
 * Grammar and semantics follow projectcalico/calico v3.32.0, libcalico-go/lib/selector:
 * - tokenizer/tokenizer.go: labels are runs of `[a-zA-Z0-9_./-]`; strings in single or double
 *   quotes; operators `==`, `!=`, `in`, `not in`, `contains`, `starts with`, `ends with`, `!`, `&&`,
 *   `||`, `has(label)`, `all()`, `global()`, parentheses, `{'a', 'b'}` sets.
 * - parser/parser.go: `||` binds loosest (parseOrExpression), then `&&` (parseAndExpression), then
 *   unary `!` (parseOperation).
 * - parser/ast.go (Evaluate): `==`, `in`, `contains`, `starts with`, `ends with` and `has` are false
 *   when the label is absent; `!=` and `not in` are true when it is absent; `all()` and `global()`
 *   evaluate to true on their own (their scoping meaning, "every namespace" and "no namespace", is
 *   applied by the rule scoping in calico.ts, as libcalico-go's updateprocessors/rules.go does).
 */

export type Labels = Readonly<Record<string, string>>;

export type SelectorNode =
  | { readonly op: 'all' }
  | { readonly op: 'global' }
  | { readonly op: 'has'; readonly label: string }
  | { readonly op: '==' | '!=' | 'contains' | 'starts with' | 'ends with'; readonly label: string; readonly value: string }
  | { readonly op: 'in' | 'not in'; readonly label: string; readonly values: ReadonlySet<string> }
  | { readonly op: '!'; readonly operand: SelectorNode }
  | { readonly op: '&&' | '||'; readonly operands: readonly SelectorNode[] };

export class SelectorSyntaxError extends Error {}

type Token =
  | { kind: 'label' | 'string'; value: string }
  | { kind: '(' | ')' | '{' | '}' | ',' | '==' | '!=' | '!' | '&&' | '||' | 'in' | 'not in' | 'contains' | 'starts with' | 'ends with' | 'all' | 'global' | 'eof' }
  | { kind: 'has'; value: string };

const IDENT = /^[a-zA-Z0-9_./-]+/;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let rest = input;
  const afterLabel = () => tokens.length > 0 && tokens[tokens.length - 1].kind === 'label';
  const word = (w: string) => {
    const m = new RegExp(`^${w.replace(/ /g, '[ \\t]*')}(?![a-zA-Z0-9_./-])`).exec(rest);
    if (m) rest = rest.slice(m[0].length);
    return m !== null;
  };
  for (;;) {
    rest = rest.replace(/^[ \t]+/, '');
    if (rest === '') break;
    const two = rest.slice(0, 2);
    if (two === '==' || two === '!=' || two === '&&' || two === '||') {
      tokens.push({ kind: two });
      rest = rest.slice(2);
      continue;
    }
    const c = rest[0];
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === ',' || c === '!') {
      tokens.push({ kind: c });
      rest = rest.slice(1);
      continue;
    }
    if (c === '"' || c === "'") {
      const end = rest.indexOf(c, 1);
      if (end < 0) throw new SelectorSyntaxError(`unterminated string in selector: ${input}`);
      tokens.push({ kind: 'string', value: rest.slice(1, end) });
      rest = rest.slice(end + 1);
      continue;
    }
    if (afterLabel()) {
      // After a label only an operator may follow (tokenizer.go: "expected operator after label").
      if (word('contains')) tokens.push({ kind: 'contains' });
      else if (word('starts with')) tokens.push({ kind: 'starts with' });
      else if (word('ends with')) tokens.push({ kind: 'ends with' });
      else if (word('not in')) tokens.push({ kind: 'not in' });
      else if (word('in')) tokens.push({ kind: 'in' });
      else throw new SelectorSyntaxError(`expected an operator after label in selector: ${input}`);
      continue;
    }
    const fn = /^(has|all|global)\([ \t]*([a-zA-Z0-9_./-]*)[ \t]*\)/.exec(rest);
    if (fn) {
      if (fn[1] === 'has') {
        if (!fn[2]) throw new SelectorSyntaxError(`has() needs a label: ${input}`);
        tokens.push({ kind: 'has', value: fn[2] });
      } else if (fn[2]) throw new SelectorSyntaxError(`${fn[1]}() takes no argument: ${input}`);
      else tokens.push({ kind: fn[1] as 'all' | 'global' });
      rest = rest.slice(fn[0].length);
      continue;
    }
    const ident = IDENT.exec(rest);
    if (!ident) throw new SelectorSyntaxError(`unexpected character ${JSON.stringify(c)} in selector: ${input}`);
    tokens.push({ kind: 'label', value: ident[0] });
    rest = rest.slice(ident[0].length);
  }
  tokens.push({ kind: 'eof' });
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly input: string,
  ) {}

  parse(): SelectorNode {
    // An empty selector is all() (Calico's default for an omitted selector).
    if (this.peek().kind === 'eof') return { op: 'all' };
    const node = this.or();
    if (this.peek().kind !== 'eof') this.fail('unexpected trailing input');
    return node;
  }

  private peek(): Token {
    return this.tokens[this.at];
  }

  private next(): Token {
    return this.tokens[this.at++];
  }

  private fail(why: string): never {
    throw new SelectorSyntaxError(`${why} in selector: ${this.input}`);
  }

  private or(): SelectorNode {
    const operands = [this.and()];
    while (this.peek().kind === '||') {
      this.next();
      operands.push(this.and());
    }
    return operands.length === 1 ? operands[0] : { op: '||', operands };
  }

  private and(): SelectorNode {
    const operands = [this.unary()];
    while (this.peek().kind === '&&') {
      this.next();
      operands.push(this.unary());
    }
    return operands.length === 1 ? operands[0] : { op: '&&', operands };
  }

  private unary(): SelectorNode {
    const token = this.next();
    switch (token.kind) {
      case '!':
        return { op: '!', operand: this.unary() };
      case '(': {
        const inner = this.or();
        if (this.next().kind !== ')') this.fail('missing )');
        return inner;
      }
      case 'all':
        return { op: 'all' };
      case 'global':
        return { op: 'global' };
      case 'has':
        return { op: 'has', label: token.value };
      case 'label':
        return this.comparison(token.value);
      default:
        return this.fail(`unexpected ${token.kind}`);
    }
  }

  private comparison(label: string): SelectorNode {
    const op = this.next();
    switch (op.kind) {
      case '==':
      case '!=':
      case 'contains':
      case 'starts with':
      case 'ends with': {
        const value = this.next();
        if (value.kind !== 'string') this.fail(`expected a quoted value after ${op.kind}`);
        return { op: op.kind, label, value: (value as { value: string }).value };
      }
      case 'in':
      case 'not in': {
        if (this.next().kind !== '{') this.fail('expected {');
        const values = new Set<string>();
        if (this.peek().kind !== '}') {
          for (;;) {
            const value = this.next();
            if (value.kind !== 'string') this.fail('expected a quoted value in set');
            values.add((value as { value: string }).value);
            const sep = this.next();
            if (sep.kind === '}') break;
            if (sep.kind !== ',') this.fail('expected , or }');
          }
        } else this.next();
        return { op: op.kind, label, values };
      }
      default:
        return this.fail(`expected an operator after ${label}`);
    }
  }
}

/** The parsed selector (not memoised: a model parses through its SelectorMemo). */
export function parseSelector(text: string): SelectorNode {
  return new Parser(tokenize(text), text).parse();
}

/**
 * Parsed selectors by text: fleets repeat a few hundred distinct selectors many times. One per mesh
 * model (its ModelMemo), so the table lives exactly as long as the model. A selector that does not
 * parse is not kept: it throws again at every use.
 */
export class SelectorMemo {
  private readonly parsed = new Map<string, SelectorNode>();

  parse(text: string): SelectorNode {
    let node = this.parsed.get(text);
    if (!node) this.parsed.set(text, (node = parseSelector(text)));
    return node;
  }

  selects(selector: string, labels: Labels): boolean {
    return evaluate(this.parse(selector), labels);
  }
}

export function evaluate(node: SelectorNode, labels: Labels): boolean {
  switch (node.op) {
    case 'all':
    case 'global':
      return true;
    case 'has':
      return Object.hasOwn(labels, node.label);
    case '==':
      return Object.hasOwn(labels, node.label) && labels[node.label] === node.value;
    case '!=':
      return !Object.hasOwn(labels, node.label) || labels[node.label] !== node.value;
    case 'contains':
      return Object.hasOwn(labels, node.label) && labels[node.label].includes(node.value);
    case 'starts with':
      return Object.hasOwn(labels, node.label) && labels[node.label].startsWith(node.value);
    case 'ends with':
      return Object.hasOwn(labels, node.label) && labels[node.label].endsWith(node.value);
    case 'in':
      return Object.hasOwn(labels, node.label) && node.values.has(labels[node.label]);
    case 'not in':
      return !Object.hasOwn(labels, node.label) || !node.values.has(labels[node.label]);
    case '!':
      return !evaluate(node.operand, labels);
    case '&&':
      for (const o of node.operands) if (!evaluate(o, labels)) return false;
      return true;
    case '||':
      for (const o of node.operands) if (evaluate(o, labels)) return true;
      return false;
  }
}

/** Parse and evaluate in one step. */
export function selects(selector: string, labels: Labels): boolean {
  return evaluate(parseSelector(selector), labels);
}

/**
 * A namespaceSelector evaluated against an entity's namespace, as libcalico-go's
 * updateprocessors/rules.go getEndpointSelector rewrites it: `all()` becomes "is in some namespace"
 * (`has(projectcalico.org/namespace)`), `global()` "is in none" (`!has(...)`: GlobalNetworkSets,
 * host endpoints), every label test reads the namespace's labels (the `pcns.` prefix). An entity
 * in no namespace has no namespace labels.
 */
export function namespaceSelects(node: SelectorNode, namespace: { readonly name?: string; readonly labels: Labels }): boolean {
  switch (node.op) {
    case 'all':
      return namespace.name !== undefined;
    case 'global':
      return namespace.name === undefined;
    case '!':
      return !namespaceSelects(node.operand, namespace);
    case '&&':
      for (const o of node.operands) if (!namespaceSelects(o, namespace)) return false;
      return true;
    case '||':
      for (const o of node.operands) if (namespaceSelects(o, namespace)) return true;
      return false;
    default:
      return evaluate(node, namespace.labels);
  }
}
