import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import type { Probot } from 'probot';
import { countLookups, shareLookups, type DatasourceDecorator } from '../core/datasources/shared-lookups.js';
import type { AppDeps } from './app.js';
import type { Octokit } from './github/octokit.js';
import { InProcessClaims, type HandledClaims } from './handlers/redelivery.js';
import { AppMetrics } from './metrics/metrics.js';
import { listenOperatorServer, operatorRoutes, type HttpHandler } from './metrics/operator-routes.js';
import { RedisLeases } from './queue/leases.js';
import { processJob, type JobEnvironment } from './queue/processors.js';
import { RedisLookupStore } from './queue/redis-lookup-store.js';
import { RedisWorkQueue } from './queue/redis-queue.js';
import { startQueueWorker, type QueueWorker } from './queue/redis-worker.js';
import { ScanRuns } from './queue/scan-runs.js';
import { readRuntimeSettings, type RuntimeSettings } from './queue/settings.js';
import { InProcessQueue, type JobProcessor, type WorkQueue } from './queue/work-queue.js';
import { checkTickPattern, ClusterScheduler, TickLedger } from './schedule/cluster-scheduler.js';
import { InProcessScheduler, type Scheduler } from './schedule/scheduler.js';

/** `server` serves webhooks (`npm start`); `worker` runs queued jobs (`npm run worker`, REDIS_URL only). */
export type AppRole = 'server' | 'worker';

export interface RuntimeOptions {
  env: NodeJS.ProcessEnv;
  role: AppRole;
  /** Probot's `addHandler` (routes on the App's HTTP port); absent or throwing when Probot runs without a server. */
  addHandler?: (handler: HttpHandler) => void;
  /** Receives the scheduler instead of it being started (tests drive its ticks). */
  onScheduler?: (scheduler: Scheduler) => void;
}

/**
 * How this process runs the App's work: the queue handlers enqueue into, the scheduler, the
 * metrics, and what every scan run's datasources are wrapped in. Without REDIS_URL, all of it
 * lives in this process, as it always did; with it, the queue, the schedule and the lookup cache
 * live in Redis and workers run the jobs.
 */
export interface AppRuntime {
  readonly mode: 'single-process' | 'redis';
  readonly queue: WorkQueue;
  readonly metrics: AppMetrics;
  readonly decorateDatasource: DatasourceDecorator;
  /** Which webhooks (and comments) were handled, so a redelivery is not acted on twice. */
  readonly handled: HandledClaims;
  /** Counts a webhook context's GitHub requests in the metrics. */
  observe<C extends { octokit: Octokit; payload: object }>(context: C): C;
  start(deps: AppDeps): Promise<void>;
  stop(): Promise<void>;
}

/** How often a worker expires its overdue twice-build requests (the single process does it on its scheduler's tick). */
const VERIFICATION_EXPIRY_MS = 10 * 60 * 1000;

export function createRuntime(app: Probot, options: RuntimeOptions): AppRuntime {
  const settings = readRuntimeSettings(options.env);
  if (settings.redisUrl === null) {
    if (options.role === 'worker') throw new Error('REDIS_URL is not set: a worker takes its jobs from Redis (without it, `npm start` runs everything in one process)');
    return singleProcessRuntime(app, settings, options);
  }
  checkTickPattern(settings.scheduleTick);
  return redisRuntime(app, { ...settings, redisUrl: settings.redisUrl }, options);
}

function installationOf(payload: object): string {
  const installation = 'installation' in payload ? payload.installation : undefined;
  return typeof installation === 'object' && installation !== null && 'id' in installation ? String(installation.id) : 'app';
}

function addRoutes(options: RuntimeOptions, handler: HttpHandler): void {
  try {
    options.addHandler?.(handler);
  } catch {
    // Probot without an HTTP server (`probot.load` in tests) has nowhere to add routes.
  }
}

function jobEnvironment(app: Probot, deps: AppDeps, metrics: AppMetrics): JobEnvironment {
  return { app, deps, metrics, runs: new ScanRuns(() => deps.newScanRun()) };
}

function singleProcessRuntime(app: Probot, settings: RuntimeSettings, options: RuntimeOptions): AppRuntime {
  let process: JobProcessor = async () => {
    throw new Error('the App queued work before it started');
  };
  const queue = new InProcessQueue((job) => process(job));
  const metrics = new AppMetrics('app', () => queue.counts());
  let scheduler: Scheduler | null = null;
  return {
    mode: 'single-process',
    queue,
    metrics,
    handled: new InProcessClaims(),
    decorateDatasource: (name, _namespace, datasource) => countLookups(datasource, metrics.lookupCounter(name)),
    observe: (context) => {
      metrics.observeOctokit(context.octokit, installationOf(context.payload));
      return context;
    },
    async start(deps) {
      const environment = jobEnvironment(app, deps, metrics);
      process = (job) => processJob(job, environment);
      const started = new InProcessScheduler(queue, deps, app.log);
      scheduler = started;
      if (options.onScheduler) options.onScheduler(started);
      else started.start();
      addRoutes(
        options,
        operatorRoutes({
          metrics,
          describe: () => ({ role: 'app', queue: 'in-process' }),
          adminToken: settings.adminToken,
          // The scan of every repository takes a while: the request is answered once it is under way.
          scanNow: async (installationId) => void started.scanNow(installationId ?? undefined).catch((error: unknown) => app.log.error({ err: error }, 'scan-now failed')),
        }),
      );
    },
    async stop() {
      scheduler?.stop();
      await queue.close();
    },
  };
}

function redisRuntime(app: Probot, settings: RuntimeSettings & { redisUrl: string }, options: RuntimeOptions): AppRuntime {
  const queue = new RedisWorkQueue(settings.redisUrl, { onError: (error) => app.log.warn({ err: error }, 'the Redis queue connection failed; retrying') });
  const role = options.role === 'worker' ? 'worker' : 'app';
  const metrics = new AppMetrics(role, () => queue.counts());
  const scheduler = new ClusterScheduler(queue, settings.scheduleTick, app.log);
  // One connection for the lookup cache, the leases and the handled webhooks, made when first needed.
  let redis: Redis | null = null;
  const connection = () => (redis ??= new Redis(settings.redisUrl, { maxRetriesPerRequest: 2 }));
  // The webhook servers share the record of handled deliveries: a redelivery may reach another one.
  const handled: HandledClaims = {
    claim: (key, ttlMs) => handledStore().claim(key, ttlMs),
    release: (key) => handledStore().release(key),
  };
  let store: RedisLookupStore | null = null;
  const handledStore = () => (store ??= new RedisLookupStore(connection(), 'repro-pins:handled:'));
  let worker: QueueWorker | null = null;
  let server: Server | null = null;
  let expiry: NodeJS.Timeout | null = null;
  const routes = (scanNow: (installationId: number | null) => Promise<void>) =>
    operatorRoutes({
      metrics,
      describe: () => ({ role, queue: 'redis', ...(worker ? { worker: worker.isRunning() ? 'running' : 'stopped' } : {}) }),
      adminToken: settings.adminToken,
      scanNow,
    });
  return {
    mode: 'redis',
    queue,
    metrics,
    handled,
    decorateDatasource(name, namespace, datasource) {
      const counted = countLookups(datasource, metrics.lookupCounter(name));
      // Action tags are read with the installation's token and may belong to private repositories:
      // they are never shared across installations (each run still shares them).
      if (name === 'github-tags') return counted;
      return shareLookups(`${name}\0${namespace}`, counted, new RedisLookupStore(connection()), {
        successTtlMs: settings.lookupTtlMs,
        failureTtlMs: settings.lookupFailureTtlMs,
        onHit: metrics.cacheHitCounter(name),
        onStoreError: (error) => {
          metrics.lookupCacheErrors.inc();
          app.log.warn({ err: error }, 'the shared lookup cache is unavailable; looking up directly');
        },
      });
    },
    observe: (context) => {
      metrics.observeOctokit(context.octokit, installationOf(context.payload));
      return context;
    },
    async start(deps) {
      if (options.onScheduler) options.onScheduler(scheduler);
      else scheduler.start();
      const scanNow = (installationId: number | null) => scheduler.scanNow(installationId ?? undefined);
      if (options.role !== 'worker') {
        addRoutes(options, routes(scanNow));
        return;
      }
      const environment = jobEnvironment(app, deps, metrics);
      worker = startQueueWorker(settings, (job) => processJob(job, environment), new RedisLeases(connection()), new TickLedger(connection(), settings.scheduleTick), metrics, app.log);
      // Each process remembers the twice-builds it dispatched, so each expires its own overdue ones.
      expiry = setInterval(() => void deps.expireOverdueVerifications(new Date()).catch((error: unknown) => app.log.error({ err: error }, 'could not expire twice-build requests')), VERIFICATION_EXPIRY_MS);
      expiry.unref();
      server = await listenOperatorServer(routes(scanNow), settings.workerPort, settings.host);
      const address = server.address();
      app.log.info({ port: typeof address === 'object' && address ? address.port : settings.workerPort }, 'repro-pins worker: /health and /metrics listening');
    },
    async stop() {
      if (expiry) clearInterval(expiry);
      await worker?.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await queue.close();
      await redis?.quit().catch(() => undefined);
    },
  };
}
