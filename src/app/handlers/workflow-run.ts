import type { Context } from 'probot';
import type { AppDeps } from '../app.js';
import { parseCompletedRun } from '../verify/run-completed.js';

/** A finished run of the twice-build workflow: queue its judgement (every other run is ignored without an API call). */
export async function handleWorkflowRun(context: Context<'workflow_run.completed'>, deps: AppDeps): Promise<void> {
  const run = parseCompletedRun(context.payload);
  const installationId = context.payload.installation?.id;
  if (!run || installationId === undefined) return;
  await deps.queue.enqueue({ kind: 'verify-run', installationId, run });
}
