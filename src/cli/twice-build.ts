/**
 * `repro-pins twice-build`: builds an image twice, independently, with SOURCE_DATE_EPOCH from the
 * last commit, and compares the two OCI archives (design: "The twice-build gate"). Docker buildx
 * when a Docker engine answers, else buildah (vfs storage, chroot isolation, one storage root per
 * build so the second build reuses nothing of the first).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliIo } from './main.js';
import { UsageError } from './repo-context.js';
import { reportError, reportOutcome, verifyBuilds, outcomeIdentical } from './verify.js';

export type BuilderChoice = 'auto' | 'docker' | 'buildah';

export interface TwiceBuildOptions {
  file: string | null;
  platform: string | null;
  json: boolean;
  builder: BuilderChoice;
  /** Where the two archives go; a temp dir (removed when the builds match) when null. */
  out: string | null;
}

interface BuildRequest {
  context: string;
  dockerfile: string;
  platform: string | null;
  epoch: number;
  /** Scratch space for this build alone. */
  workDir: string;
  output: string;
}

interface Builder {
  name: 'docker buildx' | 'buildah';
  version: string;
  /** How SOURCE_DATE_EPOCH reaches the build, for the report. */
  epochFlags: string;
  build(request: BuildRequest): Promise<void>;
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runTwiceBuild(contextArg: string, options: TwiceBuildOptions, io: CliIo): Promise<number> {
  const context = resolve(contextArg);
  if (!(await stat(context).catch(() => null))?.isDirectory()) throw new UsageError(`${contextArg} is not a directory (the build context)`);
  const dockerfile = options.file ? resolve(options.file) : join(context, 'Dockerfile');
  if (!(await stat(dockerfile).catch(() => null))?.isFile()) throw new UsageError(`${options.file ?? join(contextArg, 'Dockerfile')} does not exist (give the Dockerfile with -f)`);
  const log = (line: string): void => void io.stderr.write(`twice-build: ${line}\n`);

  const epoch = await sourceDateEpoch(context, io.env, log);
  const builder = await chooseBuilder(options.builder, io.env, dockerfile);
  log(`building twice with ${builder.name} ${builder.version} (${builder.epochFlags}, no cache)`);

  const outDir = options.out ? resolve(options.out) : await mkdtemp(join(tmpdir(), 'repro-pins-twice-build-'));
  await mkdir(outDir, { recursive: true });
  const archives = [join(outDir, 'build-1.tar'), join(outDir, 'build-2.tar')] as const;
  try {
    for (const [i, output] of archives.entries()) {
      const started = Date.now();
      log(`build ${i + 1}/2 …`);
      const workDir = await mkdtemp(join(tmpdir(), `repro-pins-build-${i + 1}-`));
      try {
        await builder.build({ context, dockerfile, platform: options.platform, epoch, workDir, output });
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
      log(`build ${i + 1}/2 done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${output}`);
    }
  } catch (error) {
    if (!(error instanceof BuildFailed)) throw error;
    io.stderr.write(`repro-pins: ${error.message}\n`);
    if (options.json) io.stdout.write(`${JSON.stringify({ error: { kind: 'build', message: error.message } }, null, 2)}\n`);
    if (!options.out) await rm(outDir, { recursive: true, force: true });
    return 2;
  }

  const report = { builder: { name: builder.name, version: builder.version }, sourceDateEpoch: epoch, archives };
  let code: number;
  let identical = false;
  try {
    const outcome = await verifyBuilds(archives[0], archives[1]);
    identical = outcomeIdentical(outcome);
    code = reportOutcome(outcome, { json: options.json }, io, report);
  } catch (error) {
    code = reportError(error, { json: options.json }, io);
  }
  if (!options.out && identical) await rm(outDir, { recursive: true, force: true });
  else log(`the two archives are kept in ${outDir}`);
  return code;
}

class BuildFailed extends Error {}

/** The last commit's time, as the design asks; when there is no commit, the environment's value or 0, said out loud. */
async function sourceDateEpoch(context: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<number> {
  const git = await runCommand('git', ['-C', context, 'log', '-1', '--format=%ct'], { env }).catch(() => null);
  const fromGit = git?.code === 0 ? git.stdout.trim() : '';
  if (/^\d+$/.test(fromGit)) {
    log(`SOURCE_DATE_EPOCH=${fromGit} (time of the last commit in ${context})`);
    return Number(fromGit);
  }
  const reason = git === null ? 'git is not installed' : `${context} is not in a git repository with a commit`;
  const fromEnv = env.SOURCE_DATE_EPOCH?.trim();
  if (fromEnv && /^\d+$/.test(fromEnv)) {
    log(`${reason}: using SOURCE_DATE_EPOCH=${fromEnv} from the environment`);
    return Number(fromEnv);
  }
  log(`${reason}: using SOURCE_DATE_EPOCH=0 (1970-01-01); set SOURCE_DATE_EPOCH to choose another time`);
  return 0;
}

async function chooseBuilder(choice: BuilderChoice, env: NodeJS.ProcessEnv, dockerfile: string): Promise<Builder> {
  if (choice !== 'buildah') {
    // A docker CLI without a reachable engine is common (CI images, rootless setups): only a
    // successful `docker info` means buildx can build.
    const info = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], { env, timeoutMs: 20_000 }).catch(() => null);
    if (info?.code === 0) return dockerBuilder(env, info.stdout.trim());
    if (choice === 'docker') throw new UsageError('`docker info` failed: no Docker engine answers (use --builder buildah, or start Docker)');
  }
  const version = await runCommand('buildah', ['--version'], { env }).catch(() => null);
  if (!version || version.code !== 0) {
    throw new UsageError('neither a Docker engine (`docker info`) nor buildah (`buildah --version`) is available: install one of them');
  }
  const help = await runCommand('buildah', ['build', '--help'], { env });
  return buildahBuilder(env, version.stdout.trim().replace(/^buildah version\s+/, '').split(' ')[0] ?? 'unknown', help.stdout.includes('--source-date-epoch'), await loopbackRegistries(dockerfile));
}

function dockerBuilder(env: NodeJS.ProcessEnv, engineVersion: string): Builder {
  return {
    name: 'docker buildx',
    version: `(engine ${engineVersion})`,
    epochFlags: '--build-arg SOURCE_DATE_EPOCH, rewrite-timestamp=true, --provenance=false --sbom=false',
    async build(r) {
      const args = ['buildx', 'build', '--no-cache', '--provenance=false', '--sbom=false', '--build-arg', `SOURCE_DATE_EPOCH=${r.epoch}`];
      if (r.platform) args.push('--platform', r.platform);
      args.push('-f', r.dockerfile, '--output', `type=oci,dest=${r.output},rewrite-timestamp=true`, r.context);
      await mustSucceed('docker', args, { env: { ...env, SOURCE_DATE_EPOCH: String(r.epoch) } });
    },
  };
}

/**
 * buildah before 1.41 has only `--timestamp` (created time and every file time set to the epoch);
 * 1.41 added `--source-date-epoch` with `--rewrite-timestamp` (clamp, as BuildKit does).
 */
function buildahBuilder(env: NodeJS.ProcessEnv, version: string, hasSourceDateEpoch: boolean, insecure: string[]): Builder {
  return {
    name: 'buildah',
    version,
    epochFlags: hasSourceDateEpoch ? '--source-date-epoch, --rewrite-timestamp' : '--timestamp',
    async build(r) {
      const global = ['--storage-driver', 'vfs', '--root', join(r.workDir, 'root'), '--runroot', join(r.workDir, 'runroot')];
      const buildEnv: NodeJS.ProcessEnv = { ...env, SOURCE_DATE_EPOCH: String(r.epoch) };
      if (insecure.length > 0) buildEnv.CONTAINERS_REGISTRIES_CONF = await writeRegistriesConf(r.workDir, insecure);
      const epochArgs = hasSourceDateEpoch
        ? ['--source-date-epoch', String(r.epoch), '--rewrite-timestamp']
        : ['--timestamp', String(r.epoch), '--build-arg', `SOURCE_DATE_EPOCH=${r.epoch}`];
      const args = [...global, 'build', '--isolation', 'chroot', '--no-cache', ...epochArgs, '-f', r.dockerfile];
      const multi = r.platform?.includes(',') ?? false;
      if (r.platform) args.push('--platform', r.platform);
      const list = 'localhost/repro-pins-twice-build:latest';
      args.push(...(multi ? ['--manifest', list] : ['-t', `oci-archive:${r.output}`]), r.context);
      try {
        await mustSucceed('buildah', args, { env: buildEnv });
        if (multi) await mustSucceed('buildah', [...global, 'manifest', 'push', '--all', list, `oci-archive:${r.output}`], { env: buildEnv });
      } finally {
        // vfs mounts nothing, but the containers it leaves hold the whole root filesystem.
        await runCommand('buildah', [...global, 'rm', '--all'], { env: buildEnv }).catch(() => null);
      }
    },
  };
}

/**
 * Docker talks plain HTTP to loopback registries; buildah wants them listed as insecure. Only
 * the loopback hosts the Dockerfile names are added, on top of the system's own configuration.
 */
async function loopbackRegistries(dockerfile: string): Promise<string[]> {
  const text = await readFile(dockerfile, 'utf8');
  const hosts = text.match(/\b(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?(?=\/)/g) ?? [];
  return [...new Set(hosts)].sort();
}

async function writeRegistriesConf(dir: string, insecure: string[]): Promise<string> {
  const system = await readFile('/etc/containers/registries.conf', 'utf8').catch(() => '');
  const file = join(dir, 'registries.conf');
  const entries = insecure.map((host) => `\n[[registry]]\nlocation = ${JSON.stringify(host)}\ninsecure = true\n`).join('');
  await writeFile(file, `${system}\n${entries}`);
  return file;
}

async function mustSucceed(command: string, args: string[], options: { env: NodeJS.ProcessEnv }): Promise<CommandResult> {
  const result = await runCommand(command, args, options).catch((error: Error) => {
    throw new BuildFailed(`\`${command}\` could not be started: ${error.message}`);
  });
  if (result.code !== 0) {
    const tail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-25).join('\n');
    throw new BuildFailed(`\`${command} ${args.join(' ')}\` failed (exit ${result.code}):\n${tail}`);
  }
  return result;
}

function runCommand(command: string, args: string[], options: { env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-64 * 1024)));
    child.once('error', reject);
    child.once('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
