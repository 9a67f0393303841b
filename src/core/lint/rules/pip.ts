import { programName, type ShellCommand, type ShellWord } from '../../shell/command-line.js';
import { parseArguments, type ArgumentSpec } from '../../shell/arguments.js';
import { eachCommand, type Rule } from '../rule.js';

/**
 * `pip install` as pip reads its command line (https://pip.pypa.io/en/stable/cli/pip_install/),
 * run as `pip`, `pip3`, `pip3.12`, `python -m pip`, `python3.12 -m pip` or `uv pip`.
 */
const ARGUMENTS: ArgumentSpec = {
  valueShort: 'rceiftC',
  valueLong: [
    '--requirement', '--constraint', '--editable', '--index-url', '--extra-index-url', '--find-links', '--target', '--platform', '--python-version',
    '--implementation', '--abi', '--root', '--prefix', '--src', '--upgrade-strategy', '--global-option', '--config-settings', '--no-binary',
    '--only-binary', '--progress-bar', '--root-user-action', '--report', '--group', '--exists-action', '--log', '--log-file', '--proxy', '--retries',
    '--timeout', '--cert', '--client-cert', '--cache-dir', '--trusted-host', '--keyring-provider', '--python', '--use-feature', '--use-deprecated',
  ],
};

const PIP = /^pip(?:\d+(?:\.\d+)?)?$/;
const PYTHON = /^python(?:\d+(?:\.\d+)?)?$/;

/** The words after `install` of a pip install, or null for any other command. */
export function pipInstallWords(command: ShellCommand): ShellWord[] | null {
  const program = programName(command);
  let rest: ShellWord[] | null = null;
  if (program !== null && PIP.test(program)) rest = command.words.slice(1);
  else if (program === 'uv' && command.words[1]?.value === 'pip') rest = command.words.slice(2);
  else if (program !== null && PYTHON.test(program)) {
    // python [-I -u …] -m pip …
    const words = command.words.slice(1);
    const m = words.findIndex((w) => !w.value.startsWith('-') || w.value === '-m' || w.value === '-mpip');
    const flag = words[m];
    if (flag?.value === '-mpip') rest = words.slice(m + 1);
    else if (flag?.value === '-m' && words[m + 1]?.value === 'pip') rest = words.slice(m + 2);
  }
  if (rest === null) return null;
  // Global options (`pip -q install`, `pip --cache-dir /tmp install`) may come before the subcommand.
  for (let i = 0; i < rest.length; i++) {
    const value = rest[i]!.value;
    if (!value.startsWith('-')) return value === 'install' ? [...rest.slice(0, i), ...rest.slice(i + 1)] : null;
    if (GLOBAL_VALUE_OPTIONS.has(value)) i++;
  }
  return null;
}

const GLOBAL_VALUE_OPTIONS = new Set(['--cache-dir', '--log', '--log-file', '--proxy', '--retries', '--timeout', '--cert', '--client-cert', '--exists-action', '--python', '--use-feature', '--use-deprecated', '--keyring-provider']);

const TRUE = /^(?:1|true|yes|on)$/i;

/** Whether a requirement operand is something on this machine rather than on an index or a server. */
function isLocal(target: string): boolean {
  if (/^file:/i.test(target)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) || /^git\+|^hg\+|^svn\+|^bzr\+/.test(target)) return false;
  return /^[./~]/.test(target) || target.includes('/') || /\.(?:whl|tar\.gz|tgz|zip|tar\.bz2)$/i.test(target);
}

export const pipNoRequireHashes: Rule = {
  id: 'pip-no-require-hashes',
  level: 'error',
  finds: '`pip install` of index packages or `-r` files without `--require-hashes`',
  check: (target) =>
    eachCommand(target, ({ command, env }) => {
      const words = pipInstallWords(command);
      if (!words) return null;
      const { options, operands } = parseArguments(words, ARGUMENTS);
      const has = (...names: string[]) => options.some((o) => names.includes(o.name));
      if (has('--require-hashes') || TRUE.test(env.get('PIP_REQUIRE_HASHES') ?? '')) return null;
      // --no-index: everything comes from --find-links folders the build already holds.
      if (has('--no-index') || TRUE.test(env.get('PIP_NO_INDEX') ?? '')) return null;
      const files = options.filter((o) => (o.name === '-r' || o.name === '--requirement') && o.value !== null).map((o) => o.value!);
      const editables = options.filter((o) => (o.name === '-e' || o.name === '--editable') && o.value !== null && !isLocal(o.value)).map((o) => o.value!);
      const remote = [...operands.filter((w) => !w.expands && !isLocal(w.value)).map((w) => w.value), ...editables].filter((t) => !/#sha256=[0-9a-f]{64}/i.test(t));
      if (files.length === 0 && remote.length === 0) return null;
      const what = [...files.map((f) => `-r ${f}`), ...remote].join(', ');
      return {
        message: `pip install ${what} runs without --require-hashes, so pip accepts whatever files the index serves for ${remote.length > 0 ? 'these packages' : 'the requirements'}`,
        fix:
          remote.length > 0
            ? `put ${remote.join(', ')} in a requirements file pinned with == and --hash (repro-pins pin writes them) and run pip install --require-hashes -r <that file>`
            : `pip install --require-hashes ${files.map((f) => `-r ${f}`).join(' ')} (repro-pins pin writes == and --hash for every requirement)`,
      };
    }),
};

export const requirementsNotHashed: Rule = {
  id: 'requirements-not-hashed',
  level: 'error',
  finds: 'a requirements line without `==` or without `--hash=`',
  // The pip manager's references: one per requirement line, `pinned` when it has `==` and a sha256 hash.
  // Editable, URL and path lines carry no specifier in their context and are not index requirements.
  check: ({ refs }) =>
    refs
      .filter((ref) => ref.manager === 'pip' && !ref.pinned && ref.context?.specifier !== undefined)
      .map((ref) => {
        const specifier = ref.context?.specifier ?? '';
        const exact = /^\s*===?\s*[^\s,*]+\s*$/.test(specifier);
        return {
          line: ref.line,
          message: exact
            ? `${ref.name}${specifier.trim()} has no --hash, so pip cannot check the file it downloads`
            : `${ref.name}${specifier ? specifier.trim() : ''} is not pinned to one version with ==, so each install may pick another`,
          fix: `${ref.name}==<version> --hash=sha256:<hash of each distribution file> (repro-pins pin writes them)`,
        };
      }),
};
