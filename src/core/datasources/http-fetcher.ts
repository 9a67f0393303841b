import { describeStatus, networkCause, retryAfterMs } from './http.js';
import { Semaphore } from '../concurrency.js';

/**
 * GETs with the retry policy the registry client uses (src/core/datasources/docker/registry-client.ts):
 * 429, 5xx, timeouts and network errors are retried with exponential backoff and jitter,
 * honouring `Retry-After`; at most N requests per host at once.
 */

export interface FetcherOptions {
  maxConcurrencyPerHost?: number;
  /** Tries per request, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Per try, from sending the request to reading the whole body. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  userAgent?: string;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The URL after redirects: relative links resolve against it. */
  url: string;
}

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Who answers, as messages name it: `registry ghcr.io`, or a URL without credentials. */
  subject: string;
  /** What was asked for, when the subject alone does not say (`library/python:3.12`). */
  about?: string;
  onAttempt?: (attempt: number, host: string) => void;
}

export type Fetched = { ok: true; reply: Reply } | { ok: false; message: string };

const MAX_DELAY_MS = 60_000;

export class HttpFetcher {
  readonly #semaphores = new Map<string, Semaphore>();
  readonly #maxConcurrency: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #timeoutMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #userAgent: string;
  requests = 0;

  constructor(options: FetcherOptions = {}) {
    this.#maxConcurrency = options.maxConcurrencyPerHost ?? 8;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#baseDelayMs = options.baseDelayMs ?? 500;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#userAgent = options.userAgent ?? 'repro-pins';
  }

  /** `display` names the URL in messages (without credentials). */
  get(url: string, headers: Record<string, string>, display: string): Promise<Fetched> {
    return this.request(url, { headers, subject: display });
  }

  /**
   * One request with the retry policy. Messages read `<subject> answered 503 Service Unavailable
   * [for <about>] after 4 attempts` or `could not reach <subject>: ECONNREFUSED …`; `onAttempt`
   * sees every try (the registry client counts them).
   */
  async request(url: string, options: RequestOptions): Promise<Fetched> {
    const { method = 'GET', headers = {}, subject, about, onAttempt } = options;
    const host = new URL(url).host;
    for (let attempt = 1; ; attempt += 1) {
      this.requests += 1;
      onAttempt?.(attempt, host);
      let reply: Reply | undefined;
      let cause = '';
      try {
        reply = await this.#semaphore(host).run(async () => {
          const response = await fetch(url, { method, headers: { 'user-agent': this.#userAgent, ...headers }, signal: AbortSignal.timeout(this.#timeoutMs) });
          return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()), url: response.url || url };
        });
      } catch (error) {
        cause = networkCause(error);
      }
      if (reply && reply.status !== 429 && reply.status < 500) return { ok: true, reply };
      if (attempt >= this.#maxAttempts) {
        const tries = attempt === 1 ? '' : ` after ${attempt} attempts`;
        const forWhat = about ? ` for ${about}` : '';
        return { ok: false, message: reply ? `${subject} answered ${describeStatus(reply.status)}${forWhat}${tries}` : `could not reach ${subject}: ${cause}${tries}` };
      }
      await this.#sleep(retryAfterMs(reply?.headers.get('retry-after'), MAX_DELAY_MS) ?? this.#backoffMs(attempt));
    }
  }

  #backoffMs(attempt: number): number {
    const ceiling = Math.min(this.#baseDelayMs * 2 ** (attempt - 1), MAX_DELAY_MS);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  #semaphore(host: string): Semaphore {
    let semaphore = this.#semaphores.get(host);
    if (!semaphore) {
      semaphore = new Semaphore(this.#maxConcurrency);
      this.#semaphores.set(host, semaphore);
    }
    return semaphore;
  }
}

