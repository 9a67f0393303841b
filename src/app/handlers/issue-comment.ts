import type { Context } from 'probot';
import { HELP_TEXT, mayRunCommands, parseCommand } from '../commands.js';
import type { Octokit } from '../github/octokit.js';
import type { AppDeps } from '../app.js';
import { scanJob } from '../queue/jobs.js';
import { code } from '../../core/markdown.js';

/** `/repro …` commands in issue and PR comments, from people with write access; bots are ignored. */
export async function handleIssueComment(context: Context<'issue_comment.created'>, deps: AppDeps): Promise<void> {
  const { payload } = context;
  if (payload.sender.type === 'Bot' || payload.comment.user?.type === 'Bot') return;
  const command = parseCommand(payload.comment.body);
  const installationId = payload.installation?.id;
  if (!command || installationId === undefined) return;
  const octokit = context.octokit as Octokit;
  const repo = { owner: payload.repository.owner.login, repo: payload.repository.name };
  const reply = (body: string) => octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: payload.issue.number, body });

  const login = payload.comment.user?.login ?? payload.sender.login;
  const { data: permission } = await octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { ...repo, username: login });
  if (!mayRunCommands(permission.permission, permission.role_name)) {
    await reply(`@${login} only people with write, maintain or admin permission on this repository can run repro-pins commands.`);
    return;
  }
  await octokit.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { ...repo, comment_id: payload.comment.id, content: '+1' });

  // The work itself is queued with ids only: whichever process runs it authenticates as the installation.
  const ids = { installationId, ...repo };
  const defaultBranch = payload.repository.default_branch;
  switch (command.name) {
    case 'help':
      await reply(HELP_TEXT);
      return;
    case 'rescan':
      await deps.queue.enqueue(scanJob(ids, defaultBranch));
      return;
    case 'rebase':
      await deps.queue.enqueue(scanJob(ids, defaultBranch, { force: true }));
      return;
    case 'ignore':
      await deps.queue.enqueue(scanJob(ids, defaultBranch, { ignore: command.argument ?? '' }));
      await reply(`repro-pins will leave ${code(command.argument ?? '')} alone from now on. The Dependency Dashboard lists ignored dependencies.`);
      return;
    case 'recheck':
      await deps.queue.enqueue({ kind: 'recheck', ...ids, defaultBranch, pullNumber: payload.issue.number });
      return;
    case 'unknown':
      await reply(`repro-pins does not know ${code(command.text)}.\n\n${HELP_TEXT}`);
      return;
  }
}
