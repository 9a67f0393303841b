/**
 * A real registry on loopback for the benchmark: Debian's `docker-registry` (the CNCF
 * distribution registry) with filesystem storage in a temp dir, filled through the distribution
 * API alone, and a counting reverse proxy in front of it.
 *
 * The test harness (test/support/global-setup.ts) starts the same binary, but it is Jest-only,
 * builds images with buildah and is not compiled with `bench/`; this is the compact variant.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Agent, createServer as createHttpServer, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export const MEDIA_TYPES = {
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** A tool the benchmark needs is not installed: the message names the Debian package. */
export class MissingToolError extends Error {}

// ---------------------------------------------------------------------------------------------
// The registry process

export interface LoopbackRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  version: string;
  stop(): Promise<void>;
  /** Last resort from a `process.on('exit')` handler, where nothing asynchronous runs. */
  killNow(): void;
}

export async function startRegistry(workDir: string): Promise<LoopbackRegistry> {
  try {
    accessSync(REGISTRY_BINARY, constants.X_OK);
  } catch {
    throw new MissingToolError(
      `${REGISTRY_BINARY} is missing: install the Debian package docker-registry ` +
        '(`apt-get install -y --no-install-recommends docker-registry`).',
    );
  }
  // The free port is found by binding port 0 and releasing it, so another process can take it
  // first; a registry that exits before answering is retried on a fresh port.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(workDir, await freePort(), attempt);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(workDir: string, port: number, attempt: number): Promise<LoopbackRegistry> {
  const host = `127.0.0.1:${port}`;
  const config = join(workDir, `registry-${attempt}.yml`);
  const logFile = join(workDir, `registry-${attempt}.log`);
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: {level: error, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${JSON.stringify(join(workDir, 'registry-data'))}}}`,
      `http: {addr: ${JSON.stringify(host)}}`,
      '',
    ].join('\n'),
  );
  const logFd = openSync(logFile, 'a');
  const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
  child.once('error', (error) => (exited = `failed to start: ${error.message}`));
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8').trim().slice(-2000) || '(empty)';
    } catch {
      return '(no log)';
    }
  };

  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`docker-registry ${exited} before answering on ${host}:\n${log()}`);
    try {
      const response = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) {
        return { host, version: registryVersion(), stop: () => stopChild(child), killNow: () => void child.kill('SIGKILL') };
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stopChild(child);
  throw new Error(`docker-registry did not answer on http://${host}/v2/ within 15 s:\n${log()}`);
}

/** `docker-registry --version` prints "<binary> github.com/docker/distribution 2.8.2+ds1". */
function registryVersion(): string {
  try {
    return execFileSync(REGISTRY_BINARY, ['--version'], { encoding: 'utf8' }).trim().split(/\s+/).pop() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** SIGTERM, then SIGKILL if the registry has not exited after two seconds. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A loopback port that was free a moment ago; a server that then fails to bind it retries with a fresh one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Pushing through the distribution API
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** A registry's answer that the benchmark did not expect; the message quotes its body. */
async function unexpected(what: string, response: Response): Promise<Error> {
  const body = (await response.text()).slice(0, 500);
  return new Error(`${what} answered ${response.status}: ${body}`);
}

/** Monolithic upload: POST opens the session, one PUT with `?digest=` sends the bytes and closes it. */
export async function uploadBlob(host: string, repository: string, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  const digest = sha256(bytes);
  const opened = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await opened.arrayBuffer();
  const location = opened.headers.get('location');
  if (opened.status !== 202 || !location) throw await unexpected(`POST /v2/${repository}/blobs/uploads/`, opened);
  const url = new URL(location, `http://${host}`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  if (put.status !== 201) throw await unexpected(`PUT blob ${digest} to ${repository}`, put);
  await put.arrayBuffer();
  return { mediaType, digest, size: bytes.length };
}

export type ManifestPut = { ok: true; digest: string } | { ok: false; status: number; body: string };

/**
 * PUTs a manifest under a tag or digest. The registry's `Docker-Content-Digest` must equal the
 * sha256 of the bytes sent: the digest a client pins is that of the exact bytes stored.
 */
export async function putManifest(host: string, repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<ManifestPut> {
  const response = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  const body = await response.text();
  if (response.status !== 201) return { ok: false, status: response.status, body: body.slice(0, 500) };
  const header = response.headers.get('docker-content-digest');
  const sent = sha256(bytes);
  if (header !== sent) {
    throw new Error(`PUT ${repository}:${reference}: the registry says Docker-Content-Digest ${header}, the bytes sent hash to ${sent}`);
  }
  return { ok: true, digest: header };
}

// ---------------------------------------------------------------------------------------------
// The counting proxy

export type PathKind = 'manifest' | 'other';

/** Requests by `METHOD kind`, e.g. `HEAD manifest`. */
export type RequestTally = Map<string, number>;

export interface CountingProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  /** The requests forwarded since the last call, and a fresh count from now on. */
  takeTally(): RequestTally;
  close(): Promise<void>;
}

const manifestPath = /^\/v2\/.+\/manifests\/[^/]+$/;

export function pathKind(path: string): PathKind {
  return manifestPath.test(path.split('?')[0] ?? '') ? 'manifest' : 'other';
}

/**
 * A reverse proxy that forwards every request unchanged and counts it, so the figures are what
 * the registry received, not what a client believes it sent.
 */
export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const [upstreamHost, upstreamPort] = upstream.split(':');
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let tally: RequestTally = new Map();
  const server = createHttpServer((req, res) => {
    const key = `${req.method ?? '?'} ${pathKind(req.url ?? '')}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    const forwarded = request(
      { host: upstreamHost, port: Number(upstreamPort), method: req.method, path: req.url, headers: req.headers, agent },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    forwarded.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bench proxy: ${error.message}\n`);
    });
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    takeTally: () => {
      const taken = tally;
      tally = new Map();
      return taken;
    },
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
