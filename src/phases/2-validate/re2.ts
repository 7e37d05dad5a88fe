/**
 * Whether a regular expression is one Istio accepts and Envoy can run. Istio matches with RE2
 * (virtual_service.proto, StringMatch.regex: "RE2 style regex-based match,
 * https://github.com/google/re2/wiki/Syntax"), and its validation (pkg/config/validation,
 * validateStringRegexp) refuses an empty regex, one longer than 1024 characters, and one Go's
 * regexp package (RE2 syntax) cannot compile: an API server with Istio's webhook rejects the whole
 * VirtualService, and without it Envoy rejects the route.
 *
 * fleet cannot run Go's parser, so it checks in two steps: the constructs RE2 lacks, which
 * JavaScript would accept (lookaround, backreferences, atomic groups, possessive quantifiers,
 * escapes RE2 does not know, repeat counts over 1000); then the syntax, by compiling with
 * JavaScript's RegExp after translating RE2's own syntax (`(?P<name>`, inline flags, `\A`, `\z`,
 * `\Q…\E`). Unbalanced parentheses, nothing to repeat and reversed ranges are found by the second.
 */
export const MAX_REGEX_LENGTH = 1024;

/** Letters RE2 (as Go parses it) accepts after `\`: escapes, classes, assertions, Unicode classes, hex, `\Q…\E`. */
const RE2_ESCAPE_LETTERS: ReadonlySet<string> = new Set([...'afnrtvxAbBzdDsSwWpPQE']);

/** What is wrong with `pattern` as an RE2 regex, or undefined. */
export function re2Problem(pattern: string): string | undefined {
  if (pattern === '') return 'is empty';
  if (pattern.length > MAX_REGEX_LENGTH) return `is ${pattern.length} characters long; Istio accepts at most ${MAX_REGEX_LENGTH}`;
  return unsupported(pattern) ?? syntaxProblem(pattern);
}

function unsupported(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        i = end === -1 ? pattern.length : end + 1;
        continue;
      }
      if (/[1-9]/.test(next) && !(/[1-7]/.test(next) && /[0-7]/.test(pattern[i + 2] ?? ''))) return `uses a backreference (\`\\${next}\`), which RE2 does not support`;
      if (next === 'k' && pattern[i + 2] === '<') return 'uses a named backreference (`\\k<…>`), which RE2 does not support';
      if (/[A-Za-z]/.test(next) && !RE2_ESCAPE_LETTERS.has(next)) return `uses the escape \`\\${next}\`, which RE2 does not know`;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++; // a `]` first in a class is a literal
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!')) return `uses a lookahead (\`(?${rest[0]}\`), which RE2 does not support`;
      if (rest === '<=' || rest === '<!') return `uses a lookbehind (\`(?${rest}\`), which RE2 does not support`;
      if (rest.startsWith('>')) return 'uses an atomic group (`(?>`), which RE2 does not support';
    }
    if ((c === '*' || c === '+' || c === '?' || c === '}') && pattern[i + 1] === '+') return `uses a possessive quantifier (\`${c}+\`), which RE2 does not support`;
    if (c === '{') {
      const count = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i));
      if (count && [count[1], count[2]].some((n) => n !== undefined && n !== '' && Number(n) > 1000)) return `repeats more than 1000 times (\`${count[0]}\`), more than RE2 allows`;
    }
  }
  return undefined;
}

/** Compiles an RE2 pattern as JavaScript, after translating what RE2 writes differently; the error in words. */
function syntaxProblem(pattern: string): string | undefined {
  const translated = pattern
    .replace(/\\Q(.*?)(?:\\E|$)/gs, (_, literal: string) => literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .replace(/\(\?P</g, '(?<')
    .replace(/\(\?[imsU-]+\)/g, '')
    .replace(/\(\?[imsU-]+:/g, '(?:')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$');
  try {
    new RegExp(translated);
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    return `does not compile: ${message.slice(message.lastIndexOf(': ') + 2).toLowerCase()}`;
  }
}
