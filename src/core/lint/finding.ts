import type { RuleId } from './rule-ids.js';

/** How serious a finding is; `scan` exits 1 when one is at `error`. */
export const FINDING_LEVELS = ['info', 'warning', 'error'] as const;
export type FindingLevel = (typeof FINDING_LEVELS)[number];

/** What config `rules:` may set a rule to. */
export type RuleLevel = FindingLevel | 'off';

/** One reproducibility finding: the `scan --json` shape (design, "scan --json contract"). */
export interface Finding {
  rule: RuleId;
  level: FindingLevel;
  /** Repository-relative, `/`-separated path. */
  file: string;
  /** 1-based line the finding is about (where a `# repro-pins: ignore` comment silences it). */
  line: number;
  /** What is wrong, naming the dependency or command. */
  message: string;
  /** What to write instead. */
  fix: string;
}

/** The lower of two levels: a rule configured at `error` still reports some findings at `warning` at most. */
export function lowerLevel(a: FindingLevel, b: FindingLevel): FindingLevel {
  return FINDING_LEVELS.indexOf(a) <= FINDING_LEVELS.indexOf(b) ? a : b;
}

/** `Dockerfile:3: error: image-not-pinned: …`, the one-line form the CLI prints. */
export function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line}: ${finding.level}: ${finding.rule}: ${finding.message}`;
}
