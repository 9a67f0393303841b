import { programName, type ShellCommand, type ShellWord } from '../../shell/command-line.js';
import { parseArguments, type ArgumentSpec } from '../../shell/arguments.js';
import type { ListSlot } from '../../shell/package-list.js';

/**
 * `apk add` as apk-tools reads its command line (apk(8), apk-add(8)): global and `add` options
 * in any order, getopt-style short clusters (`-Ut .build`), `--` ending the options, and
 * dependency words `[!]name[@tag][op version]`.
 */

export interface ApkPackageWord extends ListSlot {
  name: string;
  /** `=`, `~`, `<`, `>`, `<=`, `>=`, … or null when the word names no version. */
  operator: string | null;
  version: string | null;
  /** Why the word cannot be pinned to one version, or null when it can. */
  unpinnable: string | null;
}

export interface ApkAdd {
  command: ShellCommand;
  /** Every package word, in command-line order: the list's slots. */
  packages: ApkPackageWord[];
  /** Words that install something repro-pins cannot name statically (`$PACKAGES`). */
  unread: ShellWord[];
  /** `--virtual` / `-t`: the name of the virtual package that groups the others (not a package to look up). */
  virtual: ShellWord | null;
  /** `--repository` / `-X` values: packages may come from there instead of the base image's branch. */
  repositories: string[];
}

const ARGUMENTS: ArgumentSpec = {
  valueShort: 'pXt',
  valueLong: ['--root', '--repository', '--arch', '--cache-dir', '--cache-max-age', '--keys-dir', '--progress-fd', '--repositories-file', '--timeout', '--wait', '--virtual', '--from'],
};
const dependency = /^(!?)([A-Za-z0-9_][A-Za-z0-9_.+:-]*?)(?:@([A-Za-z0-9_.-]+))?(?:(<=|>=|=~|~=|><|[<>=~])(.+))?$/;

/**
 * tonistiigi/xx's wrapper, common in cross-compiling Dockerfiles: it runs apk for the target
 * platform's root and architecture. Its words are read (the rules see them) but not pinned,
 * since what the wrapper makes of `name=version` for another architecture is not checked here.
 */
const XX_WRAPPED = "is installed through tonistiigi/xx's xx-apk for the target platform, which repro-pins does not pin through: pin it by hand";

/** Reads an `apk add` (or `xx-apk add`) command, or returns null for any other command. */
export function parseApkAdd(command: ShellCommand): ApkAdd | null {
  const program = programName(command);
  if (program !== 'apk' && program !== 'xx-apk') return null;
  const { options, operands } = parseArguments(command.words.slice(1), ARGUMENTS);
  if (operands[0]?.value !== 'add') return null;
  const result: ApkAdd = {
    command,
    packages: [],
    unread: [],
    virtual: options.find((o) => o.name === '-t' || o.name === '--virtual')?.valueWord ?? null,
    repositories: options.flatMap((o) => ((o.name === '-X' || o.name === '--repository') && o.value !== null ? [o.value] : [])),
  };
  for (const operand of operands.slice(1)) readOperand(operand, result);
  if (program === 'xx-apk') for (const pkg of result.packages) pkg.unpinnable ??= XX_WRAPPED;
  return result;
}

function readOperand(word: ShellWord, result: ApkAdd): void {
  if (word.expands) {
    result.unread.push(word);
    return;
  }
  const text = word.value;
  // A local package file, not a repository package.
  if (text.includes('/') || text.endsWith('.apk')) return;
  const match = dependency.exec(text);
  if (!match) {
    result.unread.push(word);
    return;
  }
  const [, conflict, name, tag, operator, version] = match;
  let unpinnable: string | null = null;
  if (conflict) unpinnable = 'is a conflict (`!name`), which installs nothing';
  else if (name!.includes(':')) unpinnable = `names something packages provide (${name!.slice(0, name!.indexOf(':') + 1)}…), not a package`;
  else if (tag) unpinnable = `comes from the tagged repository @${tag}, which repro-pins does not read`;
  result.packages.push({ word, key: name!, name: name!, operator: operator ?? null, version: version ?? null, unpinnable });
}
