import type { Context } from 'probot';
import type { Octokit, RepoId } from '../github/octokit.js';
import type { AppDeps } from '../app.js';

/** Installation and repositories added: onboard each repository, then scan it. */
export async function handleInstallation(context: Context<'installation.created'> | Context<'installation_repositories.added'>, deps: AppDeps): Promise<void> {
  const payload = context.payload;
  const added = 'repositories_added' in payload ? payload.repositories_added : (payload.repositories ?? []);
  const owner = payload.installation.account && 'login' in payload.installation.account ? payload.installation.account.login : null;
  if (!owner) return;
  const run = deps.newScanRun();
  for (const { name } of added) {
    await deps.onboardAndScan(context.octokit as Octokit, { owner, repo: name } satisfies RepoId, run);
  }
}
