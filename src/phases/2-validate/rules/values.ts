import type { AppSpec, StringMatch } from '../../../model/spec.js';
import { DEFAULTS } from '../../3-resolve/defaults.js';
import { appMatches } from '../../3-resolve/selectors.js';
import { durationProblem } from '../duration.js';
import { parseImageReference, registryProblem, TAG } from '../image-reference.js';
import { re2Problem } from '../re2.js';
import type { Rule, RuleContext } from './rule.js';

/**
 * Values the schema lets through but that the cluster would refuse, or that would not do what
 * they say (docs/spec.md, "Values fleet checks"):
 *
 * - image references the container runtime cannot parse (image-reference.ts);
 * - an override's `tag` on an app whose image is pinned by digest: the rewrite drops the digest
 *   (workloads.ts, rewriteImage), silently swapping a pinned image for a mutable tag;
 * - durations longer than Go can hold, or (for Istio's fields) under 1ms or finer than 1ms (duration.ts);
 * - header and URI regexes Istio and Envoy refuse (re2.ts).
 */
export const values: Rule = (context) => {
  checkImages(context);
  checkDurations(context);
  checkRegexes(context);
};

function checkImages({ spec, sourceMap, diagnostics }: RuleContext): void {
  const image = (owner: object, field: string, value: unknown) => {
    if (typeof value !== 'string') return;
    const parsed = parseImageReference(value);
    if ('problem' in parsed) {
      diagnostics.error('spec_invalid_image', `${JSON.stringify(value)} is not an image reference: ${parsed.problem}`, sourceMap.valueSpan(owner, field), [
        'an image reference is `[registry/]path[:tag][@sha256:<64 hex digits>]`, e.g. `ghcr.io/acme/web:1.8.0`',
      ]);
    }
  };
  for (const app of spec.apps) {
    image(app, 'image', app.image);
    for (const version of app.versions ?? []) image(version, 'image', version.image);
  }
  for (const override of spec.overrides) {
    const change = override.image;
    if (!change) continue;
    if (typeof change.registry === 'string') {
      const problem = registryProblem(change.registry);
      if (problem)
        diagnostics.error('spec_invalid_image', `${JSON.stringify(change.registry)} is not a registry for an image reference: ${problem}`, sourceMap.valueSpan(change, 'registry'), [
          'a registry is a host with an optional port and path, e.g. `europe-docker.pkg.dev/acme`',
        ]);
    }
    if (typeof change.tag !== 'string') continue;
    if (!TAG.test(change.tag)) {
      diagnostics.error('spec_invalid_image', `${JSON.stringify(change.tag)} is not an image tag`, sourceMap.valueSpan(change, 'tag'), [
        'a tag is 1 to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-`',
      ]);
      continue;
    }
    for (const app of spec.apps.filter((a) => pinnedByDigest(a) && selects(override.apps, a))) {
      diagnostics.error(
        'spec_override_drops_digest',
        `override \`${override.name}\` sets tag \`${change.tag}\` on app \`${app.name}\`, whose image is pinned by digest (\`${app.image}\`): the new reference would drop the digest and run whatever the tag points to`,
        sourceMap.valueSpan(change, 'tag'),
        [`pin the image the clusters should run in the app itself, or leave \`${app.name}\` out of the override's \`apps\``],
      );
    }
  }
}

/** An override's `tag` rewrites the app's own image (workloads.ts, applyOverrides); a digest there is what it would drop. */
function pinnedByDigest(app: AppSpec): boolean {
  return typeof app.image === 'string' && app.image.includes('@');
}

function selects(selector: Parameters<typeof appMatches>[1] | undefined, app: AppSpec): boolean {
  if (!selector || typeof selector !== 'object') return false;
  return appMatches({ name: app.name, namespace: app.namespace ?? DEFAULTS.namespace(app.name), labels: app.labels ?? {} }, selector);
}

/**
 * Every field of the schema's `duration` definition (test/unit/validate/values.test.ts holds this
 * list to the schema), and whether Istio reads it (its 1ms floor and precision apply).
 */
export const DURATION_FIELDS = [
  { path: 'flux.interval', istio: false },
  { path: 'traffic[].timeout', istio: true },
  { path: 'traffic[].retries.perTryTimeout', istio: true },
  { path: 'traffic[].fault.delay.fixedDelay', istio: true },
  { path: 'traffic[].outlierDetection.interval', istio: true },
  { path: 'traffic[].outlierDetection.baseEjectionTime', istio: true },
] as const;

/** The schema's `duration` pattern (Kubernetes' and Flux's). */
const DURATION_FORM = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

function checkDurations({ spec, sourceMap, diagnostics }: RuleContext): void {
  const duration = (owner: object | undefined, field: string, istio: boolean) => {
    const value = owner && (owner as Record<string, unknown>)[field];
    // A value of the wrong form is the schema's to report (schema_invalid_duration).
    if (owner === undefined || typeof value !== 'string' || !DURATION_FORM.test(value)) return;
    const problem = durationProblem(value, istio);
    if (problem) {
      diagnostics.error('spec_duration_out_of_range', `\`${field}: ${value}\` ${problem}`, sourceMap.valueSpan(owner, field), [
        istio ? 'give a duration from `1ms` to `2562047h`, in whole milliseconds' : 'give a duration of at most `2562047h`',
      ]);
    }
  };
  duration(spec.flux, 'interval', false);
  for (const rule of spec.traffic) {
    duration(rule, 'timeout', true);
    duration(rule.retries, 'perTryTimeout', true);
    duration(rule.fault?.delay, 'fixedDelay', true);
    duration(rule.outlierDetection, 'interval', true);
    duration(rule.outlierDetection, 'baseEjectionTime', true);
  }
}

function checkRegexes({ spec, sourceMap, diagnostics }: RuleContext): void {
  const regex = (match: StringMatch | undefined, where: string) => {
    if (!match || typeof match.regex !== 'string') return;
    const problem = re2Problem(match.regex);
    if (problem) {
      diagnostics.error('traffic_invalid_regex', `the ${where} regex ${JSON.stringify(match.regex)} ${problem}`, sourceMap.valueSpan(match, 'regex'), [
        'Istio and Envoy match with RE2 (https://github.com/google/re2/wiki/Syntax): no lookaround or backreferences; or use `exact` or `prefix`',
      ]);
    }
  };
  for (const rule of spec.traffic) {
    for (const route of rule.match ?? []) {
      regex(route.uri, 'URI');
      for (const [header, match] of Object.entries(route.headers ?? {})) regex(match, `\`${header}\` header`);
    }
  }
}
