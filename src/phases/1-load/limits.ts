/**
 * Limits on spec input, so hostile or broken files are refused quickly with a clear message
 * instead of exhausting memory. Generous for real fleets (thousands of apps).
 */
export const LIMITS = {
  /** Bytes per spec file. A 3,000-app spec is about 1 MiB. */
  maxFileBytes: 32 * 1024 * 1024,
  /** Spec files in one folder. */
  maxFiles: 10_000,
  /** Alias references per document (guards against "billion laughs"). */
  maxAliasCount: 1_000,
  /** Nesting depth of collections. The deepest legitimate spec path is about 10 levels. */
  maxDepth: 64,
} as const;
