/**
 * `npm run bench:app`: the App with REDIS_URL, scaled out. N repositories in M installations are
 * served by a loopback fake of the GitHub API that answers every call after an injected latency;
 * a `scan-now` goes into a real redis-server, and 1, 2 and 4 worker processes (the compiled
 * `npm run worker` entry) scan them. It prints wall time, throughput and API calls per repository
 * for each fleet size. It measures and prints; it asserts no timing. It does exit 1 when a run is
 * wrong: a repository with other than one pin PR where one is due, or a tag looked up more than
 * once by the fleet.
 *
 *   npm run bench:app -- [--repos 80] [--installations 16] [--latency-ms 30] [--concurrency 2] [--workers 1,2,4]
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { scanAllJob } from '../src/app/queue/jobs.js';
import { RedisWorkQueue } from '../src/app/queue/redis-queue.js';
import { spawnWorker, type WorkerProcess } from './app-workers.js';
import { FakeGitHub, type FakeInstallationSpec } from './app-fake-github.js';
import { CountingRegistry, digestOf } from './app-counting-registry.js';
import { startRedisServer } from './app-redis-server.js';

interface Options {
  repos: number;
  installations: number;
  latencyMs: number;
  concurrency: number;
  workers: number[];
}

function parseOptions(argv: string[]): Options {
  const options: Options = { repos: 80, installations: 16, latencyMs: 30, concurrency: 2, workers: [1, 2, 4] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value = ''] = [argv[i], argv[i + 1]];
    const number = Number(value);
    if (flag === '--workers') options.workers = value.split(',').map(Number);
    else if (flag === '--repos' && number > 0) options.repos = number;
    else if (flag === '--installations' && number > 0) options.installations = number;
    else if (flag === '--latency-ms' && number >= 0) options.latencyMs = number;
    else if (flag === '--concurrency' && number > 0) options.concurrency = number;
    else throw new Error(`unknown or invalid option ${flag} ${value}`);
  }
  if (options.workers.some((w) => !Number.isInteger(w) || w < 1)) throw new Error('--workers takes positive integers, e.g. 1,2,4');
  return options;
}

const TAGS = ['acme/base:1.0', 'acme/base:1.1', 'acme/runtime:2.0', 'acme/runtime:2.1', 'acme/tools:3.2', 'library/debian:12', 'library/alpine:3.20', 'library/python:3.12', 'acme/jdk:21', 'acme/node:20'];

/** Seeded layout: repository k is in installation k mod M; three in four need a pin PR. */
function fleet(options: Options, registry: string): { installations: FakeInstallationSpec[]; needsPins: Set<string> } {
  const installations: FakeInstallationSpec[] = Array.from({ length: options.installations }, (_, i) => ({ id: 5000 + i, account: `org-${i}`, repositories: [] }));
  const needsPins = new Set<string>();
  for (let k = 0; k < options.repos; k++) {
    const installation = installations[k % options.installations]!;
    const [first, second] = [TAGS[k % TAGS.length]!, TAGS[(k * 7 + 3) % TAGS.length]!];
    const upToDate = k % 4 === 3;
    const ref = (tag: string) => {
      const [name, version] = tag.split(':') as [string, string];
      return upToDate ? `${registry}/${tag}@${digestOf(name, version)}` : `${registry}/${tag}`;
    };
    const name = `service-${k}`;
    if (!upToDate) needsPins.add(`${installation.account}/${name}`);
    installation.repositories.push({ name, files: { Dockerfile: `FROM ${ref(first)} AS build\nRUN make\nFROM ${ref(second)}\nCOPY --from=build /out /app\n`, 'README.md': `# ${name}\n` } });
  }
  return { installations, needsPins };
}

interface Result {
  workers: number;
  wallSeconds: number;
  calls: number;
  writes: number;
  pulls: number;
  lookups: number;
  distinctTags: number;
  problems: string[];
}

async function runOnce(workers: number, options: Options, github: FakeGitHub, registry: CountingRegistry, redisUrl: string): Promise<Result> {
  const { installations, needsPins } = fleet(options, registry.host);
  github.load(installations);
  registry.reset();
  const flush = new Redis(redisUrl);
  await flush.flushall();
  await flush.quit();

  const entry = fileURLToPath(new URL('../src/app/worker.js', import.meta.url));
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const env = { REPRO_PINS_GITHUB_THROTTLE: 'off', REPRO_PINS_WORKER_CONCURRENCY: String(options.concurrency), REPRO_PINS_SCHEDULE_TICK: '0 0 1 1 *', LOG_LEVEL: 'error' };
  const fleetProcesses: WorkerProcess[] = await Promise.all(Array.from({ length: workers }, () => spawnWorker({ entry, cwd: root, githubHost: github.host, redisUrl, env })));
  const queue = new RedisWorkQueue(redisUrl);
  const repositories = installations.flatMap((i) => i.repositories.map((r) => `${i.account}/${r.name}`));
  try {
    const started = performance.now();
    await queue.enqueue(scanAllJob(null, null));
    const deadline = Date.now() + 15 * 60_000;
    // Done when every repository has its dashboard (the last write of a scan) and nothing is queued.
    for (;;) {
      const scanned = repositories.every((full) => github.issues(...(full.split('/') as [string, string])).length > 0);
      const counts = await queue.counts();
      if (scanned && counts.waiting + counts.active === 0) break;
      if (Date.now() > deadline) throw new Error(`the run did not finish in 15 minutes: ${JSON.stringify(counts)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const wallSeconds = (performance.now() - started) / 1000;

    const problems: string[] = [];
    for (const full of repositories) {
      const [owner, repo] = full.split('/') as [string, string];
      const pulls = github.pullRequests(owner, repo).length;
      if (pulls !== (needsPins.has(full) ? 1 : 0)) problems.push(`${full}: ${pulls} pin PRs`);
    }
    for (const [tag, count] of registry.lookups) if (count !== 1) problems.push(`${tag} looked up ${count} times`);
    if (github.unhandled.length > 0) problems.push(`unhandled GitHub calls: ${github.unhandled.map((c) => `${c.method} ${c.path}`).join(', ')}`);
    return {
      workers,
      wallSeconds,
      calls: github.calls.length,
      writes: github.calls.filter((c) => c.method !== 'GET').length,
      pulls: github.count('POST', /\/pulls$/),
      lookups: [...registry.lookups.values()].reduce((a, b) => a + b, 0),
      distinctTags: registry.lookups.size,
      problems,
    };
  } finally {
    await queue.close();
    await Promise.all(fleetProcesses.map((w) => w.kill('SIGTERM')));
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const redis = await startRedisServer();
  const github = await FakeGitHub.start({ latencyMs: options.latencyMs });
  const registry = await CountingRegistry.start(5);
  const results: Result[] = [];
  try {
    console.log(
      `repositories ${options.repos} in ${options.installations} installations   GitHub latency ${options.latencyMs} ms per call   ` +
        `per-worker concurrency ${options.concurrency}   per-installation limit 2   ${cpus().length} CPUs, Node ${process.versions.node}`,
    );
    for (const workers of options.workers) {
      const result = await runOnce(workers, options, github, registry, redis.url);
      results.push(result);
      const base = results[0]!;
      console.log(
        `${String(workers).padStart(2)} worker${workers === 1 ? ' ' : 's'}: ${result.wallSeconds.toFixed(2).padStart(6)} s   ` +
          `${(options.repos / result.wallSeconds).toFixed(1).padStart(5)} repos/s   speed-up ${(base.wallSeconds / result.wallSeconds).toFixed(2)}x   ` +
          `API calls ${result.calls} (${(result.calls / options.repos).toFixed(1)} per repository, ${(result.writes / options.repos).toFixed(1)} writes)   ` +
          `pin PRs ${result.pulls}   registry lookups ${result.lookups} for ${result.distinctTags} tags`,
      );
      for (const problem of result.problems) console.error(`  WRONG: ${problem}`);
    }
  } finally {
    await github.close();
    await registry.close();
    await redis.stop();
  }
  return results.some((r) => r.problems.length > 0) ? 1 : 0;
}

process.exitCode = await main();
