import { programName, type ShellCommand, type ShellWord } from '../../shell/command-line.js';
import { parseArguments, type ArgumentSpec } from '../../shell/arguments.js';
import type { ListSlot } from '../../shell/package-list.js';

/**
 * `apt-get install` and `apt install` as apt reads them (apt-get(8)): options before or after
 * the command, `-o Key=Value`, getopt-style short clusters (`-qqy`), `--` ending the options,
 * and package words `name[:arch][=version | /release]`.
 */

export interface AptPackageWord extends ListSlot {
  name: string;
  /** The `:arch` qualifier as written (`i386`, `any`, `native`), or null. */
  arch: string | null;
  /** The `=version` given, or null. */
  version: string | null;
  /** Why the word cannot be pinned to one version, or null when it can. */
  unpinnable: string | null;
}

export interface AptInstall {
  command: ShellCommand;
  /** Every package word, in command-line order: the list's slots. */
  packages: AptPackageWord[];
  /** Words that install something repro-pins cannot name statically (`$PACKAGES`, patterns). */
  unread: ShellWord[];
  /** `-t` / `--target-release` / `--default-release`: packages may come from that release instead. */
  targetRelease: string | null;
}

const ARGUMENTS: ArgumentSpec = {
  valueShort: 'octa',
  valueLong: ['--option', '--config-file', '--target-release', '--default-release', '--host-architecture'],
};
const TARGET_RELEASE = new Set(['-t', '--target-release', '--default-release']);
// Debian policy §5.6.1/§5.6.12: names are [a-z0-9][a-z0-9+.-]+, versions [epoch:]upstream[-revision].
const packageWord = /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?(?:=([0-9A-Za-z.+~:-]+)|\/([A-Za-z0-9.+~-]+))?$/;

/** tonistiigi/xx's wrappers install for the target architecture: read (the rules see them), not pinned, as for xx-apk. */
const XX_WRAPPERS = new Set(['xx-apt-get', 'xx-apt']);
const XX_WRAPPED = "is installed through tonistiigi/xx's xx-apt-get for the target platform, which repro-pins does not pin through: pin it by hand";

/** Reads an `apt-get install` / `apt install` command (or xx's `xx-apt-get install`), or returns null for any other command. */
export function parseAptInstall(command: ShellCommand): AptInstall | null {
  const program = programName(command) ?? '';
  if (program !== 'apt-get' && program !== 'apt' && !XX_WRAPPERS.has(program)) return null;
  const { options, operands } = parseArguments(command.words.slice(1), ARGUMENTS);
  if (operands[0]?.value !== 'install') return null;
  const result: AptInstall = { command, packages: [], unread: [], targetRelease: options.find((o) => TARGET_RELEASE.has(o.name))?.value ?? null };
  for (const operand of operands.slice(1)) readOperand(operand, result);
  if (XX_WRAPPERS.has(program)) for (const pkg of result.packages) pkg.unpinnable ??= XX_WRAPPED;
  return result;
}

function readOperand(word: ShellWord, result: AptInstall): void {
  const text = word.value;
  if (word.expands || /[*?[\]^$]/.test(text)) {
    result.unread.push(word);
    return;
  }
  // A local .deb file, not an archive package.
  if (text.startsWith('/') || text.startsWith('.') || text.endsWith('.deb')) return;
  // `apt-get install foo-` removes foo.
  if (text.endsWith('-')) return;
  const match = packageWord.exec(text);
  if (!match) {
    result.unread.push(word);
    return;
  }
  const [, name, arch, version, release] = match;
  const unpinnable = release ? `is taken from the release ${release}, which repro-pins does not read` : null;
  result.packages.push({ word, key: arch ? `${name}:${arch}` : name!, name: name!, arch: arch ?? null, version: version ?? null, unpinnable });
}
