import { createHash } from 'node:crypto';
import { countByLevel, hasErrors, type Finding } from '../../core/lint/index.js';
import type { Octokit, RepoId } from '../github/octokit.js';
import { code, marker, table, text } from '../../core/markdown.js';

export const FINDINGS_CHECK = 'repro-pins/findings';

// https://docs.github.com/rest/checks/runs#update-a-check-run: "The Checks API limits the number
// of annotations to a maximum of 50 per API request"; more go in further updates, which append.
const ANNOTATIONS_PER_REQUEST = 50;
// Check run output text is capped at 65535 characters; the table stops well before.
const SUMMARY_ROWS = 100;

const annotationLevel = { error: 'failure', warning: 'warning', info: 'notice' } as const;

/** The check run's conclusion: errors fail it, anything else is only worth a look. */
function conclusionOf(findings: readonly Finding[]): 'success' | 'neutral' | 'failure' {
  if (hasErrors(findings)) return 'failure';
  return findings.length > 0 ? 'neutral' : 'success';
}

export function renderFindingsSummary(findings: readonly Finding[]): { title: string; summary: string } {
  const counts = countByLevel(findings);
  const title = findings.length === 0 ? 'No reproducibility findings' : `${counts.error} errors, ${counts.warning} warnings, ${counts.info} notes`;
  if (findings.length === 0) return { title, summary: 'Every build input is pinned and no build step was found that would make two builds differ.' };
  const rows = findings.slice(0, SUMMARY_ROWS).map((f) => [code(`${f.file}:${f.line}`), f.level, code(f.rule), text(f.message), text(f.fix)]);
  const more = findings.length > SUMMARY_ROWS ? `\n\n…and ${findings.length - SUMMARY_ROWS} more (annotations list them all).` : '';
  return { title, summary: `${table(['Where', 'Level', 'Rule', 'Finding', 'Fix'], rows)}${more}` };
}

/**
 * Publishes the findings of one commit as the `repro-pins/findings` check run, with one
 * annotation per finding at its file and line. A commit that already carries the same findings
 * (found by a fingerprint in the summary) gets no new check run, so rescans stay quiet.
 */
export async function publishFindings(octokit: Octokit, repo: RepoId, headSha: string, findings: readonly Finding[]): Promise<'created' | 'unchanged'> {
  const fingerprint = createHash('sha256').update(JSON.stringify(findings)).digest('hex');
  const { data: existing } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { ...repo, ref: headSha, check_name: FINDINGS_CHECK, filter: 'latest', per_page: 1 });
  if (existing.check_runs.some((run) => run.output.summary?.includes(marker('findings', fingerprint)))) return 'unchanged';

  const { title, summary } = renderFindingsSummary(findings);
  const output = (annotations: readonly Finding[]) => ({
    title,
    summary: `${summary}\n\n${marker('findings', fingerprint)}`,
    annotations: annotations.map((f) => ({
      path: f.file,
      start_line: f.line,
      end_line: f.line,
      annotation_level: annotationLevel[f.level],
      title: f.rule,
      message: `${f.message}\nFix: ${f.fix}`,
    })),
  });
  const batches: Finding[][] = [];
  for (let i = 0; i < findings.length; i += ANNOTATIONS_PER_REQUEST) batches.push(findings.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const { data: run } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
    ...repo,
    name: FINDINGS_CHECK,
    head_sha: headSha,
    status: 'completed',
    conclusion: conclusionOf(findings),
    output: output(batches[0] ?? []),
  });
  for (const batch of batches.slice(1)) {
    await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { ...repo, check_run_id: run.id, output: output(batch) });
  }
  return 'created';
}
