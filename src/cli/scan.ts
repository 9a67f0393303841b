import { formatProblem, type DependencyRef } from '../core/reference.js';
import { countByLevel, formatFinding, hasErrors, lintFiles } from '../core/lint/index.js';
import type { CliIo } from './main.js';
import { readLintFiles, scanDirectory } from './repo-context.js';

/** The reference fields of `scan --json`, as the design fixes them, plus why a reference was skipped. */
export function referenceJson(ref: DependencyRef) {
  return { file: ref.file, line: ref.line, manager: ref.manager, name: ref.name, value: ref.value, digest: ref.digest, pinned: ref.pinned, skipped: ref.skipped };
}

function describe(ref: DependencyRef): string {
  const written = `${ref.name}${ref.value === null ? '' : `:${ref.value}`}${ref.digest === null ? '' : `@${ref.digest}`}`;
  const state = ref.skipped !== null ? `skipped: ${ref.skipped}` : ref.pinned ? 'pinned' : 'not pinned';
  return `${ref.file}:${ref.line}\t${ref.manager}\t${written}\t${state}`;
}

/** Exit 1 when a file could not be read or parsed, or a finding is at level error; else 0. */
export async function runScan(dir: string, options: { json: boolean }, io: CliIo): Promise<number> {
  const scan = await scanDirectory(dir, null);
  const findings = lintFiles(await readLintFiles(scan), scan.refs, scan.config);
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ references: scan.refs.map(referenceJson), findings, errors: scan.problems }, null, 2)}\n`);
  } else {
    for (const ref of scan.refs) io.stdout.write(`${describe(ref)}\n`);
    for (const finding of findings) io.stdout.write(`${formatFinding(finding)}\n  fix: ${finding.fix}\n`);
    for (const problem of scan.problems) io.stderr.write(`error: ${formatProblem(problem)}\n`);
    const unpinned = scan.refs.filter((r) => !r.pinned && r.skipped === null).length;
    const counts = countByLevel(findings);
    io.stderr.write(
      `${scan.refs.length} references in ${new Set(scan.refs.map((r) => r.file)).size} files, ${unpinned} not pinned; ` +
        `${findings.length} findings (${counts.error} error, ${counts.warning} warning, ${counts.info} info)\n`,
    );
  }
  return scan.problems.length > 0 || hasErrors(findings) ? 1 : 0;
}
