import type { Octokit, RepoId } from '../github/octokit.js';
import { code, marker } from '../../core/markdown.js';

/** The one comment per pin PR that explains the newest verdict; found again by this marker and its bot author. */
export const DIAGNOSIS_MARKER = marker('diagnosis');

/** GitHub refuses comments above 65,536 characters. */
const COMMENT_LIMIT = 60_000;

export interface DiagnosisSection {
  name: string;
  markdown: string;
}

export type DiagnosisContent =
  | { kind: 'reproducible'; images: Array<{ name: string; digest: string }> }
  | { kind: 'not-reproducible'; sections: DiagnosisSection[] }
  | { kind: 'error'; message: string };

export function renderDiagnosisComment(sha: string, runUrl: string, content: DiagnosisContent): string {
  const head = (verdict: string) => `${DIAGNOSIS_MARKER}\n**repro-pins twice-build of ${code(sha.slice(0, 12))}: ${verdict}** ([run](${runUrl}), \`repro-build-1\` against \`repro-build-2\`)`;
  let body: string;
  switch (content.kind) {
    case 'reproducible':
      body = [head('reproducible'), '', 'Both builds give the same images:', '', ...content.images.map((i) => `- ${code(i.name)}: ${code(i.digest)}`)].join('\n');
      break;
    case 'not-reproducible':
      body = [head('not reproducible'), ...content.sections.flatMap((s) => ['', `## ${code(s.name)}`, '', s.markdown.trimEnd()])].join('\n');
      break;
    case 'error':
      body = [
        head('error'),
        '',
        content.message,
        '',
        'repro-pins checks every blob of both builds itself; builds it cannot check count as an error, never as reproducible.',
      ].join('\n');
      break;
  }
  if (body.length <= COMMENT_LIMIT) return body;
  return `${body.slice(0, COMMENT_LIMIT)}\n\n… (cut here: run \`repro-pins verify repro-build-1 repro-build-2\` on the two artifacts for the whole diagnosis)`;
}

/**
 * Posts the diagnosis comment, or edits the App's existing one in place. With `onlyUpdate`, a PR
 * that never had one gets none (a success needs no comment, but it corrects an old diagnosis).
 */
export async function writeDiagnosisComment(octokit: Octokit, repo: RepoId, issueNumber: number, botLogin: string, body: string, onlyUpdate = false): Promise<void> {
  const comments = await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issueNumber, per_page: 100 });
  const existing = comments.find((c) => c.user?.login === botLogin && c.body?.includes(DIAGNOSIS_MARKER));
  if (existing) {
    if (existing.body !== body) await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: existing.id, body });
    return;
  }
  if (!onlyUpdate) await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issueNumber, body });
}
