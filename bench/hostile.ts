/**
 * `npm run bench:hostile`: time and peak RSS of the big and hostile inputs of issue 10, each at
 * a size and at twice that size, and how the time grows when the input doubles (about 2 is
 * linear, about 4 quadratic). It measures and prints a table; it asserts nothing and exits 0.
 *
 * Each case runs in its own child process (this file with `--case NAME --size N`), so peak RSS
 * (`process.resourceUsage().maxRSS`) is that case's alone, with a timeout so an input that is
 * still slow shows "timeout" instead of stalling the run. Inputs that take long to make (the
 * gzip and xz bombs) are made once, by the parent, in a temp folder; the rest by the child,
 * before its clock starts. Every case goes through a public entry point as it exists today.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';
import { TarParser } from '../src/core/archive/tar.js';
import { defaultConfig, parseRepoConfig } from '../src/core/config.js';
import { decompressXz } from '../src/core/datasources/debian/xz.js';
import { RegistryClient } from '../src/core/datasources/docker/registry-client.js';
import { readSdistMetadata } from '../src/core/datasources/python-index/core-metadata.js';
import { parseImageRef } from '../src/core/image-ref.js';
import { lintSources } from '../src/core/lint/index.js';
import { managers } from '../src/core/managers/index.js';
import { extractReferences, selectFiles } from '../src/core/plan.js';
import { loadImage } from '../src/oci/image.js';
import { openImageSource } from '../src/oci/index.js';

const TIMEOUT_MS = 30_000;
const MiB = 1024 * 1024;

interface Case {
  name: string;
  /** The input size, in the unit `describe` prints; the bench runs it and its double. */
  size: number;
  describe(size: number): string;
  /** Makes what the parent must make (slow inputs), into `dir`. */
  prepare?(size: number, dir: string): void;
  /** Builds the input (untimed) and returns the timed run. */
  setup(size: number, dir: string): Promise<() => Promise<unknown>> | (() => Promise<unknown>);
}

const lint = (path: string, text: string) => () => Promise.resolve(lintSources([{ path, text }], defaultConfig).length);

const cases: Case[] = [
  {
    name: 'requirements: flask + spaces',
    size: 100_000,
    describe: (n) => `${n} spaces`,
    setup: (n) => lint('requirements.txt', `flask${' '.repeat(n)}\n`),
  },
  {
    name: 'script: curl x | … (pipe-to-shell)',
    size: 100_000,
    describe: (n) => `${n} chars`,
    setup: (n) => lint('install.sh', `#!/bin/sh\n${'curl x | '.repeat(Math.ceil(n / 9))}sh\n`),
  },
  {
    name: 'script: export lines',
    size: 10_000,
    describe: (n) => `${n / 1000}k exports`,
    setup: (n) => lint('build.sh', `#!/bin/sh\n${Array.from({ length: n }, (_, i) => `export VAR_${i}=${i}`).join('\n')}\ndocker build .\n`),
  },
  {
    // 256 KiB and its double, 512 KiB: the largest Dockerfile read (MAX_DOCKERFILE_CHARS).
    name: 'Dockerfile of RUN lines',
    size: MiB / 4,
    describe: (n) => `${n / 1024} KiB`,
    setup: (n) => lint('Dockerfile', `FROM alpine:3.20\n${'RUN apk add curl\n'.repeat(Math.floor((n - 17) / 17))}`),
  },
  {
    name: 'Dockerfile over the cap (extract)',
    size: MiB,
    describe: (n) => `${n / MiB} MiB`,
    setup: (n) => {
      const files = [{ path: 'Dockerfile', text: `FROM alpine:3.20\n${'RUN apk add curl\n'.repeat(Math.ceil(n / 17))}` }];
      return () => Promise.resolve(new Error(extractReferences(files, selectFiles(['Dockerfile'], managers, defaultConfig), defaultConfig).problems[0]?.message ?? 'read whole'));
    },
  },
  {
    name: 'requirements: lines (extract)',
    size: 200_000,
    describe: (n) => `${n / 1000}k lines`,
    setup: (n) => {
      const files = [{ path: 'requirements.txt', text: Array.from({ length: n }, (_, i) => `pkg${i}==1.${i}`).join('\n') }];
      return () => Promise.resolve(extractReferences(files, selectFiles(['requirements.txt'], managers, defaultConfig), defaultConfig).refs.length);
    },
  },
  {
    name: 'config: YAML alias bomb',
    size: 9,
    describe: (n) => `${n} levels of 9`,
    setup: (levels) => {
      const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      const name = (i: number) => `l${i}`;
      lines[0] = `${name(0)}: &${name(0)} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`;
      for (let i = 1; i < levels; i++) lines.push(`${name(i)}: &${name(i)} [${Array(9).fill(`*${name(i - 1)}`).join(',')}]`);
      const text = `${lines.join('\n')}\nignorePaths: *${name(levels - 1)}\n`;
      return () => Promise.resolve(parseRepoConfig(text));
    },
  },
  {
    name: 'OCI layout: nested indexes',
    size: 6,
    describe: (k) => `4 levels x ${k}`,
    setup: async (k, dir) => {
      const layout = join(dir, `layout-${k}`);
      writeNestedLayout(layout, k, 4);
      const source = await openImageSource(layout);
      return async () => {
        try {
          return await loadImage(source);
        } finally {
          await source.close();
        }
      };
    },
  },
  {
    name: 'tar: GNU long name claiming N bytes',
    size: 512 * MiB,
    describe: (n) => `${n / MiB} MiB`,
    setup: (n) => () => {
      const parser = new TarParser({ entry: () => undefined });
      parser.write(tarHeader('././@LongLink', n, 'L'));
      const zeros = Buffer.alloc(MiB);
      for (let sent = 0; sent < n; sent += zeros.length) parser.write(zeros);
      return Promise.resolve();
    },
  },
  {
    name: 'registry: manifest of N zero bytes',
    size: 512 * MiB,
    describe: (n) => `${n / MiB} MiB`,
    setup: async (n) => {
      const zeros = Buffer.alloc(MiB);
      // A loopback registry that answers HEAD without Docker-Content-Digest, then streams zeros.
      const server = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        if (req.method === 'HEAD') return void res.end();
        let sent = 0;
        const pump = () => {
          while (sent < n) {
            sent += zeros.length;
            if (!res.write(zeros)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const ref = parseImageRef(`127.0.0.1:${port}/hostile/manifest:1`);
      if ('error' in ref) throw new Error(ref.error);
      return async () => {
        try {
          return await new RegistryClient({ maxAttempts: 1 }).resolveDigest(ref);
        } finally {
          server.closeAllConnections();
          server.close();
        }
      };
    },
  },
  {
    name: 'sdist: gzip bomb (readSdistMetadata)',
    size: 512 * MiB,
    describe: (n) => `${(gzipBombBytes(n) / 1024).toFixed(0)} KB -> ${n / MiB} MiB`,
    prepare: (n, dir) => writeFileSync(join(dir, `bomb-${n}.tar.gz`), gzipBomb(n)),
    setup: (n, dir) => {
      const archive = readFileSync(join(dir, `bomb-${n}.tar.gz`));
      return () => Promise.resolve(readSdistMetadata(archive, 'bomb-1.0.tar.gz'));
    },
  },
  {
    name: 'xz: small input expanding hugely',
    size: 150 * MiB,
    describe: (n) => `-> ${n / MiB} MiB`,
    prepare: (n, dir) => writeFileSync(join(dir, `bomb-${n}.xz`), xzBomb(n)),
    setup: (n, dir) => {
      const input = readFileSync(join(dir, `bomb-${n}.xz`));
      return () => {
        try {
          return Promise.resolve(decompressXz(input).length);
        } catch (error) {
          return Promise.resolve(error);
        }
      };
    },
  },
];

/** An OCI layout whose index.json names an index that names the next level `fanout` times, down to one image. */
function writeNestedLayout(dir: string, fanout: number, levels: number): void {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (mediaType: string, body: string) => {
    const hex = createHash('sha256').update(body).digest('hex');
    writeFileSync(join(blobs, hex), body);
    return { mediaType, digest: `sha256:${hex}`, size: Buffer.byteLength(body) };
  };
  const config = put('application/vnd.oci.image.config.v1+json', JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  let child = put('application/vnd.oci.image.manifest.v1+json', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [] }));
  for (let level = 0; level < levels; level++) {
    const manifests = Array.from({ length: fanout }, () => ({ ...child, platform: { os: 'linux', architecture: 'amd64' } }));
    child = put('application/vnd.oci.image.index.v1+json', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  }
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [child] }));
}

/** A ustar header block (checksum included) for an entry of `size` bytes. */
function tarHeader(name: string, size: number, type: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write(type, 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

/**
 * A `.tar.gz` sdist whose first entry is `size` zero bytes, before any PKG-INFO: gzip members
 * one after another (RFC 1952 §2.2 allows it, gunzip reads them as one stream), so the bomb is
 * made without holding its expansion in memory.
 */
function gzipBomb(size: number): Buffer {
  const zeros = gzipSync(Buffer.alloc(MiB), { level: constants.Z_BEST_COMPRESSION });
  const members = [gzipSync(tarHeader('bomb-1.0/zeros', size, '0'))];
  for (let made = 0; made < size + 1024; made += MiB) members.push(zeros);
  return Buffer.concat(members);
}

function gzipBombBytes(size: number): number {
  return gzipSync(Buffer.alloc(MiB), { level: constants.Z_BEST_COMPRESSION }).length * Math.ceil((size + 1024) / MiB);
}

/** `size` zero bytes through the system's xz (preset 9, CRC32 check, as Debian's indexes are made). */
function xzBomb(size: number): Buffer {
  const made = spawnSync('xz', ['-9', '--check=crc32', '-c'], { input: Buffer.alloc(size), maxBuffer: 64 * MiB });
  if (made.status !== 0) throw new Error(`xz failed: ${made.stderr.toString()}`);
  return made.stdout;
}

interface Measurement {
  ms: number;
  rssMiB: number;
  outcome: string;
}

async function runChild(name: string, size: number, dir: string): Promise<Measurement | 'timeout' | string> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, self, '--case', name, '--size', String(size), '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, TIMEOUT_MS);
  await new Promise((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  if (timedOut) return 'timeout';
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Measurement;
  } catch {
    return `crashed: ${(stderr.trim().split('\n').find((l) => /Error|error/.test(l)) ?? stderr.trim().split('\n').pop() ?? 'no output').slice(0, 60)}`;
  }
}

async function child(name: string, size: number, dir: string): Promise<void> {
  const found = cases.find((c) => c.name === name);
  if (!found) throw new Error(`no case ${name}`);
  const run = await found.setup(size, dir);
  const start = performance.now();
  let outcome: string;
  try {
    const result = await run();
    outcome = describeOutcome(result);
  } catch (error) {
    outcome = `threw ${(error as Error).name}: ${(error as Error).message}`;
  }
  const ms = performance.now() - start;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ms, rssMiB, outcome: outcome.replace(/\s+/g, ' ').slice(0, 70) })}\n`);
  process.exit(0);
}

function describeOutcome(result: unknown): string {
  if (typeof result === 'number') return `${result}`;
  if (result instanceof Error) return `error: ${result.message}`;
  if (result && typeof result === 'object') {
    if ('ok' in result && result.ok === false && 'message' in result) return `error value: ${String(result.message)}`;
    if ('errors' in result && Array.isArray(result.errors)) return `config errors: ${String((result.errors[0] as { message?: string } | undefined)?.message)}`;
    if ('ok' in result) return 'ok';
  }
  return 'done';
}

const format = (m: Measurement | string) => (typeof m === 'string' ? { time: m, rss: '' } : { time: `${m.ms.toFixed(0)} ms`, rss: `${m.rssMiB.toFixed(0)} MiB` });

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'repro-pins-hostile-'));
  try {
    const rows: string[][] = [['case', 'input', 'time', 'peak RSS', '2x input', 'time', 'peak RSS', 'growth', 'outcome at 2x']];
    for (const c of cases) {
      for (const size of [c.size, c.size * 2]) c.prepare?.(size, dir);
      const one = await runChild(c.name, c.size, dir);
      const two = await runChild(c.name, c.size * 2, dir);
      const growth = typeof one === 'object' && typeof two === 'object' ? `${(two.ms / Math.max(one.ms, 0.01)).toFixed(1)}x` : '-';
      const [a, b] = [format(one), format(two)];
      rows.push([c.name, c.describe(c.size), a.time, a.rss, c.describe(c.size * 2), b.time, b.rss, growth, typeof two === 'object' ? two.outcome : '']);
      process.stderr.write(`  ${c.name}: done\n`);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
    process.stdout.write(`\nEach run in its own process; timeout ${TIMEOUT_MS / 1000} s; growth = time at 2x / time at 1x (about 2 is linear).\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === '--case') await child(args[1]!, Number(args[3]), args[5]!);
else await main();
