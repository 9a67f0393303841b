/**
 * Jest global setup: starts a real OCI registry (Debian's `docker-registry`, i.e. the CNCF
 * distribution registry) on a free loopback port, builds a few tiny images with buildah and
 * pushes them there, then writes a JSON file describing the result and points
 * `process.env.REPRO_TEST_ENV` at it (Jest workers inherit the environment).
 *
 * Every digest in that file is one the push reported (`--digestfile`) or one the registry served
 * in a pushed index, and each is re-checked by fetching the manifest and hashing the body.
 *
 * Needs the Debian packages docker-registry, buildah and busybox-static:
 * `.ci/run` and `scripts/ensure-test-deps.sh` (the `pretest` script) install them.
 *
 * Jest loads global hooks outside its test module system (jest.config.js's moduleNameMapper, which
 * maps `./x.js` to `./x.ts`, may not apply), so this file and global-teardown.ts import only
 * `node:` builtins at runtime; type-only imports are fine, they are erased.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, openSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestEnv } from './test-env.js';

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

const BUSYBOX = '/bin/busybox';
const INSTALL_HINT =
  'Install the Debian packages with `apt-get install -y --no-install-recommends docker-registry buildah busybox-static` ' +
  '(`bash scripts/ensure-test-deps.sh` does this, and `.ci/run` does it in CI).';

/** What global-teardown needs; also kept on globalThis for when the JSON file is gone. */
export interface HarnessState {
  tmpDir: string;
  registryPid: number;
}

declare global {
  // eslint-disable-next-line no-var
  var __REPRO_TEST_HARNESS__: HarnessState | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const tools = findTools();
  const tmpDir = await mkdtemp(join(tmpdir(), 'repro-pins-test-'));
  let registry: RunningRegistry | undefined;
  try {
    registry = await startRegistry(tools.registry, tmpDir);
    globalThis.__REPRO_TEST_HARNESS__ = { tmpDir, registryPid: registry.pid };
    const buildah = new Buildah(tools.buildah, tmpDir);
    const pushed = await buildAndPushImages(buildah, registry.host, tmpDir);
    await buildah.cleanUp();

    const env: TestEnv = {
      version: 1,
      registry: registry.host,
      registryUrl: `http://${registry.host}`,
      images: pushed.images,
      mediaTypes: pushed.mediaTypes,
      platformDigests: pushed.platformDigests,
      pids: { registry: registry.pid },
      tmpDir,
      setupMs: Date.now() - started,
    };
    const envFile = join(tmpDir, 'test-env.json');
    await writeFile(envFile, JSON.stringify(env, null, 2) + '\n');
    process.env.REPRO_TEST_ENV = envFile;
  } catch (error) {
    if (registry) await stopProcess(registry.pid);
    globalThis.__REPRO_TEST_HARNESS__ = undefined;
    await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Tools

function findTools(): { registry: string; buildah: string } {
  const missing: string[] = [];
  const registry = findExecutable('docker-registry', ['/usr/bin/docker-registry']);
  if (!registry) missing.push('docker-registry (package docker-registry)');
  const buildah = findExecutable('buildah', ['/usr/bin/buildah']);
  if (!buildah) missing.push('buildah (package buildah)');
  if (!isExecutableFile(BUSYBOX)) missing.push(`${BUSYBOX} (package busybox-static)`);
  if (missing.length > 0 || !registry || !buildah) {
    throw new Error(
      `The real-registry test harness needs tools that are not installed: ${missing.join(', ')}. ${INSTALL_HINT}`,
    );
  }
  return { registry, buildah };
}

function findExecutable(name: string, fallbacks: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...dirs.map((dir) => join(dir, name)), ...fallbacks].find(isExecutableFile);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Registry

interface RunningRegistry {
  pid: number;
  /** `127.0.0.1:PORT` */
  host: string;
}

async function startRegistry(binary: string, tmpDir: string): Promise<RunningRegistry> {
  let lastError: unknown;
  // The free port is found by binding port 0 and releasing it, so another process could take it
  // before the registry binds it; if the registry exits early, try again with a fresh port.
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startRegistryOnce(binary, tmpDir, await freePort(), attempt);
    } catch (error) {
      if (!(error instanceof RegistryExitedError)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

async function startRegistryOnce(
  binary: string,
  tmpDir: string,
  port: number,
  attempt: number,
): Promise<RunningRegistry> {
  const host = `127.0.0.1:${port}`;
  const configFile = join(tmpDir, `registry-${attempt}.yml`);
  const logFile = join(tmpDir, `registry-${attempt}.log`);
  await writeFile(
    configFile,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(join(tmpDir, 'registry-data'))}`,
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  const logFd = openSync(logFile, 'a');
  const child = spawn(binary, ['serve', configFile], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
  child.once('error', (error) => (exited = `failed to start: ${error.message}`));
  const pid = child.pid;
  // A crashed Jest would otherwise leave the registry running.
  // (Only while teardown has not run yet: after that the pid may belong to someone else.)
  const killOnExit = (): void => {
    if (pid && globalThis.__REPRO_TEST_HARNESS__?.registryPid === pid) tryKill(pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);

  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8').trim().slice(-4000) || '(empty)';
    } catch {
      return '(no log)';
    }
  };
  const deadline = Date.now() + 20_000;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new RegistryExitedError(`docker-registry ${exited} before answering on ${host}. Its output:\n${log()}`);
    }
    try {
      const response = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200 && pid) return { pid, host };
      lastProblem = `GET /v2/ answered ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await sleep(50);
  }
  if (pid) await stopProcess(pid);
  throw new Error(
    `docker-registry did not answer 200 on http://${host}/v2/ within 20 s (${lastProblem}). Its output:\n${log()}`,
  );
}

class RegistryExitedError extends Error {}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** SIGTERM, then SIGKILL if the process is still there after two seconds. */
async function stopProcess(pid: number): Promise<void> {
  if (!tryKill(pid, 'SIGTERM')) return;
  for (let waited = 0; waited < 2000; waited += 50) {
    await sleep(50);
    if (!isAlive(pid)) return;
  }
  tryKill(pid, 'SIGKILL');
}

function tryKill(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A child that has exited but was not reaped yet is a zombie; count it as gone.
  try {
    return !/^\S+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Buildah

class Buildah {
  private readonly globalArgs: string[];
  private readonly storageDir: string;

  constructor(
    private readonly binary: string,
    tmpDir: string,
  ) {
    // vfs storage in the temp dir: nothing touches the machine's container storage, no
    // overlay/fuse needed, and nothing is mounted that teardown would have to unmount.
    this.globalArgs = [
      '--storage-driver',
      'vfs',
      '--root',
      join(tmpDir, 'buildah', 'storage'),
      '--runroot',
      join(tmpDir, 'buildah', 'run'),
    ];
    this.storageDir = join(tmpDir, 'buildah');
  }

  run(...args: string[]): Promise<string> {
    const all = [...this.globalArgs, ...args];
    return new Promise((resolve, reject) => {
      execFile(this.binary, all, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) {
          const status = error.code ?? error.signal ?? error.message;
          reject(new Error(`\`buildah ${all.join(' ')}\` failed (${status}):\n${stderr.trim() || '(no output)'}`));
        } else {
          resolve(stdout.trim());
        }
      });
    });
  }

  async cleanUp(): Promise<void> {
    await this.run('rm', '--all').catch(() => undefined);
    await rm(this.storageDir, { recursive: true, force: true });
  }
}

interface PushedImages {
  images: Record<string, string>;
  mediaTypes: Record<string, string>;
  platformDigests: Record<string, Record<string, string>>;
}

async function buildAndPushImages(buildah: Buildah, registry: string, tmpDir: string): Promise<PushedImages> {
  const result: PushedImages = { images: {}, mediaTypes: {}, platformDigests: {} };
  const digestFile = (name: string): string => join(tmpDir, `digest-${name.replace(/[^a-z0-9.-]/gi, '_')}`);

  // One working container holding the busybox copy, committed once per image with a different
  // configuration each time. Re-committing an unchanged container reuses the stored layer
  // (~0.1 s); `buildah from <base image>` per image would copy and re-diff it (~0.8 s each).
  const container = await buildah.run('from', '--quiet', 'scratch');
  await buildah.run('copy', '--quiet', container, BUSYBOX, '/bin/busybox');
  // Every commit sets all of these, so nothing leaks from one image's configuration to the next.
  const commit = async (local: string, config: { arch: string; label: string; cmd: string }): Promise<void> => {
    await buildah.run(
      'config', '--os', 'linux', '--arch', config.arch, '--label', `org.example.test-image=${config.label}`,
      '--cmd', config.cmd, container,
    );
    // OCI format, then converted by push where a test wants Docker schema 2: a Docker-format
    // commit records the (random) working container id, which would change digests every run.
    // --timestamp 0 likewise keeps the pushed bytes, and so the digests, the same between runs.
    await buildah.run('commit', '--quiet', '--timestamp', '0', '--format', 'oci', container, local);
  };
  const push = async (local: string, name: string, format: 'oci' | 'v2s2', mediaType: string): Promise<void> => {
    const file = digestFile(name);
    await buildah.run(
      'push', '--quiet', '--tls-verify=false', '--format', format, '--digestfile', file,
      local, `docker://${registry}/${name}`,
    );
    result.images[name] = await readDigestFile(file, name);
    result.mediaTypes[name] = mediaType;
  };
  const shell = '["/bin/busybox","sh"]';

  // Docker Hub style (Docker v2 schema 2) images: two tags of one repository with different digests.
  for (const version of ['1.36', '1.37']) {
    const name = `test/busybox:${version}`;
    await commit(`localhost/${name}`, { arch: 'amd64', label: name, cmd: shell });
    await push(`localhost/${name}`, name, 'v2s2', MEDIA_TYPES.dockerManifest);
  }

  // A multi-platform OCI index. The arm64 image only claims to be arm64 (its busybox is the
  // amd64 binary); nothing ever runs it.
  const multi = 'test/multi:1.0';
  const list = `localhost/${multi}`;
  await buildah.run('manifest', 'create', list);
  for (const arch of ['amd64', 'arm64']) {
    const local = `localhost/test/multi-${arch}:1.0`;
    await commit(local, { arch, label: `${multi} linux/${arch}`, cmd: shell });
    await buildah.run('manifest', 'add', '--os', 'linux', '--arch', arch, list, local);
  }
  const multiDigestFile = digestFile(multi);
  await buildah.run(
    'manifest', 'push', '--quiet', '--all', '--tls-verify=false', '--format', 'oci',
    '--digestfile', multiDigestFile, list, `docker://${registry}/${multi}`,
  );
  result.images[multi] = await readDigestFile(multiDigestFile, multi);
  result.mediaTypes[multi] = MEDIA_TYPES.ociIndex;

  // A single-platform OCI image. Last, because it adds a file to the shared container.
  const appRelease = join(tmpDir, 'app-release');
  await writeFile(appRelease, 'test/app 2.0\n');
  await buildah.run('copy', '--quiet', container, appRelease, '/etc/app-release');
  await commit('localhost/test/app:2.0', {
    arch: 'amd64',
    label: 'test/app:2.0',
    cmd: '["/bin/busybox","cat","/etc/app-release"]',
  });
  await push('localhost/test/app:2.0', 'test/app:2.0', 'oci', MEDIA_TYPES.ociManifest);

  // Sanity check: the registry serves exactly what the pushes reported.
  for (const [name, digest] of Object.entries(result.images)) {
    const { repository, tag } = splitName(name);
    const body = await fetchManifest(registry, repository, tag, result.mediaTypes[name]!);
    if (body.digest !== digest) {
      throw new Error(`harness sanity check: buildah reported ${digest} for ${name} but the registry serves ${body.digest}`);
    }
  }

  // Per-platform digests come from the pushed index as the registry serves it (its hash was
  // just checked), and each child is fetched by digest and hashed again.
  // (`buildah manifest inspect` cannot be used for this: it shows the local list, whose child
  // digests are those of the locally stored manifests, not of the ones the push wrote.)
  const index = await fetchManifest(registry, 'test/multi', '1.0', MEDIA_TYPES.ociIndex);
  const parsed = JSON.parse(index.body.toString('utf8')) as {
    manifests?: Array<{ digest?: string; mediaType?: string; platform?: { os?: string; architecture?: string; variant?: string } }>;
  };
  const platforms: Record<string, string> = {};
  for (const entry of parsed.manifests ?? []) {
    const platform = entry.platform;
    if (!platform?.os || !platform.architecture || !entry.digest) continue;
    const key = [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
    const child = await fetchManifest(registry, 'test/multi', entry.digest, entry.mediaType ?? MEDIA_TYPES.ociManifest);
    if (child.digest !== entry.digest) {
      throw new Error(`harness sanity check: test/multi@${entry.digest} (${key}) hashes to ${child.digest}`);
    }
    platforms[key] = entry.digest;
  }
  if (Object.keys(platforms).sort().join(',') !== 'linux/amd64,linux/arm64') {
    throw new Error(`harness sanity check: test/multi:1.0 has platforms ${JSON.stringify(platforms)}, expected linux/amd64 and linux/arm64`);
  }
  result.platformDigests[multi] = platforms;
  return result;
}

async function readDigestFile(file: string, name: string): Promise<string> {
  const digest = (await readFile(file, 'utf8')).trim();
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new Error(`buildah wrote ${JSON.stringify(digest)} as the digest of ${name}; expected sha256:<64 hex>`);
  }
  return digest;
}

function splitName(name: string): { repository: string; tag: string } {
  const colon = name.lastIndexOf(':');
  return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
}

/** GETs a manifest asking only for `mediaType`; checks the answer's type and digest header. */
async function fetchManifest(
  registry: string,
  repository: string,
  reference: string,
  mediaType: string,
): Promise<{ digest: string; body: Buffer }> {
  const url = `http://${registry}/v2/${repository}/manifests/${reference}`;
  const response = await fetch(url, { headers: { Accept: mediaType }, signal: AbortSignal.timeout(10_000) });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) {
    throw new Error(`harness sanity check: GET ${url} answered ${response.status}: ${body.toString('utf8').slice(0, 500)}`);
  }
  const contentType = response.headers.get('content-type');
  if (contentType !== mediaType) {
    throw new Error(`harness sanity check: GET ${url} served ${contentType}, expected ${mediaType}`);
  }
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const header = response.headers.get('docker-content-digest');
  if (header !== digest) {
    throw new Error(`harness sanity check: GET ${url} body hashes to ${digest} but Docker-Content-Digest says ${header}`);
  }
  return { digest, body };
}
