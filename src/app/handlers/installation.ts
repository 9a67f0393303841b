import type { Context } from 'probot';
import type { AppDeps } from '../app.js';
import { newRunId, scanJob } from '../queue/jobs.js';

/** Installation and repositories added: each repository is queued to be onboarded, then scanned. */
export async function handleInstallation(context: Context<'installation.created'> | Context<'installation_repositories.added'>, deps: AppDeps): Promise<void> {
  const payload = context.payload;
  const added = 'repositories_added' in payload ? payload.repositories_added : (payload.repositories ?? []);
  const owner = payload.installation.account && 'login' in payload.installation.account ? payload.installation.account.login : null;
  if (!owner) return;
  // One run for the whole installation: its repositories share lookups where one process scans them.
  const runId = newRunId();
  for (const { name } of added) {
    await deps.queue.enqueue(scanJob({ installationId: payload.installation.id, owner, repo: name }, null, { onboard: true, runId }));
  }
}
