import { createHash } from 'node:crypto';
import { CONFIG_PATH } from '../../core/config.js';
import { commitToBranch, readBranchHead } from '../github/commits.js';
import { createPullRequest, findPullRequests } from '../github/pull-requests.js';
import { readSnapshot } from '../github/repo-snapshot.js';
import type { AppServices, RepoTarget } from './scan-repository.js';
import { branchOf } from './pin-groups.js';

export const ONBOARDING_BRANCH = branchOf('onboarding');
export const WORKFLOW_PATH = '.github/workflows/repro-verify.yml';

export type OnboardingOutcome = 'configured' | 'declined' | 'open' | 'opened';

/** The files the onboarding PR adds; the workflow's actions arrive pinned by the caller. */
export interface OnboardingFiles {
  config: string;
  workflow: string | null;
}

const ONBOARDING_BODY = [
  'Welcome to **repro-pins**. This PR adds:',
  '',
  `- \`${CONFIG_PATH}\`: the configuration, with every default written out as a comment;`,
  `- \`${WORKFLOW_PATH}\`: the twice-build workflow, which builds each image twice on different runners and uploads both builds for comparison.`,
  '',
  'What happens next:',
  '',
  '1. repro-pins opens draft PRs that pin every build input: base images by digest, GitHub Actions by commit SHA, pip, apk and apt packages by exact version and hash.',
  '2. Every week (config `schedule`) it refreshes those pins in one PR, updated in place.',
  '3. A pin PR is marked ready for review only after two independent builds gave the same image digest; otherwise repro-pins explains, down to the file, what differed.',
  '4. The **Dependency Dashboard** issue lists every pin, its state and what needs attention.',
  '',
  'Merging this PR turns the verification on. Closing it unmerged tells repro-pins not to ask again.',
].join('\n');

/**
 * Opens the onboarding PR once. A repository with a config is onboarded already; an onboarding
 * PR closed unmerged means the user said no, and it is not reopened.
 */
export async function onboardRepository(target: RepoTarget, services: AppServices, files: OnboardingFiles): Promise<OnboardingOutcome> {
  const { octokit, repo } = target;
  const snapshot = await readSnapshot(octokit, services.cache, repo, target.defaultBranch);
  if (snapshot.entries.has(CONFIG_PATH)) return 'configured';
  const [latest] = await findPullRequests(octokit, repo, ONBOARDING_BRANCH, 'all');
  if (latest?.state === 'open') return 'open';
  if (latest && !latest.merged) return 'declined';

  const writes = [{ path: CONFIG_PATH, content: files.config }, ...(files.workflow === null ? [] : [{ path: WORKFLOW_PATH, content: files.workflow }])];
  const fingerprint = createHash('sha256').update(JSON.stringify(writes)).digest('hex');
  const head = await readBranchHead(octokit, services.cache, repo, ONBOARDING_BRANCH);
  // A branch someone else committed to is theirs: open the PR from it as it is.
  if (head?.fingerprint !== fingerprint && (head === null || head.fingerprint !== null)) {
    await commitToBranch(octokit, repo, snapshot, ONBOARDING_BRANCH, writes, 'Configure repro-pins', fingerprint, head !== null);
  }
  await createPullRequest(octokit, repo, { branch: ONBOARDING_BRANCH, base: target.defaultBranch, title: 'Configure repro-pins', body: ONBOARDING_BODY, draft: false });
  return 'opened';
}
