import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DatasourceName } from '../../core/reference.js';
import type { Octokit } from '../github/octokit.js';
import type { JobCounts } from '../queue/work-queue.js';

export type ProcessRole = 'app' | 'worker';

/**
 * What `/metrics` shows, in Prometheus' text format. One registry per process (the webhook server
 * and each worker are scraped separately); the job counts are the queue's, so any process shows
 * the whole cluster's backlog.
 */
export class AppMetrics {
  readonly registry = new Registry();
  readonly scanDuration: Histogram<'job'>;
  readonly jobsProcessed: Counter<'kind' | 'outcome'>;
  readonly lookups: Counter<'datasource'>;
  readonly lookupCacheHits: Counter<'datasource'>;
  readonly lookupCacheErrors: Counter;
  readonly githubRequests: Counter<'status'>;
  readonly githubRateLimitRemaining: Gauge<'installation'>;
  readonly #observed = new WeakSet<object>();

  constructor(role: ProcessRole, counts: () => Promise<JobCounts>) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ role });
    collectDefaultMetrics({ register: this.registry, prefix: 'repro_pins_process_' });
    new Gauge({
      name: 'repro_pins_jobs',
      help: 'Jobs in the queue by state (the whole cluster with REDIS_URL, this process without).',
      labelNames: ['state'],
      registers,
      async collect() {
        // A queue that cannot be read leaves the gauge out rather than failing the whole scrape.
        const current = await counts().catch(() => null);
        if (!current) return;
        for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) this.set({ state }, current[state]);
      },
    });
    this.scanDuration = new Histogram({
      name: 'repro_pins_scan_duration_seconds',
      help: 'Wall time of one repository job (a scan, an onboarding then a scan, a recheck), as this process ran it.',
      labelNames: ['job'],
      buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.jobsProcessed = new Counter({ name: 'repro_pins_jobs_processed_total', help: 'Jobs this process finished, by kind and outcome.', labelNames: ['kind', 'outcome'], registers });
    this.lookups = new Counter({ name: 'repro_pins_registry_lookups_total', help: 'Lookups this process made at registries and indexes (cache misses).', labelNames: ['datasource'], registers });
    this.lookupCacheHits = new Counter({ name: 'repro_pins_registry_lookup_cache_hits_total', help: 'Lookups answered from the cache the fleet shares in Redis.', labelNames: ['datasource'], registers });
    this.lookupCacheErrors = new Counter({ name: 'repro_pins_registry_lookup_cache_errors_total', help: 'Times the shared lookup cache could not be used (the lookup went ahead without it).', registers });
    this.githubRequests = new Counter({ name: 'repro_pins_github_requests_total', help: 'GitHub API requests this process made, by response status.', labelNames: ['status'], registers });
    this.githubRateLimitRemaining = new Gauge({
      name: 'repro_pins_github_rate_limit_remaining',
      help: 'x-ratelimit-remaining of the last GitHub response, per installation ("app" for the App itself).',
      labelNames: ['installation'],
      registers,
    });
  }

  /** Counts a client's requests and keeps the rate limit GitHub reports; a client is hooked once. */
  observeOctokit<T extends Octokit>(octokit: T, installation: string): T {
    if (this.#observed.has(octokit)) return octokit;
    this.#observed.add(octokit);
    const record = (status: number | string, headers: Record<string, unknown> | undefined) => {
      this.githubRequests.inc({ status: String(status) });
      const remaining = Number(headers?.['x-ratelimit-remaining']);
      if (headers?.['x-ratelimit-remaining'] !== undefined && Number.isFinite(remaining)) this.githubRateLimitRemaining.set({ installation }, remaining);
    };
    octokit.hook.after('request', (response) => record(response.status, response.headers));
    octokit.hook.error('request', (error: unknown) => {
      // 304 (not modified), 404 (absent) and the rest arrive here; they are requests all the same.
      const response = typeof error === 'object' && error !== null && 'response' in error ? (error as { response?: { status?: number; headers?: Record<string, unknown> } }).response : undefined;
      record(response?.status ?? 'network-error', response?.headers);
      throw error;
    });
    return octokit;
  }

  lookupCounter(datasource: DatasourceName): () => void {
    return () => this.lookups.inc({ datasource });
  }

  cacheHitCounter(datasource: DatasourceName): () => void {
    return () => this.lookupCacheHits.inc({ datasource });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
