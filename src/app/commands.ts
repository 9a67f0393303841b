/** `/repro <command> [argument]` comment commands, parsed from a comment body (pure). */

export const COMMANDS = ['recheck', 'rebase', 'rescan', 'ignore', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];

export type Command = { name: CommandName; argument: string | null } | { name: 'unknown'; text: string };

/** The first line starting with `/repro` is the command; quoted replies (`> /repro …`) are not. */
export function parseCommand(body: string): Command | null {
  const line = body.split(/\r?\n/).find((l) => /^\s*\/repro(\s|$)/.test(l));
  if (!line) return null;
  const [, word = '', ...rest] = line.trim().split(/\s+/);
  const argument = rest.join(' ') || null;
  if ((COMMANDS as readonly string[]).includes(word)) {
    const name = word as CommandName;
    if (name === 'ignore' && !argument) return { name: 'unknown', text: line.trim() };
    return { name, argument };
  }
  return { name: 'unknown', text: line.trim() };
}

export const HELP_TEXT = [
  'repro-pins commands (for users with write, maintain or admin permission):',
  '',
  '- `/repro rescan`: scan the repository now and update the pin PRs and the dashboard',
  '- `/repro rebase`: rebuild the pin branches on the default branch, replacing commits others made to them',
  '- `/repro recheck`: run the twice-build verification again',
  '- `/repro ignore <dependency>`: stop pinning a dependency (listed on the dashboard)',
  '- `/repro help`: this message',
].join('\n');

/** Permissions GitHub reports (`permission`, or `role_name` for custom and maintain roles) that may run commands. */
export function mayRunCommands(permission: string, roleName: string | undefined): boolean {
  return ['admin', 'maintain', 'write'].includes(permission) || ['admin', 'maintain', 'write'].includes(roleName ?? '');
}
