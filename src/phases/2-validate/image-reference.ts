/**
 * Container image references as the container runtimes parse them: the grammar of
 * github.com/distribution/reference (regexp.go, v0.6), which containerd and CRI-O use. A reference
 * the kubelet cannot parse leaves the pod in `InvalidImageName` (the API server itself checks only
 * that the image is not blank), so fleet refuses it before anything is rendered.
 *
 *     reference       := name [ ":" tag ] [ "@" digest ]
 *     name            := [ domain "/" ] path-component ( "/" path-component )*      (at most 255 characters)
 *     domain          := host [ ":" port ]         host := domain-name | "[" IPv6 "]"
 *     path-component  := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
 *     tag             := [\w][\w.-]{0,127}
 *     digest          := algorithm ":" hex         (sha256: exactly 64 lower-case hex digits, per go-digest)
 */
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
export const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** distribution/reference NameTotalLengthMax. */
const NAME_MAX = 255;

export interface ImageReference {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** The parts of a valid reference, or what is wrong with it, in words for a message. */
export function parseImageReference(image: string): ImageReference | { readonly problem: string } {
  const bad = /[^\x21-\x7e]/.exec(image) ?? /[^A-Za-z0-9._\-/:@[\]]/.exec(image);
  if (bad) return { problem: `it holds ${describe(bad[0])}, which no image reference can` };
  const at = image.indexOf('@');
  const beforeDigest = at === -1 ? image : image.slice(0, at);
  const digest = at === -1 ? undefined : image.slice(at + 1);
  // A tag follows the last `:` after the last `/` (a `:` before it is the registry's port).
  const colon = beforeDigest.lastIndexOf(':');
  const hasTag = colon > beforeDigest.lastIndexOf('/');
  const name = hasTag ? beforeDigest.slice(0, colon) : beforeDigest;
  const tag = hasTag ? beforeDigest.slice(colon + 1) : undefined;
  if (name === '') return { problem: 'it has no repository name' };
  if (name.length > NAME_MAX) return { problem: `the repository name is ${name.length} characters long, more than ${NAME_MAX}` };
  if (!NAME.test(name)) {
    const path = name.includes('/') && looksLikeDomain(name.slice(0, name.indexOf('/'))) ? name.slice(name.indexOf('/') + 1) : name;
    if (path !== path.toLowerCase() && NAME.test(name.replace(path, path.toLowerCase()))) return { problem: 'the repository path must be lower-case' };
    return { problem: 'the repository name is not of the form `[registry/]path` (lower-case letters, digits, and `.`, `_`, `__` or `-` between them)' };
  }
  if (tag !== undefined && !TAG.test(tag)) return { problem: `the tag \`${tag}\` is not 1 to 128 letters, digits, \`_\`, \`.\` or \`-\` (not starting with \`.\` or \`-\`)` };
  if (digest !== undefined) {
    const digestProblem = checkDigest(digest);
    if (digestProblem) return { problem: digestProblem };
  }
  return { name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

function checkDigest(digest: string): string | undefined {
  if (!DIGEST.test(digest)) return `the digest \`${digest}\` is not \`<algorithm>:<hex>\` (e.g. \`sha256:\` and 64 hex digits)`;
  const [algorithm, hex] = digest.split(':');
  // go-digest: sha256, sha384 and sha512 have a fixed length of lower-case hex.
  const lengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
  const length = lengths[algorithm];
  if (length !== undefined && !new RegExp(`^[a-f0-9]{${length}}$`).test(hex)) return `a ${algorithm} digest is exactly ${length} lower-case hex digits`;
  return undefined;
}

function looksLikeDomain(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

function describe(character: string): string {
  if (character === ' ') return 'a space';
  const code = character.codePointAt(0)!;
  return code < 0x20 || code === 0x7f ? `a control character (U+${code.toString(16).toUpperCase().padStart(4, '0')})` : `\`${character}\``;
}

/** A registry as an image override gives it (`europe-docker.pkg.dev/acme`): valid when `<registry>/<name>` is a valid name. */
export function registryProblem(registry: string): string | undefined {
  const composed = parseImageReference(`${registry.replace(/\/+$/, '')}/x`);
  return 'problem' in composed ? composed.problem.replace('repository name', 'registry') : undefined;
}
