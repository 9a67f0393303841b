import { programName, type ShellCommand } from '../../shell/command-line.js';
import { parseArguments, type ParsedOption } from '../../shell/arguments.js';
import type { ShellStep } from '../sources/shell-script.js';
import { everyStep, lineOf, type LintTarget, type Rule, type RuleHit } from '../rule.js';

/**
 * Image builds run from workflows and scripts: `docker build` (also `docker image build`,
 * `docker builder build`), `docker buildx build` (`b`), `buildah build` / `buildah bud`.
 * A Dockerfile RUN does not build images, so these rules read workflows and scripts only.
 */
interface ImageBuild {
  tool: 'docker build' | 'docker buildx build' | 'buildah build';
  options: ParsedOption[];
  step: ShellStep;
}

const DOCKER_GLOBAL_VALUES = new Set(['-H', '--host', '-c', '--context', '--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey']);
const BUILDAH_GLOBAL_VALUES = new Set(['--root', '--runroot', '--storage-driver', '--storage-opt', '--registries-conf', '--registries-conf-dir', '--short-name-alias-conf', '--userns-uid-map', '--userns-gid-map', '--log-level', '--cgroup-manager', '--default-mounts-file']);
const BUILD_VALUES = [
  '--build-arg', '--build-context', '--cache-from', '--cache-to', '--cgroup-parent', '--file', '--iidfile', '--label', '--metadata-file', '--network',
  '--no-cache-filter', '--output', '--platform', '--progress', '--secret', '--shm-size', '--ssh', '--tag', '--target', '--ulimit', '--attest', '--allow',
  '--annotation', '--add-host', '--builder', '--call', '--timestamp', '--source-date-epoch', '--format', '--isolation', '--jobs', '--os', '--arch',
  '--variant', '--userns', '--volume', '--env', '--runtime', '--cap-add', '--cap-drop', '--creds', '--authfile', '--cert-dir', '--sign-by', '--memory',
  '--cpu-shares', '--cpuset-cpus', '--cpu-quota', '--cpu-period', '--logfile', '--manifest', '--retry', '--retry-delay', '--layer-label',
];

/** The operands of a command after global options that take a value (`docker --context ci buildx build`). */
function subcommands(command: ShellCommand, globalValues: ReadonlySet<string>): { names: string[]; rest: ShellCommand['words'] } {
  const words = command.words.slice(1);
  const names: string[] = [];
  let i = 0;
  while (i < words.length && names.length < 3) {
    const value = words[i]!.value;
    if (value.startsWith('-')) {
      i += globalValues.has(value) ? 2 : 1;
      continue;
    }
    names.push(value);
    i++;
    if (!['image', 'builder', 'buildx'].includes(value)) break;
  }
  return { names, rest: words.slice(i) };
}

export function parseImageBuild(step: ShellStep): ImageBuild | null {
  const program = programName(step.command);
  let tool: ImageBuild['tool'] | null = null;
  let rest: ShellCommand['words'] = [];
  if (program === 'docker') {
    const parsed = subcommands(step.command, new Set([...DOCKER_GLOBAL_VALUES, '--builder']));
    const names = parsed.names.join(' ');
    if (names === 'build' || names === 'image build' || names === 'builder build') tool = 'docker build';
    else if (names === 'buildx build' || names === 'buildx b') tool = 'docker buildx build';
    rest = parsed.rest;
  } else if (program === 'buildah') {
    const parsed = subcommands(step.command, BUILDAH_GLOBAL_VALUES);
    if (parsed.names[0] === 'build' || parsed.names[0] === 'bud') tool = 'buildah build';
    rest = parsed.rest;
  }
  if (tool === null) return null;
  const options = parseArguments(rest, { valueShort: 'ftomcv', valueLong: BUILD_VALUES }).options;
  // docker and buildah read flags with pflag, where `-o=value` is `-o value`, not a value starting with `=`.
  return { tool, options: options.map((o) => (o.name.length === 2 && o.value?.startsWith('=') && o.valueWord?.value.startsWith(`${o.name}=`) ? { ...o, value: o.value.slice(1) } : o)), step };
}

function imageBuilds(target: LintTarget): ImageBuild[] {
  return everyStep(target).flatMap(({ script, step }) => (script.origin === 'dockerfile' ? [] : (parseImageBuild(step) ?? [])));
}

const values = (build: ImageBuild, ...names: string[]) => build.options.filter((o) => names.includes(o.name)).map((o) => o.value ?? '');

/** `type=image,push=true` → its keys; a value without `=` is a local path (or `-`), which exports files, not an image. */
function csv(value: string): Map<string, string> {
  return new Map(value.split(',').map((part) => [part.slice(0, part.indexOf('=') === -1 ? part.length : part.indexOf('=')), part.slice(part.indexOf('=') + 1)]));
}

/**
 * What a buildx build exports as an image: `--push`, `--load`, or outputs of type image, oci,
 * docker or registry. With an `--output` given, buildx folds `--push` (`push=true`) and `--load`
 * into the first output instead of adding one (docker/buildx `commands/build.go`), so only the
 * outputs' own attributes count then.
 */
function imageExports(build: ImageBuild): { shorthand: string[]; outputs: string[] } {
  const given = values(build, '-o', '--output');
  const shorthand = given.length > 0 ? [] : build.options.filter((o) => o.name === '--push' || o.name === '--load').map((o) => o.name);
  const outputs = given.filter((o) => ['image', 'oci', 'docker', 'registry'].includes(csv(o).get('type') ?? ''));
  return { shorthand, outputs };
}

export const buildNoEpoch: Rule = {
  id: 'build-no-epoch',
  level: 'error',
  finds: '`docker build` / `docker buildx build` in a workflow or script with no SOURCE_DATE_EPOCH given; `buildah build` without `--timestamp` or `--source-date-epoch`',
  check: (target) =>
    imageBuilds(target).flatMap((build): RuleHit[] => {
      const line = lineOf(target, build.step.at);
      if (build.tool === 'buildah build') {
        if (build.options.some((o) => o.name === '--timestamp' || o.name === '--source-date-epoch')) return [];
        return [
          {
            line,
            message: 'buildah build runs without --timestamp or --source-date-epoch: the image config and file times are the build time, so no two builds match',
            fix: 'buildah build --timestamp "$(git log -1 --format=%ct)" … (buildah 1.41 and later: --source-date-epoch "$(git log -1 --format=%ct)" --rewrite-timestamp)',
          },
        ];
      }
      const given = build.step.env.has('SOURCE_DATE_EPOCH') || values(build, '--build-arg').some((arg) => arg.startsWith('SOURCE_DATE_EPOCH='));
      if (given) return [];
      return [
        {
          line,
          message: `${build.tool} runs with no SOURCE_DATE_EPOCH: the image's creation time and history are the build time, so no two builds match`,
          fix: 'set SOURCE_DATE_EPOCH to the commit time first (export SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)", or env: on the step), or pass --build-arg SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"',
        },
      ];
    }),
};

export const buildNoRewriteTimestamp: Rule = {
  id: 'build-no-rewrite-timestamp',
  level: 'warning',
  finds: '`docker buildx build` exporting an image without `rewrite-timestamp=true`',
  check: (target) =>
    imageBuilds(target).flatMap((build): RuleHit[] => {
      if (build.tool !== 'docker buildx build') return [];
      const { shorthand, outputs } = imageExports(build);
      const bare = outputs.filter((o) => csv(o).get('rewrite-timestamp') !== 'true');
      if (shorthand.length === 0 && bare.length === 0) return [];
      const type = shorthand.includes('--push') ? 'image,push=true' : shorthand.includes('--load') ? 'docker' : (csv(bare[0] ?? '').get('type') ?? 'image');
      return [
        {
          line: lineOf(target, build.step.at),
          message: `docker buildx build exports an image (${[...shorthand, ...bare.map((o) => `--output ${o}`)].join(', ')}) without rewrite-timestamp=true: files the build writes keep their build-time mtimes in the layers`,
          fix: shorthand.length > 0 ? `replace ${shorthand.join(' and ')} with --output type=${type},rewrite-timestamp=true (with SOURCE_DATE_EPOCH set)` : `add rewrite-timestamp=true to the output: --output ${bare[0]},rewrite-timestamp=true`,
        },
      ];
    }),
};

export const buildAttestations: Rule = {
  id: 'build-attestations',
  level: 'warning',
  finds: '`docker buildx build` exporting an image without `--provenance=false`',
  check: (target) =>
    imageBuilds(target).flatMap((build): RuleHit[] => {
      if (build.tool !== 'docker buildx build') return [];
      const { shorthand, outputs } = imageExports(build);
      if (shorthand.length === 0 && outputs.length === 0) return [];
      const provenance = values(build, '--provenance');
      const off = provenance.some((v) => /^(?:false|0)$/i.test(v)) || values(build, '--attest').some((a) => csv(a).get('type') === 'provenance' && csv(a).get('disabled') === 'true');
      const noDefault = /^(?!0$|false$).+/i.test(build.step.env.get('BUILDX_NO_DEFAULT_ATTESTATIONS') ?? '') && provenance.length === 0;
      if (off || noDefault) return [];
      return [
        {
          line: lineOf(target, build.step.at),
          message: 'docker buildx build exports an image with a provenance attestation, which records the build time and invocation: the index digest differs on every build',
          fix: 'add --provenance=false (publish provenance separately if you need it)',
        },
      ];
    }),
};
