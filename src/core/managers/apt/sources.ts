import { lineAt } from '../../reference.js';
import { programName, type ShellCommand } from '../../shell/command-line.js';
import { readRunCommands, type DockerfileStage } from '../dockerfile/stages.js';

/**
 * Where a Dockerfile changes the apt sources of a stage: a RUN that writes under
 * `/etc/apt/sources.list*` (a redirect, `tee`, `sed -i`, `cp`, `curl -o`…) or runs
 * `add-apt-repository`. A package installed after that may come from the added repository (a
 * PPA, download.opensuse.org, a snapshot of another date), so its version in the suite's index
 * says nothing about what apt installs: such packages are left unpinned, with this reason.
 * `COPY`/`ADD` of a sources file is not seen here (README, apk and apt pins).
 */
export interface SourceChange {
  /** File offset of the command that changes the sources. */
  at: number;
  line: number;
  /** The command's program, for the message. */
  program: string;
}

const SOURCES = /^\/etc\/apt\/sources\.list/;
// Programs that only read or remove: `rm` of a list puts the stage back on its default sources.
const READERS = new Set(['cat', 'grep', 'egrep', 'ls', 'test', '[', 'head', 'tail', 'less', 'stat', 'rm']);
const ADDERS = new Set(['add-apt-repository', 'apt-add-repository']);

function changesSources(command: ShellCommand): string | null {
  const program = programName(command);
  if (program === null) return null;
  if (ADDERS.has(program)) return program;
  const writes = (operator: string) => operator.startsWith('>') || operator.startsWith('&>');
  if (command.redirects.some((r) => writes(r.operator) && SOURCES.test(r.target?.value ?? ''))) return program;
  if (READERS.has(program) || program === 'apt-get' || program === 'apt') return null;
  return command.words.slice(1).some((w) => SOURCES.test(w.value)) ? program : null;
}

/** The first source change that happens before each point of a Dockerfile, per stage and its ancestors. */
export function aptSourceChanges(text: string): (stage: DockerfileStage, at: number) => SourceChange | null {
  const changes = readRunCommands(text, (command) => {
    const program = changesSources(command);
    return program === null ? null : { at: command.at, line: lineAt(text, command.at), program };
  });
  if (changes.length === 0) return () => null;
  const byStage = new Map<number, SourceChange[]>();
  for (const { stage, found } of changes) {
    const list = byStage.get(stage.index) ?? [];
    if (list.length === 0) byStage.set(stage.index, list);
    list.push(found);
  }
  return (stage, at) => {
    // The stage itself, up to the install; its ancestors whole (they ran before it).
    const own = byStage.get(stage.index)?.find((change) => change.at < at);
    if (own) return own;
    for (let parent = stage.parent; parent !== null; ) {
      const inherited = byStage.get(parent.index)?.[0];
      if (inherited) return inherited;
      parent = parent.parent;
    }
    return null;
  };
}
