import type { RepoConfig } from '../config.js';
import { managers } from '../managers/index.js';
import { extractReferences, selectFiles } from '../plan.js';
import type { DependencyRef, SourceFile } from '../reference.js';
import { FINDING_LEVELS, lowerLevel, type Finding, type FindingLevel, type RuleLevel } from './finding.js';
import { RULE_IDS, type RuleId } from './rule-ids.js';
import { rules } from './rules.js';
import { ignoredPaths, lintFileKind } from './sources/files.js';
import { lintTarget } from './sources/target.js';
import { suppressions } from './suppressions.js';

/**
 * The reproducibility findings engine, pure: the CLI and the App read the files, the managers
 * extract the references, and this turns both into findings.
 *
 *   const paths = selectLintFiles(allPaths, config);             // what to read (plus what managers read)
 *   const findings = lintFiles(files, refs, config);             // refs: extractReferences(...).refs
 */
export { RULE_IDS, isRuleId, type RuleId } from './rule-ids.js';
export { FINDING_LEVELS, formatFinding, type Finding, type FindingLevel, type RuleLevel } from './finding.js';
export { rules } from './rules.js';
export { selectLintFiles, isShellShebang, mayBeScript } from './sources/files.js';

/** The level a rule runs at under a config: its own, or what `rules:` says. */
export function ruleLevel(rule: RuleId, config: RepoConfig): RuleLevel {
  const configured = config.rules[rule];
  return configured === 'off' || configured === 'info' || configured === 'warning' || configured === 'error' ? configured : rules[rule].level;
}

/**
 * Every finding in the files, sorted by file, line and rule. `refs` are the managers'
 * references (pinned or not, skipped or not); files not in `files` still get their reference
 * findings, without suppression comments. Paths under `ignorePaths` give nothing. Never throws
 * on any file text.
 */
export function lintFiles(files: readonly SourceFile[], refs: readonly DependencyRef[], config: RepoConfig): Finding[] {
  const ignored = ignoredPaths(config);
  const byPath = new Map<string, SourceFile>();
  for (const file of files) if (!ignored(file.path)) byPath.set(file.path, file);
  const refsByPath = new Map<string, DependencyRef[]>();
  for (const ref of refs) {
    if (ignored(ref.file)) continue;
    const list = refsByPath.get(ref.file) ?? [];
    list.push(ref);
    refsByPath.set(ref.file, list);
  }
  const levels = RULE_IDS.map((id) => [id, ruleLevel(id, config)] as const).filter((entry): entry is readonly [RuleId, FindingLevel] => entry[1] !== 'off');
  const findings: Finding[] = [];
  for (const path of new Set([...byPath.keys(), ...refsByPath.keys()])) {
    const fileRefs = refsByPath.get(path) ?? [];
    const file = byPath.get(path) ?? { path, text: '' };
    // A file with no telling name is read only when its `#!` line names a shell.
    if (fileRefs.length === 0 && lintFileKind(file) === null) continue;
    const target = lintTarget(file, fileRefs, config);
    const suppressed = suppressions(file, target.kind === 'dockerfile');
    for (const [id, level] of levels) {
      for (const hit of rules[id].check(target)) {
        if (suppressed(hit.line, id)) continue;
        findings.push({ rule: id, level: hit.atMost ? lowerLevel(level, hit.atMost) : level, file: path, line: hit.line, message: hit.message, fix: hit.fix });
      }
    }
  }
  return dedupe(findings).sort(compareFindings);
}

/**
 * Findings for files whose references were not extracted yet: the managers' `extract` runs
 * first (as `scan` does), then `lintFiles`. `config.managers` and `ignoreDeps` apply as in a scan.
 */
export function lintSources(files: readonly SourceFile[], config: RepoConfig): Finding[] {
  const readers = selectFiles(files.map((f) => f.path), managers, config);
  return lintFiles(files, extractReferences([...files], readers, config).refs, config);
}

/** Whether any finding is at level `error` (the CLI then exits 1; the App fails its check run). */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.level === 'error');
}

/** How many findings there are at each level. */
export function countByLevel(findings: readonly Finding[]): Record<FindingLevel, number> {
  const counts = Object.fromEntries(FINDING_LEVELS.map((level) => [level, 0])) as Record<FindingLevel, number>;
  for (const finding of findings) counts[finding.level]++;
  return counts;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.file}\0${f.line}\0${f.rule}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  return RULE_IDS.indexOf(a.rule) - RULE_IDS.indexOf(b.rule);
}
