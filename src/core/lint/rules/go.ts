import { programName, type ShellCommand, type ShellWord } from '../../shell/command-line.js';
import type { ShellStep } from '../sources/shell-script.js';
import { eachCommand, type Rule } from '../rule.js';

/**
 * The go command's flags are Go `flag` package style (https://pkg.go.dev/cmd/go): one or two
 * dashes, `-name=value` or `-name value` for flags that take a value, no clusters.
 */
const VALUE_FLAGS = new Set([
  'C', 'p', 'o', 'asmflags', 'buildmode', 'compiler', 'gccgoflags', 'gcflags', 'installsuffix', 'ldflags', 'mod', 'modfile',
  'overlay', 'pgo', 'pkgdir', 'tags', 'toolexec', 'coverpkg', 'covermode', 'exec',
]);

interface GoCommand {
  subcommand: string;
  flags: { name: string; value: string | null }[];
  operands: ShellWord[];
}

export function parseGoCommand(command: ShellCommand): GoCommand | null {
  if (programName(command) !== 'go') return null;
  const [sub, ...rest] = command.words.slice(1);
  if (!sub) return null;
  const flags: GoCommand['flags'] = [];
  const operands: ShellWord[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word.expands || !word.value.startsWith('-') || word.value === '-') {
      operands.push(word);
      continue;
    }
    if (word.value === '--') {
      for (const item of rest.slice(i + 1)) operands.push(item);
      break;
    }
    const body = word.value.replace(/^--?/, '');
    const eq = body.indexOf('=');
    if (eq !== -1) flags.push({ name: body.slice(0, eq), value: body.slice(eq + 1) });
    else if (VALUE_FLAGS.has(body)) flags.push({ name: body, value: rest[++i]?.value ?? null });
    else flags.push({ name: body, value: null });
  }
  return { subcommand: sub.value, flags, operands };
}

// A module version that names one commit: a semantic version (pseudo-versions are ones) or a full commit hash.
const EXACT_VERSION = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$|^[0-9a-f]{40}$/;

/**
 * `go install pkg@version` builds outside any module, so the version is all that pins it;
 * `go get` edits go.mod during the build. Local packages (`./cmd/app`, `.`) build from the
 * repository's own go.mod and go.sum. A package named without a version is reported (as the
 * design says) even though inside a module go.mod may pin it: write the version to be sure.
 */
export const goInstallUnpinned: Rule = {
  id: 'go-install-unpinned',
  level: 'error',
  finds: '`go install` / `go get` at `@latest`, a branch, or no version',
  check: (target) =>
    eachCommand(target, ({ command }) => {
      const go = parseGoCommand(command);
      if (!go || (go.subcommand !== 'install' && go.subcommand !== 'get')) return null;
      const upgrades = go.subcommand === 'get' && go.flags.some((f) => f.name === 'u' || f.name.startsWith('u='));
      const loose = go.operands.filter((w) => {
        // `tool` (Go 1.24) names the tools go.mod's `tool` lines declare: go.mod and go.sum pin them.
        if (w.expands || /^[./]/.test(w.value) || w.value === 'all' || w.value === 'tool') return false;
        const at = w.value.lastIndexOf('@');
        const version = at === -1 ? null : w.value.slice(at + 1);
        return version !== 'none' && (version === null || !EXACT_VERSION.test(version));
      });
      if (upgrades) {
        return {
          message: `go get -u ${go.operands.map((w) => w.value).join(' ')} upgrades dependencies to whatever is newest when the build runs`,
          fix: 'commit the upgraded go.mod and go.sum, and build with go build ./... (or go mod download)',
        };
      }
      if (loose.length === 0) return null;
      const packages = loose.map((w) => w.value);
      return {
        message: `go ${go.subcommand} ${packages.join(' ')} takes ${packages.some((p) => p.includes('@')) ? 'a moving version (a query or branch)' : 'no version'}, so each build may compile different code`,
        fix: `name an exact version: ${packages.map((p) => `${p.replace(/@[^@]*$/, '')}@v<x.y.z>`).join(' ')} (a release tag or a pseudo-version)`,
      };
    }),
};

/** GOFLAGS from the environment, read as go reads it: space-separated `-flag[=value]`. */
function goFlags(step: ShellStep): GoCommand['flags'] {
  return (step.env.get('GOFLAGS') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((flag) => {
      const body = flag.replace(/^--?/, '');
      const eq = body.indexOf('=');
      return eq === -1 ? { name: body, value: null } : { name: body.slice(0, eq), value: body.slice(eq + 1) };
    });
}

/**
 * Go embeds the build directory in binaries unless `-trimpath`, and a build ID that the linker
 * takes from the inputs' paths and toolchain unless `-ldflags=-buildid=` empties it. GOFLAGS
 * (from ENV, `env:` or an export) counts as given on the command line.
 */
export const goBuildFlags: Rule = {
  id: 'go-build-flags',
  level: 'warning',
  finds: '`go build` without `-trimpath`, or without `-buildid=` in `-ldflags`',
  check: (target) =>
    eachCommand(target, (step) => {
      const go = parseGoCommand(step.command);
      if (!go || go.subcommand !== 'build') return null;
      const flags = [...goFlags(step), ...go.flags];
      const trimpath = flags.some((f) => f.name === 'trimpath' && (f.value === null || /^(?:1|t|true)$/i.test(f.value)));
      const buildid = flags.some((f) => f.name === 'ldflags' && /(?:^|[\s'"])-{1,2}buildid=/.test(f.value ?? ''));
      if (trimpath && buildid) return null;
      const missing = [...(trimpath ? [] : ['-trimpath']), ...(buildid ? [] : ['-buildid= in -ldflags'])];
      const ldflags = flags.filter((f) => f.name === 'ldflags').map((f) => f.value ?? '').join(' ').trim();
      const embeds = trimpath ? 'a build ID that changes with the build environment' : buildid ? 'the build machine’s directory paths' : 'the build machine’s directory paths and a build ID derived from them';
      return {
        message: `go build runs without ${missing.join(' and without ')}: the binary embeds ${embeds}`,
        fix: `go build -trimpath -ldflags="${ldflags ? `${ldflags} ` : ''}-buildid=" …`,
      };
    }),
};
