/**
 * `npm run bench`: how long `repro-pins pin` takes on a large monorepo against a real registry,
 * and how many requests that registry receives. It measures and prints; it asserts no timing.
 * It does exit 1 when a written digest is wrong or when the registry saw other than one manifest
 * request per distinct reference: those are correctness checks, not timings.
 *
 * 1. Debian's `docker-registry` on loopback, filled through the distribution API with 300 tags
 *    over 60 repositories (a tenth of them multi-arch OCI indexes).
 * 2. A counting reverse proxy in front of it; the monorepo names the proxy, not the registry.
 * 3. A seeded monorepo of 2,000 Dockerfiles and compose files.
 * 4. `runCli(['pin', dir, '--json'])` in-process, timed, then again on the pinned tree.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { runCli, type CliIo } from '../src/cli/main.js';
import { Semaphore } from '../src/core/concurrency.js';
import {
  MEDIA_TYPES,
  MissingToolError,
  putManifest,
  sha256,
  startCountingProxy,
  startRegistry,
  uploadBlob,
  type CountingProxy,
  type Descriptor,
  type LoopbackRegistry,
  type ManifestPut,
  type RequestTally,
} from './loopback-registry.js';
import { generateMonorepo, imageCatalog, imageKey, type CatalogImage, type Monorepo } from './synthetic-monorepo.js';

const SEED = 20240611;
const REPOSITORIES = 60;
const TAGS_PER_REPOSITORY = 5;
/** Three Dockerfiles and two compose files each: 2,000 files. */
const COMPONENTS = 400;
const PUSH_CONCURRENCY = 16;

// ---------------------------------------------------------------------------------------------
// Filling the registry

interface Pushed {
  /** `repository:tag` → the digest the registry answered (equal to the hash of the bytes sent). */
  digests: Map<string, string>;
  /** Whether the registry took manifests with `layers: []`, or each got one shared tiny layer. */
  emptyLayers: boolean;
}

const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

async function pushCatalog(host: string, images: CatalogImage[]): Promise<Pushed> {
  let emptyLayers = true;
  // An empty tar archive is two zero blocks; pushed only if the registry refuses `layers: []`.
  const layerUploads = new Map<string, Promise<Descriptor>>();
  const layers = async (repository: string): Promise<Descriptor[]> => {
    if (emptyLayers) return [];
    let upload = layerUploads.get(repository);
    if (!upload) layerUploads.set(repository, (upload = uploadBlob(host, repository, MEDIA_TYPES.ociLayer, Buffer.alloc(1024))));
    return [await upload];
  };

  /** One platform image: a config blob naming it (so every digest differs) and its manifest. */
  const pushImage = async (image: CatalogImage, architecture: string, reference: 'tag' | 'digest'): Promise<{ put: ManifestPut; size: number }> => {
    const config = jsonBytes({
      architecture,
      os: 'linux',
      config: { Labels: { 'org.example.bench.image': imageKey(image.repository, image.tag) } },
      rootfs: { type: 'layers', diff_ids: [] },
    });
    const manifest = jsonBytes({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: await uploadBlob(host, image.repository, MEDIA_TYPES.ociConfig, config),
      layers: await layers(image.repository),
    });
    const put = await putManifest(host, image.repository, reference === 'tag' ? image.tag : sha256(manifest), MEDIA_TYPES.ociManifest, manifest);
    return { put, size: manifest.length };
  };
  const digestOf = (put: ManifestPut, what: string): string => {
    if (!put.ok) throw new Error(`PUT ${what} answered ${put.status}: ${put.body}`);
    return put.digest;
  };

  const pushTag = async (image: CatalogImage): Promise<string> => {
    const where = imageKey(image.repository, image.tag);
    if (!image.multiArch) return digestOf((await pushImage(image, 'amd64', 'tag')).put, `manifest ${where}`);
    // Children first, by digest: the registry refuses an index naming manifests it does not hold.
    const manifests = [];
    for (const architecture of ['amd64', 'arm64']) {
      const { put, size } = await pushImage(image, architecture, 'digest');
      const digest = digestOf(put, `manifest ${where} (${architecture})`);
      manifests.push({ mediaType: MEDIA_TYPES.ociManifest, digest, size, platform: { os: 'linux', architecture } });
    }
    const index = jsonBytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests });
    return digestOf(await putManifest(host, image.repository, image.tag, MEDIA_TYPES.ociIndex, index), `index ${where}`);
  };

  const digests = new Map<string, string>();
  // One single-platform tag alone first, to learn whether `layers: []` is accepted.
  const probe = images.find((image) => !image.multiArch)!;
  const first = await pushImage(probe, 'amd64', 'tag');
  if (first.put.ok) digests.set(imageKey(probe.repository, probe.tag), first.put.digest);
  else if (first.put.status === 400) emptyLayers = false;
  else digestOf(first.put, `manifest ${imageKey(probe.repository, probe.tag)}`);

  const semaphore = new Semaphore(PUSH_CONCURRENCY);
  await Promise.all(
    images
      .filter((image) => !digests.has(imageKey(image.repository, image.tag)))
      .map((image) => semaphore.run(async () => void digests.set(imageKey(image.repository, image.tag), await pushTag(image)))),
  );
  return { digests, emptyLayers };
}

// ---------------------------------------------------------------------------------------------
// Running the CLI

const digestSchema = z.string().regex(/^sha256:[a-f0-9]{64}$/);
const referenceSchema = z.object({ file: z.string(), line: z.number(), name: z.string(), value: z.string().nullable(), digest: digestSchema.nullable() });
/** The part of `pin --json` the benchmark reads, parsed at the border. */
const pinOutputSchema = z.object({
  changes: z.array(z.object({ file: z.string(), line: z.number(), name: z.string(), value: z.string(), from: digestSchema.nullable(), to: digestSchema })),
  written: z.array(z.string()),
  current: z.array(referenceSchema),
  skipped: z.array(referenceSchema),
  errors: z.array(z.object({ file: z.string(), line: z.number(), dependency: z.string().nullable(), message: z.string() })),
});
type PinOutput = z.infer<typeof pinOutputSchema>;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

async function runTimed(args: string[], dockerConfigDir: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    // A Docker config dir that does not exist: no credentials of this machine leak in.
    env: { DOCKER_CONFIG: dockerConfigDir },
    isTTY: false,
  };
  const started = performance.now();
  const code = await runCli(args, io);
  return { code, stdout, stderr, seconds: (performance.now() - started) / 1000 };
}

function parsePinOutput(run: CliRun, label: string, failures: string[]): PinOutput | null {
  if (run.code !== 0 || run.stderr !== '') failures.push(`${label}: exit code ${run.code}, stderr: ${run.stderr.trim().slice(0, 500) || '(empty)'}`);
  let raw: unknown;
  try {
    raw = JSON.parse(run.stdout);
  } catch {
    failures.push(`${label}: stdout is not JSON: ${run.stdout.slice(0, 200)}`);
    return null;
  }
  const parsed = pinOutputSchema.safeParse(raw);
  if (!parsed.success) {
    failures.push(`${label}: unexpected JSON shape: ${z.prettifyError(parsed.error)}`);
    return null;
  }
  for (const error of parsed.data.errors.slice(0, 5)) failures.push(`${label}: ${error.file}:${error.line}: ${error.dependency ?? ''}: ${error.message}`);
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Checks

interface RequestFigures {
  manifest: number;
  other: number;
  /** `HEAD 300, GET 2` */
  manifestByMethod: string;
  otherByMethod: string;
}

function requestFigures(tally: RequestTally): RequestFigures {
  const of = (kind: string) => [...tally].filter(([key]) => key.endsWith(` ${kind}`)).sort(([a], [b]) => a.localeCompare(b));
  const describe = (entries: [string, number][]) => entries.map(([key, n]) => `${key.split(' ')[0]} ${n}`).join(', ');
  const sum = (entries: [string, number][]) => entries.reduce((total, [, n]) => total + n, 0);
  return { manifest: sum(of('manifest')), other: sum(of('other')), manifestByMethod: describe(of('manifest')), otherByMethod: describe(of('other')) };
}

/** `repository:tag` of a reference the CLI reports, or null if it names another registry. */
function keyOf(host: string, name: string, value: string | null): string | null {
  return name.startsWith(`${host}/`) ? imageKey(name.slice(host.length + 1), value ?? 'latest') : null;
}

/**
 * Every image reference left in the files, read with a regex of its own rather than the CLI's
 * parser: each must carry exactly the digest pushed for its tag.
 */
function checkFilesOnDisk(files: Map<string, string>, host: string, digests: Map<string, string>, failures: string[]): number {
  const escapedHost = host.replace(/[.]/g, '\\.');
  const reference = new RegExp(`(?:${escapedHost}|\\$\\{REGISTRY\\})/(bench/[a-z0-9-]+)(?::([\\w.-]+))?(?:@(sha256:[a-f0-9]{64}))?`, 'g');
  let pinned = 0;
  for (const [path, text] of files) {
    for (const match of text.matchAll(reference)) {
      const [written, repository, tag = 'latest', digest] = match;
      // `svc-00:${TAG:-latest}` is only known when compose runs: left alone, and skipped here too.
      if (text.startsWith(':$', match.index + written.length)) continue;
      const wanted = digests.get(imageKey(repository!, tag));
      if (digest === wanted) pinned++;
      else failures.push(`${path}: ${written} should be pinned to ${wanted}`);
    }
  }
  return pinned;
}

async function readTree(dir: string, paths: Iterable<string>): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const path of paths) files.set(path, await readFile(join(dir, path), 'utf8'));
  return files;
}

// ---------------------------------------------------------------------------------------------
// Report

const seconds = (s: number): string => `${s.toFixed(2)} s`;

function usesSummary(uses: Map<string, number>): string {
  const counts = [...uses.values()].sort((a, b) => a - b);
  const at = (q: number) => counts[Math.min(counts.length - 1, Math.floor(q * counts.length))]!;
  return `uses per tag min ${counts[0]} median ${at(0.5)} max ${counts[counts.length - 1]}`;
}

function pinLine(label: string, run: CliRun, output: PinOutput | null, figures: RequestFigures, distinct: number): string {
  const changed = output ? `changed ${output.changes.length} refs in ${output.written.length} files` : 'no JSON output';
  const perReference = distinct > 0 ? (figures.manifest / distinct).toFixed(2) : 'n/a';
  const other = figures.other === 0 ? '0' : `${figures.other} (${figures.otherByMethod})`;
  return (
    `${label.padEnd(22)}${seconds(run.seconds).padStart(8)}   ${changed}   ` +
    `manifest requests seen by registry ${figures.manifest} (${figures.manifestByMethod || 'none'})   ` +
    `per distinct reference ${perReference}   other requests ${other}`
  );
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'repro-pins-bench-'));
  const repoDir = join(root, 'monorepo');
  const dockerConfigDir = join(root, 'no-docker-config');
  let registry: LoopbackRegistry | undefined;
  let proxy: CountingProxy | undefined;
  // Ctrl-C, or a crash that skips `finally`, still stops the registry and removes the temp dir.
  const cleanUpNow = (): void => {
    registry?.killNow();
    rmSync(root, { recursive: true, force: true });
  };
  const onSignal = (): void => process.exit(130);
  process.once('exit', cleanUpNow);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const cpuList = cpus();
    let started = performance.now();
    registry = await startRegistry(root);
    const registrySeconds = (performance.now() - started) / 1000;
    const machine =
      `machine: ${cpuList.length} cpus (available parallelism ${availableParallelism()}, ${cpuList[0]?.model.trim() ?? 'unknown model'}), ` +
      `node ${process.version} ${process.platform}/${process.arch}, docker-registry ${registry.version}`;
    console.log(machine);

    started = performance.now();
    const images = imageCatalog(REPOSITORIES, TAGS_PER_REPOSITORY, SEED);
    const pushed = await pushCatalog(registry.host, images);
    const pushSeconds = (performance.now() - started) / 1000;
    proxy = await startCountingProxy(registry.host);

    started = performance.now();
    const repo: Monorepo = generateMonorepo({ host: proxy.host, images, digests: pushed.digests, components: COMPONENTS, seed: SEED });
    for (const [path, text] of repo.files) {
      await mkdir(dirname(join(repoDir, path)), { recursive: true });
      await writeFile(join(repoDir, path), text);
    }
    const generateSeconds = (performance.now() - started) / 1000;
    const multiArch = images.filter((image) => image.multiArch).length;
    console.log(
      `setup (not timed below): registry up ${seconds(registrySeconds)}, ${images.length} tags pushed ${seconds(pushSeconds)} ` +
        `(${multiArch} multi-arch OCI indexes, ${pushed.emptyLayers ? 'manifests with no layers' : 'one shared tiny layer'}), ` +
        `monorepo written ${seconds(generateSeconds)}`,
    );
    const { expected } = repo;
    console.log(
      `files ${repo.files.size} (${repo.dockerfiles} Dockerfiles, ${repo.composeFiles} compose)   ` +
        `references ${expected.pinnable + expected.skipped} (${expected.stale} with a stale digest, ${expected.current} already current, ` +
        `${expected.skipped} only known at build/run time)   distinct tags ${repo.uses.size} (${usesSummary(repo.uses)})`,
    );

    // Failures exit 1: a wrong digest, a request count other than one per distinct reference,
    // a CLI error, a second run that changes something, or counts that differ from what the
    // generator wrote (that is how the tagless-variable pin bug was found).
    const failures: string[] = [];
    const distinct = images.length;
    proxy.takeTally();

    // Cold: a fresh CLI run (and so a fresh registry client) against a tree with nothing current.
    const cold = await runTimed(['pin', repoDir, '--json'], dockerConfigDir);
    const coldFigures = requestFigures(proxy.takeTally());
    const coldOutput = parsePinOutput(cold, 'pin (cold)', failures);
    if (coldOutput) {
      const seen = new Set<string>();
      for (const change of coldOutput.changes) {
        const key = keyOf(proxy.host, change.name, change.value);
        const wanted = key === null ? undefined : pushed.digests.get(key);
        if (key) seen.add(key);
        if (change.to !== wanted) failures.push(`pin (cold): ${change.file}:${change.line}: ${change.name}:${change.value} pinned to ${change.to}, pushed ${wanted}`);
      }
      for (const ref of coldOutput.current) {
        const key = keyOf(proxy.host, ref.name, ref.value);
        if (key) seen.add(key);
      }
      const expectCount = (what: string, actual: number, wanted: number) => {
        if (actual !== wanted) failures.push(`pin (cold): ${actual} ${what}, the generator wrote ${wanted}`);
      };
      expectCount('changes', coldOutput.changes.length, expected.pinnable - expected.current);
      expectCount('changes from a stale digest', coldOutput.changes.filter((c) => c.from !== null).length, expected.stale);
      expectCount('references already current', coldOutput.current.length, expected.current);
      expectCount('skipped references', coldOutput.skipped.length, expected.skipped);
      expectCount('distinct tags', seen.size, distinct);
    }
    if (coldFigures.manifest !== distinct) failures.push(`pin (cold): the registry saw ${coldFigures.manifest} manifest requests for ${distinct} distinct references`);
    const afterCold = await readTree(repoDir, repo.files.keys());
    const pinnedOnDisk = checkFilesOnDisk(afterCold, proxy.host, pushed.digests, failures);

    // Already pinned: every reference carries the right digest; each tag is still looked up once.
    const warm = await runTimed(['pin', repoDir, '--json'], dockerConfigDir);
    const warmFigures = requestFigures(proxy.takeTally());
    const warmOutput = parsePinOutput(warm, 'pin (already pinned)', failures);
    if (warmOutput) {
      if (warmOutput.changes.length > 0 || warmOutput.written.length > 0) {
        failures.push(`pin (already pinned): ${warmOutput.changes.length} changes in ${warmOutput.written.length} files, expected none`);
      }
      if (warmOutput.current.length !== expected.pinnable) {
        failures.push(`pin (already pinned): ${warmOutput.current.length} references reported current, the generator wrote ${expected.pinnable}`);
      }
      for (const ref of warmOutput.current) {
        const key = keyOf(proxy.host, ref.name, ref.value);
        if (ref.digest !== (key && pushed.digests.get(key))) failures.push(`pin (already pinned): ${ref.file}:${ref.line}: ${ref.name} is pinned to ${ref.digest}`);
      }
    }
    if (warmFigures.manifest !== distinct) failures.push(`pin (already pinned): the registry saw ${warmFigures.manifest} manifest requests for ${distinct} distinct references`);
    const afterWarm = await readTree(repoDir, repo.files.keys());
    const rewritten = [...afterWarm].filter(([path, text]) => afterCold.get(path) !== text).length;
    if (rewritten > 0) failures.push(`pin (already pinned): ${rewritten} files changed`);

    // Reading and extracting alone, last so it does not warm the code the pins are timed on.
    const scan = await runTimed(['scan', repoDir, '--json'], dockerConfigDir);
    if (scan.code !== 0) failures.push(`scan: exit code ${scan.code}: ${scan.stderr.slice(0, 300)}`);
    const scanTally = requestFigures(proxy.takeTally());

    console.log(pinLine('pin (cold):', cold, coldOutput, coldFigures, distinct));
    console.log(pinLine('pin (already pinned):', warm, warmOutput, warmFigures, distinct));
    console.log(`${'scan (no network):'.padEnd(22)}${seconds(scan.seconds).padStart(8)}   read + extract only, run last   requests ${scanTally.manifest + scanTally.other}`);
    if (failures.length > 0) {
      console.log(`FAILED: ${failures.length} correctness problems`);
      for (const failure of failures.slice(0, 20)) console.log(`  ${failure}`);
      if (failures.length > 20) console.log(`  … and ${failures.length - 20} more`);
      return 1;
    }
    console.log(
      `checks ok: all ${coldOutput?.changes.length} written digests are the pushed ones (${pinnedOnDisk} pinned references re-read from disk), ` +
        'one manifest request per distinct reference in both runs, the second run changed nothing',
    );
    return 0;
  } finally {
    await proxy?.close();
    await registry?.stop();
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    process.off('exit', cleanUpNow);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof MissingToolError) console.error(`bench: ${error.message}`);
    else console.error('bench: failed:', error);
    process.exitCode = 1;
  },
);
