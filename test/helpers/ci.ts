/**
 * Whether the tests run in CI (CI set, as GitHub Actions and .ci/run have it): there, a check that
 * cannot run for want of something CI provides (../shared/schemas, a current dist/) fails rather
 * than skips.
 */
export const IN_CI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());
