import { createHash } from 'node:crypto';
import { CONFIG_PATH, parseRepoConfig, type ConfigError, type RepoConfig } from '../../core/config.js';
import { managers, managersByName } from '../../core/managers/index.js';
import { extractReferences, planPins, selectFiles, type PinPlan } from '../../core/plan.js';
import type { DependencyRef, Problem, SourceFile } from '../../core/reference.js';
import { lintFiles, lintSources as lintSourceFiles, selectLintFiles, type Finding } from '../../core/lint/index.js';
import { publishFindings } from '../findings/check-run.js';
import { githubAccessOf } from '../github/access.js';
import type { GitHubCache } from '../github/bounded-cache.js';
import { commitToBranch, readBranchHead } from '../github/commits.js';
import { findDashboard, writeDashboard } from '../github/dashboard-issue.js';
import type { Octokit, RepoId } from '../github/octokit.js';
import { commentOnce, createPullRequest, deleteBranch, findPullRequests, updatePullRequest, type PullRequestInfo } from '../github/pull-requests.js';
import { readFiles, readSnapshot, type RepoSnapshot } from '../github/repo-snapshot.js';
import { DASHBOARD_TITLE, readDashboardState, renderDashboard, type DashboardContent } from './dashboard-body.js';
import { marker } from '../../core/markdown.js';
import { PIN_GROUPS, branchOf, type PinGroup } from './pin-groups.js';
import { renderPinPrBody } from './pin-pr-body.js';
import type { ScanRun } from './scan-run.js';
import { WORKFLOW_PATH } from './onboarding.js';
import { convertToDraft } from '../verify/draft-state.js';
import { expireRecordedVerification } from '../verify/expire-verification.js';
import type { PendingVerifications } from '../verify/pending-verifications.js';
import { announceUnverified, requestVerification } from '../verify/request-verification.js';
import { readVerification, renderVerification, verificationText, type VerificationState } from '../verify/verification-state.js';

export interface RepoTarget {
  octokit: Octokit;
  repo: RepoId;
  defaultBranch: string;
}

export interface ScanOptions {
  /** `/repro rebase`: rewrite the App's branches even when someone else committed to them. */
  force?: boolean;
  /** `/repro ignore <dependency>`: remembered on the dashboard from this scan on. */
  ignore?: string;
}

export interface GroupOutcome {
  group: string;
  action: 'opened' | 'updated' | 'unchanged' | 'closed' | 'none' | 'blocked';
  number: number | null;
}

export interface ScanOutcome {
  findings: Finding[];
  configErrors: ConfigError[];
  refs: DependencyRef[];
  problems: Problem[];
  groups: GroupOutcome[];
}

/** Everything the App keeps between events, shared by all scans of a process. */
export interface AppServices {
  cache: GitHubCache;
  /** Twice-build requests awaiting a result, for the scheduler's timeout sweep. */
  verifications: PendingVerifications;
  /** The App's bot account (`<slug>[bot]`), which authors its issues. */
  botLogin(): Promise<string>;
}

/** The verification line of a PR whose body lost it (an edit) and that has no new commit to verify. */
const VERIFICATION_NOT_REQUESTED = 'not requested for this commit: comment `/repro recheck` to build it twice.';

/**
 * One repository's scan: read the default branch, extract, resolve (through the run's shared
 * datasources), then bring each pin PR and the dashboard to the state the result calls for.
 * Every step is idempotent, so a redelivered event changes nothing.
 */
export async function scanRepository(target: RepoTarget, run: ScanRun, services: AppServices, options: ScanOptions = {}): Promise<ScanOutcome> {
  const { octokit, repo } = target;
  const snapshot = await readSnapshot(octokit, services.cache, repo, target.defaultBranch);
  const dashboard = await findDashboard(octokit, repo, await services.botLogin(), marker('dashboard'));
  const state = readDashboardState(dashboard?.body);
  if (options.ignore && !state.ignored.includes(options.ignore)) state.ignored.push(options.ignore);
  const outcome: ScanOutcome = { findings: [], configErrors: [], refs: [], problems: [], groups: [] };
  const writeDashboardWith = (content: Partial<DashboardContent>) =>
    writeDashboard(octokit, repo, dashboard, DASHBOARD_TITLE, renderDashboard({ state, configErrors: [], refs: [], problems: [], pullRequests: [], findings: [], failure: null, ...content }));

  const config = await loadConfig(target, services, snapshot);
  if ('errors' in config) {
    // An invalid config is never half-applied: no PR is opened or changed until it is fixed.
    outcome.configErrors = config.errors;
    await writeDashboardWith({ configErrors: config.errors });
    return outcome;
  }
  const effective: RepoConfig = { ...config.config, ignoreDeps: [...config.config.ignoreDeps, ...state.ignored] };
  const readers = selectFiles([...snapshot.entries.keys()], managers, effective);
  const { files, unreadable } = await readFiles(octokit, services.cache, repo, snapshot, [...readers.keys()]);
  const extracted = extractReferences(files, readers, effective);
  outcome.refs = extracted.refs;
  outcome.problems = [...unreadable.map((file) => ({ file, line: 1, dependency: null, message: 'is not valid UTF-8 text, so it was not read' })), ...extracted.problems];

  // Findings read the managers' files plus build scripts; blobs already read come from the cache.
  const lintOnly = selectLintFiles([...snapshot.entries.keys()], effective).filter((path) => !readers.has(path));
  const lintSources = [...files, ...(await readFiles(octokit, services.cache, repo, snapshot, lintOnly)).files];
  outcome.findings = lintFiles(lintSources, extracted.refs, effective);
  await publishFindings(octokit, repo, snapshot.commitSha, outcome.findings);

  const datasources = run.datasourcesFor(effective, await githubAccessOf(octokit));
  for (const group of PIN_GROUPS) {
    const plan = await planPins(files, extracted.refs.filter(group.includes), datasources, managersByName, effective);
    for (const problem of plan.problems) outcome.problems.push(problem);
    const [openPr] = await findPullRequests(octokit, repo, branchOf(group.name), 'open');
    outcome.groups.push(await syncPinPullRequest(target, services, snapshot, effective, group, plan, openPr ?? null, options, lintSources));
  }
  await writeDashboardWith({
    refs: outcome.refs,
    problems: outcome.problems,
    pullRequests: outcome.groups.map((g) => ({ group: g.group, number: g.number, note: describeGroup(g) })),
    findings: outcome.findings,
  });
  return outcome;
}

export async function loadConfig(target: RepoTarget, services: AppServices, snapshot: RepoSnapshot): Promise<{ config: RepoConfig } | { errors: ConfigError[] }> {
  if (!snapshot.entries.has(CONFIG_PATH)) return parseRepoConfig('');
  const { files, unreadable } = await readFiles(target.octokit, services.cache, target.repo, snapshot, [CONFIG_PATH]);
  if (unreadable.length > 0 || !files[0]) return { errors: [{ file: CONFIG_PATH, line: 1, key: '', message: 'is not valid UTF-8 text' }] };
  return parseRepoConfig(files[0].text, CONFIG_PATH);
}

function describeGroup(outcome: GroupOutcome): string {
  switch (outcome.action) {
    case 'opened':
      return 'opened (draft)';
    case 'updated':
      return 'updated';
    case 'unchanged':
      return 'up to date';
    case 'closed':
      return 'closed: no longer needed';
    case 'blocked':
      return 'not updated: someone else committed to its branch (comment `/repro rebase` to replace it)';
    case 'none':
      return 'nothing to pin';
  }
}

/**
 * Identity of a group's content: the same files with the same text give the same commit. The
 * twice-build workflow's blob counts too, so merging the onboarding PR (or changing the workflow)
 * rebuilds each pin PR on a default branch that has it: the workflow that verifies a pin commit
 * is the one in that commit. Without the workflow the fingerprint is what it always was.
 */
function fingerprintOf(group: string, files: Map<string, string>, workflowBlob: string | null): string {
  const hash = createHash('sha256').update(group);
  for (const [path, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(`\0${path}\0${text}`);
  if (workflowBlob) hash.update(`\0${WORKFLOW_PATH}\0${workflowBlob}`);
  return hash.digest('hex');
}

/** Find, compare, add, update, remove: one pin PR brought to what the plan calls for. */
async function syncPinPullRequest(
  target: RepoTarget,
  services: AppServices,
  snapshot: RepoSnapshot,
  config: RepoConfig,
  group: PinGroup,
  plan: PinPlan,
  pr: PullRequestInfo | null,
  options: ScanOptions,
  lintSources: SourceFile[],
): Promise<GroupOutcome> {
  const { octokit, repo } = target;
  const branch = branchOf(group.name);
  if (plan.changes.length === 0 && !pr) return { group: group.name, action: 'none', number: null };
  const head = await readBranchHead(octokit, services.cache, repo, branch);
  const ours = head === null || head.fingerprint !== null;

  if (plan.changes.length === 0 && pr) {
    await commentOnce(octokit, repo, pr.number, marker('closed', head?.sha ?? ''), 'Every pin in this PR is already on the default branch or no longer needed, so repro-pins closes it.');
    await updatePullRequest(octokit, repo, pr.number, { state: 'closed' });
    if (head && ours) await deleteBranch(octokit, repo, branch);
    return { group: group.name, action: 'closed', number: pr.number };
  }

  if (!ours && !options.force) {
    if (pr) {
      await commentOnce(
        octokit,
        repo,
        pr.number,
        marker('foreign-commit', head?.sha ?? ''),
        `Someone else committed to \`${branch}\` (${head?.sha.slice(0, 12)}), so repro-pins did not overwrite the branch. Comment \`/repro rebase\` to replace it with fresh pins.`,
      );
    }
    return { group: group.name, action: 'blocked', number: pr?.number ?? null };
  }

  const fingerprint = fingerprintOf(group.name, plan.files, snapshot.entries.get(WORKFLOW_PATH)?.sha ?? null);
  let committed = false;
  let headSha: string;
  if (head?.fingerprint === fingerprint) {
    headSha = head.sha;
  } else {
    const files = [...plan.files].map(([path, content]) => ({ path, content }));
    headSha = await commitToBranch(octokit, repo, snapshot, branch, files, group.title, fingerprint, head !== null);
    committed = true;
    // The pin commit gets its own findings check run: what the PR would leave on the branch.
    const pinned = lintSources.map((file) => ({ path: file.path, text: plan.files.get(file.path) ?? file.text }));
    await publishFindings(octokit, repo, headSha, lintSourceFiles(pinned, config));
  }

  // The twice-build gate: a new commit (or a PR opened again on the App's commit) is built twice
  // and voids any earlier verdict; an unchanged PR keeps the state the last verdict wrote, unless
  // its request has outlived the timeout.
  let verification: VerificationState | null;
  if (committed || !pr) {
    verification = await requestVerification(target, services, { branch, sha: headSha }, snapshot, config);
    if (pr && !pr.draft) await convertToDraft(octokit, pr.nodeId);
  } else {
    verification = await expireRecordedVerification(octokit, services, repo, readVerification(pr.body), headSha);
  }
  const verificationLine = verification ? renderVerification(verification) : ((pr && verificationText(pr.body)) ?? VERIFICATION_NOT_REQUESTED);
  const body = renderPinPrBody(group.name, plan.changes, verificationLine);
  if (!pr) {
    const number = await createPullRequest(octokit, repo, { branch, base: target.defaultBranch, title: group.title, body, draft: true });
    if (verification) await announceUnverified(target, number, verification, true);
    return { group: group.name, action: 'opened', number };
  }
  if (committed && verification) await announceUnverified(target, pr.number, verification, false);
  if (pr.body !== body || pr.title !== group.title) {
    await updatePullRequest(octokit, repo, pr.number, { title: group.title, body });
    return { group: group.name, action: 'updated', number: pr.number };
  }
  return { group: group.name, action: committed ? 'updated' : 'unchanged', number: pr.number };
}

/** Shows an unexpected scan failure on the repository's dashboard, so one broken repository is visible. */
export async function reportScanFailure(target: RepoTarget, services: AppServices, error: unknown): Promise<void> {
  const { octokit, repo } = target;
  const dashboard = await findDashboard(octokit, repo, await services.botLogin(), marker('dashboard'));
  const message = error instanceof Error ? error.message : String(error);
  const body = renderDashboard({ state: readDashboardState(dashboard?.body), configErrors: [], refs: [], problems: [], pullRequests: [], findings: [], failure: `repro-pins could not scan this repository: ${message}` });
  await writeDashboard(octokit, repo, dashboard, DASHBOARD_TITLE, body);
}
