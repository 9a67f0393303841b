import type { RepoConfig } from '../config.js';
import { lineAt, type DependencyRef, type SourceFile } from '../reference.js';
import type { FindingLevel } from './finding.js';
import type { RuleId } from './rule-ids.js';
import type { DockerfileView } from './sources/dockerfile.js';
import type { LintFileKind } from './sources/files.js';
import type { ShellScript, ShellStep } from './sources/shell-script.js';

/**
 * One reproducibility rule: a pure check of one file. Every rule reads the same prepared
 * target, so no rule parses a Dockerfile, a workflow or shell text itself.
 */
export interface Rule {
  id: RuleId;
  /** The level the design's table gives it; config `rules:` may change it. */
  level: FindingLevel;
  /** What it finds, in the table's words. */
  finds: string;
  check(target: LintTarget): RuleHit[];
}

/** What a rule reports; `lintFiles` adds the rule id, the level and the file. */
export interface RuleHit {
  line: number;
  message: string;
  fix: string;
  /** The highest level this hit may have, whatever the rule's level (an input only known at build time). */
  atMost?: FindingLevel;
}

/** One file, read once for every rule. */
export interface LintTarget {
  file: SourceFile;
  kind: LintFileKind | null;
  /** The references the managers extracted from this file (after `ignoreDeps`). */
  refs: readonly DependencyRef[];
  /** Every shell program of the file: Dockerfile RUNs, workflow `run:` steps, or the script itself. */
  scripts: readonly ShellScript[];
  dockerfile: DockerfileView | null;
  config: RepoConfig;
}

/** The 1-based line of a file offset. */
export function lineOf(target: LintTarget, offset: number): number {
  return lineAt(target.file.text, Math.max(0, offset));
}

/**
 * Every command of every shell program of the file, with the program it belongs to. Listed once
 * per target and shared by the rules (read-only): each rule listing them again made a million
 * short-lived objects on a 1 MiB Dockerfile of RUN lines, and the GC most of the run time.
 */
export function everyStep(target: LintTarget): readonly { script: ShellScript; step: ShellStep }[] {
  let steps = stepsOfTarget.get(target);
  if (!steps) {
    steps = [];
    for (const script of target.scripts) for (const step of script.steps) steps.push({ script, step });
    stepsOfTarget.set(target, steps);
  }
  return steps;
}

const stepsOfTarget = new WeakMap<LintTarget, { script: ShellScript; step: ShellStep }[]>();

/** The hits of a rule that looks at one shell command at a time: `read` gives a hit for a command, or null. */
export function eachCommand(target: LintTarget, read: (step: ShellStep) => Omit<RuleHit, 'line'> | null): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const { step } of everyStep(target)) {
    const hit = read(step);
    if (!hit) continue;
    // Field by field: a spread gives each hit a hidden class of its own on Node 20 (issue 10).
    const found: RuleHit = { line: lineOf(target, step.at), message: hit.message, fix: hit.fix };
    if (hit.atMost) found.atMost = hit.atMost;
    hits.push(found);
  }
  return hits;
}
