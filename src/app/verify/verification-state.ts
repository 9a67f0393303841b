import { z } from 'zod';
import { WORKFLOW_PATH } from '../scan/onboarding.js';
import { code, marker, text } from '../../core/markdown.js';
import { CONFIG_PATH } from '../../core/config.js';

/**
 * Where the twice-build gate stands for a pin PR's head commit. The PR body shows it on its
 * `**Verification:**` line, with a hidden marker the App reads back (a scan keeps the line of an
 * unchanged PR as the last verdict left it, and notices a pending request that never answered).
 */
export type VerificationState =
  | { state: 'pending'; sha: string; request: string; since: string }
  | { state: 'reproducible'; sha: string; images: Array<{ name: string; digest: string }>; runUrl: string }
  | { state: 'not-reproducible'; sha: string; images: string[]; runUrl: string }
  /** `reason` is plain text (it may quote outside text: error messages, artifact entries); it is escaped when shown. */
  | { state: 'error'; sha: string; reason: string; runUrl: string | null }
  | { state: 'needs-onboarding'; sha: string }
  | { state: 'nothing-to-build'; sha: string }
  | { state: 'foreign-commit'; sha: string; pusher: string };

const recordedSchema = z.object({
  state: z.string(),
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  request: z.string().optional(),
  since: z.string().optional(),
});

/** What the hidden marker records: enough to find a request that outlived its deadline. */
export type RecordedVerification = z.infer<typeof recordedSchema>;

const LINE = /^\*\*Verification:\*\* .*$/m;
const MARKER = /<!-- repro-pins:verification (\{[^\n]*?\}) -->/;

const short = (sha: string) => code(sha.slice(0, 12));

function describe(v: VerificationState): string {
  switch (v.state) {
    case 'pending':
      return `pending: building ${short(v.sha)} twice on GitHub Actions (request ${code(v.request)}, since ${v.since}).`;
    case 'reproducible':
      return v.images.length === 1
        ? `reproducible: both builds of ${short(v.sha)} are image ${code(v.images[0]!.digest)} ([run](${v.runUrl})).`
        : `reproducible: both builds of ${short(v.sha)} give the same images: ${v.images.map((i) => `${code(i.name)} ${code(i.digest)}`).join(', ')} ([run](${v.runUrl})).`;
    case 'not-reproducible':
      return `not reproducible: the two builds of ${short(v.sha)} differ (${v.images.map(code).join(', ')}); the diagnosis is in the comments ([run](${v.runUrl})).`;
    case 'error':
      return `error: ${text(v.reason)}${v.runUrl ? ` ([run](${v.runUrl}))` : ''} Comment \`/repro recheck\` to try again.`;
    case 'needs-onboarding':
      return `not verified: the twice-build workflow ${code(WORKFLOW_PATH)} is not on the default branch yet. Merge the onboarding PR; the next scan then rebuilds this PR on it and verifies it.`;
    case 'nothing-to-build':
      return `not verified: there is no image to build (no Dockerfile at the repository root and no \`verify:\` list in ${code(CONFIG_PATH)}).`;
    case 'foreign-commit':
      return `not verified: ${short(v.sha)} was pushed by @${v.pusher}, and repro-pins verifies only its own commits. Comment \`/repro rebase\` to replace the branch with fresh pins.`;
  }
}

/** The text after `**Verification:**`, ending in the hidden marker. */
export function renderVerification(v: VerificationState): string {
  const recorded: RecordedVerification = { state: v.state, sha: v.sha, ...(v.state === 'pending' ? { request: v.request, since: v.since } : {}) };
  return `${describe(v)} ${marker('verification', JSON.stringify(recorded))}`;
}

/** The verification text of a PR body as it stands (null when the body has no such line). */
export function verificationText(body: string): string | null {
  return LINE.exec(body)?.[0].replace(/^\*\*Verification:\*\* /, '') ?? null;
}

export function readVerification(body: string): RecordedVerification | null {
  const json = MARKER.exec(verificationText(body) ?? '')?.[1];
  if (!json) return null;
  try {
    const parsed = recordedSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The body with its verification line replaced (or added, when someone removed it). */
export function withVerification(body: string, v: VerificationState): string {
  const line = `**Verification:** ${renderVerification(v)}`;
  return LINE.test(body) ? body.replace(LINE, () => line) : `${body}\n\n${line}`;
}
