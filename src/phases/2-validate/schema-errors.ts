import type { ErrorObject } from 'ajv';
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import { didYouMean } from '../../diagnostics/suggest.js';
import { spanAtPath, type PathSegment, type SourceDocument } from '../1-load/source-map.js';
import { PORT_NAME_HELP, portNameProblems } from './port-name.js';
import { fromJsonPointer, specPath } from './spec-path.js';
import type { ErrorCode } from '../../diagnostics/catalog.js';

/** What a schema error means for later phases. */
export interface SchemaFinding {
  readonly diagnostic: Diagnostic;
  /** Path of the value the error is about. */
  readonly path: readonly PathSegment[];
  /**
   * False when the data is still safe for semantic checks (an unknown field, a bad name or a value
   * out of range); true when its shape is wrong (a wrong type, a missing field), so the item it
   * sits in must be left out of later checks to avoid cascades.
   */
  readonly breaksShape: boolean;
}

/**
 * What the named definitions in the schema are, for messages about pattern and length errors;
 * `why` says what exactly is wrong when a pattern alone cannot.
 */
const DEFINITION_MESSAGES: Record<string, { code: ErrorCode; what: string; help: string; why?: (value: string) => string[] }> = {
  dnsLabel: {
    code: 'schema_invalid_name',
    what: 'is not a valid name',
    help: "names are DNS-1123 labels: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. `na-1`)",
  },
  labelKey: {
    code: 'schema_invalid_label',
    what: 'is not a valid label key',
    help: "label keys are an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.' (e.g. `example.com/tier`)",
  },
  labelValue: {
    code: 'schema_invalid_label',
    what: 'is not a valid label value',
    help: "label values are at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
  },
  quantity: {
    code: 'schema_invalid_quantity',
    what: 'is not a valid quantity',
    help: 'quantities look like `250m`, `2`, `512Mi` or `1.5Gi`',
  },
  duration: {
    code: 'schema_invalid_duration',
    what: 'is not a valid duration',
    help: 'durations look like `500ms`, `2s`, `1m` or `1h30m`',
  },
  cidr: { code: 'schema_invalid_cidr', what: 'is not a valid CIDR', help: 'CIDRs look like `10.10.0.0/16` or `fd00::/48`' },
  // The code predates the schema's check (it was a semantic rule); codes are stable.
  portName: { code: 'spec_invalid_port_name', what: 'is not a valid port name in Kubernetes', help: PORT_NAME_HELP, why: portNameProblems },
};

const TRAFFIC_SOURCE_SHAPES = '`<app name>`, `{ ingress: <gateway> }` or `{ apps: <selector> }`';

/** Maps ajv's errors for one document to located diagnostics, collapsing cascades. */
export function schemaFindings(errors: readonly ErrorObject[], root: unknown, source: SourceDocument): SchemaFinding[] {
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.schemaPath);
  const findings: SchemaFinding[] = [];
  for (const error of errors) {
    // Branch errors inside a failed oneOf are noise; the oneOf error itself says what was expected.
    if (error.keyword !== 'oneOf' && oneOfPaths.some((p) => error.schemaPath.startsWith(`${p}/`))) continue;
    // propertyNames reports twice: the inner pattern error (with propertyName) carries the detail.
    if (error.keyword === 'propertyNames') continue;
    const finding = toFinding(error, root, source);
    if (finding) findings.push(finding);
  }
  return findings;
}

function toFinding(error: ErrorObject, root: unknown, source: SourceDocument): SchemaFinding | undefined {
  const path = fromJsonPointer(error.instancePath);
  const where = specPath(root, path) || 'the document';
  const valueSpan = (): Span => spanAtPath(source, path, 'value');
  const finding = (code: ErrorCode, message: string, span: Span, breaksShape: boolean, help: string[] = []): SchemaFinding => ({
    diagnostic: { code, severity: 'error', message, span, help },
    path,
    breaksShape,
  });
  const params = error.params as Record<string, unknown>;

  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      const span = spanAtPath(source, [...path, field], 'key');
      return finding('schema_unknown_field', `unknown field \`${field}\` in ${where}`, span, false, [
        ...didYouMean(field, known),
        // Every known field, however many (an app has 27): the list is the quickest way to see the right name.
        ...(known.length > 0 ? [`known fields: ${known.join(', ')}`] : []),
      ]);
    }
    case 'required': {
      const field = String(params.missingProperty);
      return finding('schema_missing_field', `${where} is missing the required field \`${field}\``, valueSpan(), true, [`add \`${field}:\``]);
    }
    case 'type': {
      const expected = String(params.type).replace(',', ' or ');
      const actual = describeType(error.data);
      const help =
        /string/.test(expected) && (actual === 'a number' || actual === 'a boolean')
          ? [`quote it: \`"${String(error.data)}"\``]
          : expected === 'integer' && typeof error.data === 'string' && /^[0-9]+$/.test(error.data)
            ? [`remove the quotes: \`${error.data}\``]
            : [];
      return finding('schema_wrong_type', `${where} must be ${article(expected)}, not ${actual}`, valueSpan(), true, help);
    }
    case 'const':
    case 'enum': {
      const allowed = error.keyword === 'const' ? [String(params.allowedValue)] : (params.allowedValues as unknown[]).map(String);
      const got = JSON.stringify(error.data);
      const field = path[path.length - 1];
      if (path.length === 1 && field === 'apiVersion') {
        return finding('spec_unknown_api_version', `unknown apiVersion ${got}: fleet reads \`fleet/v1alpha1\``, valueSpan(), true, ['write `apiVersion: fleet/v1alpha1`']);
      }
      if (path.length === 1 && field === 'kind') {
        return finding('spec_unknown_kind', `unknown kind ${got}: a fleet spec has \`kind: Fleet\``, valueSpan(), true, ['write `kind: Fleet`']);
      }
      return finding(
        'schema_invalid_value',
        `${where} must be ${allowed
          .map((a) => `\`${a}\``)
          .join(', ')
          .replace(/, ([^,]*)$/, ' or $1')}, not ${got}`,
        valueSpan(),
        false,
        didYouMean(String(error.data), allowed),
      );
    }
    case 'pattern':
    case 'maxLength':
    case 'minLength': {
      const definition = /#\/definitions\/(\w+)\//.exec(error.schemaPath)?.[1];
      const known = definition ? DEFINITION_MESSAGES[definition] : undefined;
      // ajv puts the offending key of a propertyNames failure on the error itself.
      const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
      const subject = propertyName ?? (error.data as string);
      const span = propertyName !== undefined ? spanAtPath(source, [...path, propertyName], 'key') : valueSpan();
      if (known) {
        const why = known.why?.(subject) ?? [];
        return finding(known.code, `${JSON.stringify(subject)} ${known.what} (${where})${why.length ? `: it ${why.join(', and ')}` : ''}`, span, false, [known.help]);
      }
      if (error.keyword === 'minLength') return finding('schema_invalid_value', `${where} must not be empty`, span, false);
      if (propertyName !== undefined) return finding('schema_invalid_value', `${JSON.stringify(propertyName)} is not allowed as a key in ${where}`, span, false);
      return finding('schema_invalid_value', `${JSON.stringify(subject)} is not valid for ${where}`, span, false, describePattern(error.schemaPath));
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return finding('schema_out_of_range', `${where} must be ${params.comparison} ${params.limit}, not ${JSON.stringify(error.data)}`, valueSpan(), false);
    case 'minItems':
      return finding('schema_too_few_items', `${where} needs at least ${params.limit} item(s)`, valueSpan(), false);
    case 'minProperties':
    case 'maxProperties':
      return finding('schema_invalid_value', `${where} needs exactly one of \`exact\`, \`prefix\` or \`regex\``, valueSpan(), false);
    case 'oneOf': {
      const item = error.data;
      const keys = item !== null && typeof item === 'object' ? Object.keys(item) : [];
      const hint = keys.length === 1 ? didYouMean(keys[0], ['ingress', 'apps']) : [];
      return finding('schema_invalid_value', `${where} must be ${TRAFFIC_SOURCE_SHAPES}`, valueSpan(), true, hint);
    }
    default:
      return finding('schema_invalid_value', `${where} ${error.message ?? 'is not valid'}`, valueSpan(), true);
  }
}

function describePattern(schemaPath: string): string[] {
  if (schemaPath.includes('/spread/')) return ['`by` is `cluster`, `region`, `zone`, `provider` or `label:<key>`'];
  if (schemaPath.includes('resourceList')) return ['resource names are `cpu`, `memory`, `ephemeral-storage` or `<domain>/<name>`'];
  if (schemaPath.includes('/env/')) return ['environment variable names are letters, digits, `_`, `-` and `.`, not starting with a digit'];
  return [];
}

function describeType(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'number') return Number.isInteger(value) ? 'a number' : `a number (${value})`;
  return `a ${typeof value}`;
}

function article(type: string): string {
  const words: Record<string, string> = { object: 'a mapping', array: 'a list', integer: 'an integer', string: 'a string', number: 'a number', boolean: 'true or false' };
  return type
    .split(' or ')
    .map((t) => words[t] ?? t)
    .join(' or ');
}
