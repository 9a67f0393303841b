/**
 * The reproducibility rule ids, exactly as the design's "Reproducibility findings" table writes
 * them: they are part of the interface (config `rules:`, `# repro-pins: ignore` comments,
 * `scan --json`, check runs). This module imports nothing, so the config schema can check
 * `rules:` keys against it without an import cycle.
 */
export const RULE_IDS = [
  'image-not-pinned',
  'image-latest',
  'action-not-pinned',
  'pip-no-require-hashes',
  'requirements-not-hashed',
  'apk-not-pinned',
  'apt-not-pinned',
  'apt-no-snapshot',
  'npm-install',
  'go-install-unpinned',
  'go-build-flags',
  'pipe-to-shell',
  'add-url-no-checksum',
  'build-no-epoch',
  'build-no-rewrite-timestamp',
  'build-attestations',
  'unsorted-packages',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export function isRuleId(value: string): value is RuleId {
  return (RULE_IDS as readonly string[]).includes(value);
}
