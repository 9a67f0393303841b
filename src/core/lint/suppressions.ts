import { parseDockerfile } from '../managers/dockerfile/instructions.js';
import type { SourceFile } from '../reference.js';

/**
 * `# repro-pins: ignore <rule>[,<rule>…]` at the end of a line silences those rules on that
 * line. A line continued with `\` (or a Dockerfile's `# escape=` character) cannot end in a
 * comment, so a comment covers every line joined to it by continuations: put it on the last
 * line of a multi-line RUN or command, or on a comment line inside a Dockerfile instruction.
 */
const IGNORE = /#\s*repro-pins:\s*ignore\s+([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)/g;

export type Suppressed = (line: number, rule: string) => boolean;

export function suppressions(file: SourceFile, dockerfile: boolean): Suppressed {
  if (!file.text.includes('repro-pins:')) return () => false;
  const lines = file.text.split('\n').map((line) => line.replace(/\r$/, ''));
  const escape = dockerfile ? parseDockerfile(file.text).escape : '\\';
  // group[i]: the first line of the run of continued lines that line i belongs to.
  const group: number[] = [];
  let continued = false;
  lines.forEach((line, i) => {
    const comment = dockerfile && /^\s*#/.test(line);
    group.push(continued ? group[i - 1]! : i);
    // In a Dockerfile, comment lines inside an instruction neither end nor extend it.
    if (!(continued && comment)) continued = line.trimEnd().endsWith(escape);
  });
  const rules = new Map<number, Set<string>>();
  lines.forEach((line, i) => {
    for (const match of line.matchAll(IGNORE)) {
      const set = rules.get(group[i]!) ?? new Set<string>();
      for (const rule of match[1]!.split(',')) set.add(rule.trim());
      rules.set(group[i]!, set);
    }
  });
  return (line, rule) => rules.get(group[line - 1] ?? -1)?.has(rule) ?? false;
}
