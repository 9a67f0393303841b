import type { Context } from 'probot';
import { CONFIG_PATH } from '../../core/config.js';
import { managers } from '../../core/managers/index.js';
import type { AppDeps } from '../app.js';
import { scanJob } from '../queue/jobs.js';

/** GitHub lists at most 20 commits in a push payload; a longer push may touch anything. */
const PAYLOAD_COMMIT_LIMIT = 20;

/** A push to the default branch that touches the config or a file a manager reads queues a scan. */
export async function handlePush(context: Context<'push'>, deps: AppDeps): Promise<void> {
  const { payload } = context;
  if (payload.ref !== `refs/heads/${payload.repository.default_branch}` || payload.deleted) return;
  const paths = payload.commits.flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]);
  const relevant = payload.commits.length >= PAYLOAD_COMMIT_LIMIT || paths.some((path) => path === CONFIG_PATH || managers.some((m) => m.matches(path)));
  if (!relevant) return;
  const owner = payload.repository.owner?.login;
  const installationId = payload.installation?.id;
  if (!owner || installationId === undefined) return;
  await deps.queue.enqueue(scanJob({ installationId, owner, repo: payload.repository.name }, payload.repository.default_branch));
}
