import { defaultConfig, type RepoConfig } from '../config.js';
import type { Finding, RuleLevel } from './finding.js';
import { lintSources } from './index.js';
import type { RuleId } from './rule-ids.js';

/**
 * What the rule tests share: lint one or more in-memory files the way `scan` does, and read
 * back one rule's findings as lines. Kept beside the rules so each spec reads as its rule's cases.
 */
export function lint(files: Record<string, string>, rules: Partial<Record<RuleId, RuleLevel>> = {}, config: Partial<RepoConfig> = {}): Finding[] {
  return lintSources(
    Object.entries(files).map(([path, text]) => ({ path, text })),
    { ...defaultConfig, ...config, rules },
  );
}

/** The lines one rule reports in a single file. */
export function linesOf(rule: RuleId, path: string, text: string, config: Partial<RepoConfig> = {}): number[] {
  return lint({ [path]: text }, {}, config)
    .filter((f) => f.rule === rule)
    .map((f) => f.line);
}

/** One rule's findings in a single file. */
export function findingsOf(rule: RuleId, path: string, text: string): Finding[] {
  return lint({ [path]: text }).filter((f) => f.rule === rule);
}

export const lines = (...text: string[]) => `${text.join('\n')}\n`;
