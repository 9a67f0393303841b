import { createHash } from 'node:crypto';
import { CONFIG_PATH, defaultConfig } from '../../core/config.js';
import type { Datasources } from '../../core/datasources/datasource.js';
import { githubActionsManager } from '../../core/managers/github-actions/index.js';
import { managersByName } from '../../core/managers/index.js';
import { planPins } from '../../core/plan.js';
import type { Problem } from '../../core/reference.js';
import { commitToBranch, readBranchHead } from '../github/commits.js';
import { createPullRequest, findPullRequests } from '../github/pull-requests.js';
import { readSnapshot } from '../github/repo-snapshot.js';
import type { AppServices, RepoTarget } from './scan-repository.js';
import { branchOf } from './pin-groups.js';

export const ONBOARDING_BRANCH = branchOf('onboarding');
export const WORKFLOW_PATH = '.github/workflows/repro-verify.yml';

export type OnboardingOutcome = 'configured' | 'declined' | 'open' | 'opened';

/** The files the onboarding PR adds; the workflow is made (its actions pinned) only when the PR is. */
export interface OnboardingFiles {
  config: string;
  workflow: () => Promise<string>;
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
 * Pins the workflow template's actions with the same Actions manager the scans use, so the
 * onboarding PR carries real commit SHAs (the template itself names tags: nothing is invented).
 * A lookup that fails leaves that action's tag, which the first pin PR then pins or reports.
 */
export async function pinWorkflowTemplate(text: string, datasources: Datasources): Promise<{ text: string; problems: Problem[] }> {
  const file = { path: WORKFLOW_PATH, text };
  const { refs, problems } = githubActionsManager.extract(file, defaultConfig);
  const actions = refs.filter((ref) => ref.datasource === 'github-tags');
  const plan = await planPins([file], actions, datasources, managersByName, defaultConfig);
  return { text: plan.files.get(WORKFLOW_PATH) ?? text, problems: [...problems, ...plan.problems] };
}

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

  const writes = [
    { path: CONFIG_PATH, content: files.config },
    { path: WORKFLOW_PATH, content: await files.workflow() },
  ];
  const fingerprint = createHash('sha256').update(JSON.stringify(writes)).digest('hex');
  const head = await readBranchHead(octokit, services.cache, repo, ONBOARDING_BRANCH);
  // A branch someone else committed to is theirs: open the PR from it as it is.
  if (head?.fingerprint !== fingerprint && (head === null || head.fingerprint !== null)) {
    await commitToBranch(octokit, repo, snapshot, ONBOARDING_BRANCH, writes, 'Configure repro-pins', fingerprint, head !== null);
  }
  await createPullRequest(octokit, repo, { branch: ONBOARDING_BRANCH, base: target.defaultBranch, title: 'Configure repro-pins', body: ONBOARDING_BODY, draft: false });
  return 'opened';
}
