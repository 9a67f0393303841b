import type { Context } from 'probot';
import type { AppDeps } from '../app.js';
import { isPinBranch } from '../verify/request-verification.js';

/** A push to a pin PR's branch voids the twice-build verdict of the commit before it. */
export async function handlePullRequestSynchronize(context: Context<'pull_request.synchronize'>, deps: AppDeps): Promise<void> {
  const { pull_request: pr, repository, sender } = context.payload;
  const installationId = context.payload.installation?.id;
  if (!isPinBranch(pr.head.ref) || pr.head.repo?.id !== repository.id || installationId === undefined) return;
  await deps.queue.enqueue({
    kind: 'void-verdict',
    installationId,
    push: {
      repo: { owner: repository.owner.login, repo: repository.name },
      number: pr.number,
      nodeId: pr.node_id,
      draft: pr.draft ?? false,
      body: pr.body ?? '',
      branch: pr.head.ref,
      sha: pr.head.sha,
      pusher: sender.login,
    },
  });
}
