import type { KubeObject, RenderedCluster } from '../../model/manifest.js';

/**
 * What the upstream schemas cannot check, checked on fleet's own output before anything is
 * written: label syntax, Calico selector syntax, no Calico egress allow to any address, and that
 * every Istio route to a subset names a subset a DestinationRule in the same cluster defines. The spec was validated first, so a
 * problem here is a bug in fleet: it is thrown (exit 3), never written.
 */
export function verifyOutput(clusters: Iterable<RenderedCluster>): void {
  const verifier = new OutputVerifier();
  for (const cluster of clusters) verifier.check(cluster);
  verifier.finish();
}

/** verifyOutput() one cluster at a time, as they are rendered; finish() throws what was found. */
export class OutputVerifier {
  private readonly problems: string[] = [];
  // Objects repeat the same labels and selectors across apps and clusters: each is checked once.
  private readonly validLabels: ValidLabels = { keys: new Set(), values: new Set() };
  private readonly selectorChecks = new Map<string, string | undefined>();
  /** Objects whose own fields were checked already: rendering lists the same object in every cluster where it comes out alike. */
  private readonly checked = new WeakSet<object>();

  check({ cluster, manifests }: RenderedCluster): void {
    const { problems, validLabels, selectorChecks } = this;
    const subsets = new Map<string, Set<string>>();
    for (const { object } of manifests) {
      if (object.kind === 'DestinationRule') {
        const spec = object.spec as { host: string; subsets?: { name: string }[] };
        subsets.set(spec.host, new Set((spec.subsets ?? []).map((s) => s.name)));
      }
    }
    for (const { object } of manifests) {
      const where = () => `${cluster}: ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      if (!this.checked.has(object)) {
        this.checked.add(object);
        for (const problem of labelProblems(object, validLabels)) problems.push(`${where()}: ${problem}`);
        if (object.apiVersion.startsWith('projectcalico.org/'))
          for (const selector of calicoSelectors(object)) {
            if (!selectorChecks.has(selector)) selectorChecks.set(selector, calicoSelectorProblem(selector));
            const problem = selectorChecks.get(selector);
            if (problem) problems.push(`${where()}: selector ${JSON.stringify(selector)}: ${problem}`);
          }
        if (object.apiVersion.startsWith('projectcalico.org/')) for (const problem of unboundedEgress(object)) problems.push(`${where()}: ${problem}`);
      }
      if (object.kind === 'VirtualService')
        for (const { host, subset } of routeDestinations(object)) {
          if (subset !== undefined && !subsets.get(host)?.has(subset)) problems.push(`${where()}: routes to subset \`${subset}\` of ${host}, which no DestinationRule here defines`);
        }
    }
  }

  finish(): void {
    if (this.problems.length) throw new Error(`fleet rendered inconsistent output:\n  ${this.problems.join('\n  ')}`);
  }
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

interface ValidLabels {
  readonly keys: Set<string>;
  readonly values: Set<string>;
}

function labelProblems(object: KubeObject, valid: ValidLabels): string[] {
  const problems: string[] = [];
  const check = (labels: Record<string, string> | undefined) => {
    for (const key in labels) {
      const value = labels[key];
      if (!valid.keys.has(key)) {
        if (LABEL_KEY.test(key) && key.length - key.lastIndexOf('/') - 1 <= 63) valid.keys.add(key);
        else problems.push(`invalid label key ${JSON.stringify(key)}`);
      }
      if (!valid.values.has(value)) {
        if (LABEL_VALUE.test(value)) valid.values.add(value);
        else problems.push(`invalid label value ${JSON.stringify(value)} for ${key}`);
      }
    }
  };
  check((object.metadata as { labels?: Record<string, string> }).labels);
  check((object.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template?.metadata?.labels);
  return problems;
}

/**
 * Egress allow rules without a destination peer: open to every address, the Internet included.
 * fleet never writes one (the traffic checks refuse what would need it: `traffic_missing_pod_cidrs`,
 * `traffic_gateway_host_name`), so finding one is a bug.
 */
function unboundedEgress(object: KubeObject): string[] {
  const egress = (object.spec as { egress?: { action?: string; destination?: Record<string, unknown> }[] } | undefined)?.egress ?? [];
  const peers = ['selector', 'namespaceSelector', 'nets', 'serviceAccounts', 'services'];
  return egress.flatMap((rule, i) => (rule.action === 'Allow' && !peers.some((k) => rule.destination?.[k] !== undefined) ? [`egress rule ${i} allows any destination address`] : []));
}

/** Every `selector` and `namespaceSelector` string anywhere in a Calico object, in document order. */
function calicoSelectors(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) calicoSelectors(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      if ((key === 'selector' || key === 'namespaceSelector') && typeof item === 'string') found.push(item);
      else calicoSelectors(item, found);
    }
  }
  return found;
}

/**
 * A syntax check of Calico's selector language (docs: "Selectors"): label keys, quoted strings,
 * `== != in not in has() all() global()`, `&& || !`, parentheses and `{…}` sets, balanced.
 */
export function calicoSelectorProblem(selector: string): string | undefined {
  const token = /\s*(?:(&&|\|\||==|!=|!|\(|\)|\{|\}|,)|('[^']*'|"[^"]*")|(has|all|global)\(|([A-Za-z0-9][-A-Za-z0-9_./]*))/y;
  const stack: string[] = [];
  let position = 0;
  let expectOperand = true;
  while (position < selector.length) {
    if (/^\s*$/.test(selector.slice(position))) break;
    token.lastIndex = position;
    const match = token.exec(selector);
    if (!match) return `unexpected text at ${position}: ${selector.slice(position, position + 10)}`;
    position = token.lastIndex;
    const [, operator, string, func, word] = match;
    if (func) {
      if (func === 'has') {
        const inner = /\s*[A-Za-z0-9][-A-Za-z0-9_./]*\s*\)/y;
        inner.lastIndex = position;
        if (!inner.exec(selector)) return 'has() needs one label key';
        position = inner.lastIndex;
      } else {
        const close = /\s*\)/y;
        close.lastIndex = position;
        if (!close.exec(selector)) return `${func}() takes no arguments`;
        position = close.lastIndex;
      }
      expectOperand = false;
    } else if (operator === '(' || operator === '{') stack.push(operator);
    else if (operator === ')' || operator === '}') {
      if (stack.pop() !== (operator === ')' ? '(' : '{')) return `unbalanced ${operator}`;
    } else if (word === 'in' || word === 'not') expectOperand = true;
    else if (word !== undefined || string !== undefined) expectOperand = false;
    else if (operator) expectOperand = true;
  }
  if (stack.length) return `unclosed ${stack[stack.length - 1]}`;
  return expectOperand && selector.trim() !== '' ? 'ends with an operator' : undefined;
}

function routeDestinations(object: KubeObject): { host: string; subset?: string }[] {
  const spec = object.spec as Record<string, { route?: { destination: { host: string; subset?: string } }[] }[] | undefined>;
  return ['http', 'tcp', 'tls'].flatMap((kind) => (spec[kind] ?? []).flatMap((route) => (route.route ?? []).map((r) => r.destination)));
}
