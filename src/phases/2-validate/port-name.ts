/** At most this many characters (RFC 6335 §5.1). */
const MAX_LENGTH = 15;

/**
 * What is wrong with a port name, in words that follow "it ...", or [] when Kubernetes accepts it.
 *
 * Container and Service port names must be IANA service names; the API server checks them with
 * `IsValidPortName` (k8s.io/apimachinery/pkg/util/validation/validation.go), and so does this, check
 * by check: at most 15 characters, only `[-a-z0-9]`, at least one letter, no `--`, no `-` at either
 * end. (Kubernetes allows lower case only, though RFC 6335 itself is case-insensitive.)
 * schema/fleet.schema.json's `portName` pattern is the same rule, for editors; a test holds the two equal.
 */
export function portNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length > MAX_LENGTH) problems.push(`has ${name.length} characters (at most ${MAX_LENGTH})`);
  if (!/^[-a-z0-9]+$/.test(name)) problems.push(name === '' ? 'is empty' : "holds characters other than lower-case letters, digits and '-'");
  if (!/[a-z]/.test(name)) problems.push('has no letter');
  if (name.includes('--')) problems.push("has two '-' in a row");
  if (name.startsWith('-') || name.endsWith('-')) problems.push("starts or ends with '-'");
  return problems;
}

export const PORT_NAME_HELP = "port names are IANA service names: at most 15 lower-case letters, digits and '-', at least one letter, no '-' at either end and no '--' (e.g. `http`, `grpc-web`, `metrics`)";
