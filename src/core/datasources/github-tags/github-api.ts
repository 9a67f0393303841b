import type { z } from 'zod';
import { Semaphore } from '../../concurrency.js';
import { describeStatus, networkCause, retryAfterMs } from '../http.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export interface GitHubApiOptions {
  /** REST API root: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer …` to the API root's origin only; never logged nor put in a message. */
  token?: string;
  maxConcurrency?: number;
  /** Tries per request, the first included, on rate limits, 5xx and network errors. */
  maxAttempts?: number;
  /** First backoff delay; it doubles on each retry, with jitter. */
  baseDelayMs?: number;
  /** The longest wait for a rate limit to reset; a later reset fails the lookup at once. */
  maxWaitMs?: number;
  /** Per try, from sending the request to reading the whole body. */
  timeoutMs?: number;
  /** Pages of a list followed at most (100 items each). */
  maxPages?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  userAgent?: string;
}

export interface ApiFailure {
  ok: false;
  /** The HTTP status of the last answer, or null when none came. */
  status: number | null;
  message: string;
}
export type ApiResult<T> = { ok: true; data: T } | ApiFailure;

interface Reply {
  status: number;
  headers: Headers;
  body: string;
}

type Fetched = { ok: true; json: unknown; next: string | null } | ApiFailure;

const MAX_BACKOFF_MS = 60_000;
// https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit:
// without retry-after or x-ratelimit-reset, "wait for at least one minute before retrying".
const SECONDARY_LIMIT_WAIT_MS = 60_000;

/** An http(s) URL for the API root, or why it is not one. Plain HTTP only to loopback: the token must not cross a network in clear. */
export function parseGitHubApiUrl(text: string): { ok: true; url: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: `"${text}" is not a URL` };
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return { ok: false, message: `"${text}" must be an https:// URL (plain http only for loopback hosts)` };
  }
  if (url.username || url.password || url.search || url.hash) return { ok: false, message: `"${text}" must not carry credentials, a query or a fragment` };
  return { ok: true, url: url.href.replace(/\/+$/, '') };
}

/** A git ref name as URL path segments: `/` stays a separator, everything else is escaped. */
export function refPath(ref: string): string {
  return ref.split('/').map(encodeURIComponent).join('/');
}

/**
 * A small client for GitHub's REST API on Node's fetch: one request per distinct URL for the
 * lifetime of the client (concurrent callers share the answer, failures included), a cap on
 * requests in flight, and retries on rate limits, 5xx and network errors. Create one per run.
 */
export class GitHubApi {
  readonly stats = { requests: 0, retries: 0 };
  /** The API host as messages name it. */
  readonly host: string;
  readonly authenticated: boolean;

  readonly #baseUrl: string;
  readonly #origin: string;
  readonly #token: string | undefined;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxWaitMs: number;
  readonly #timeoutMs: number;
  readonly #maxPages: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #userAgent: string;
  readonly #semaphore: Semaphore;
  readonly #cache = new Map<string, Promise<Fetched | { ok: true; items: unknown[] }>>();

  constructor(options: GitHubApiOptions = {}) {
    this.#baseUrl = (options.baseUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
    const base = new URL(this.#baseUrl);
    this.#origin = base.origin;
    this.host = base.host;
    this.#token = options.token || undefined;
    this.authenticated = this.#token !== undefined;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#baseDelayMs = options.baseDelayMs ?? 500;
    this.#maxWaitMs = options.maxWaitMs ?? 60_000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxPages = options.maxPages ?? 10;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? Date.now;
    this.#userAgent = options.userAgent ?? 'repro-pins';
    this.#semaphore = new Semaphore(options.maxConcurrency ?? 8);
  }

  /** One JSON document at `path` (below the API root), checked against `schema`. */
  async get<T>(path: string, schema: z.ZodType<T>): Promise<ApiResult<T>> {
    const url = `${this.#baseUrl}${path}`;
    let fetched = this.#cache.get(url);
    if (!fetched) {
      fetched = this.#fetchJson(url);
      this.#cache.set(url, fetched);
    }
    const result = await fetched;
    if (!result.ok) return result;
    return this.#parse('json' in result ? result.json : result.items, schema, path);
  }

  /**
   * Every item of a list at `path`, following `Link: rel="next"` on the API's own origin (so
   * the token never goes elsewhere). An object where a list was expected is a one-item list: the
   * older ref endpoints answer an object for an exact match and an array for prefix matches.
   */
  async getAll<T>(path: string, item: z.ZodType<T>): Promise<ApiResult<T[]>> {
    const key = `all ${this.#baseUrl}${path}`;
    let fetched = this.#cache.get(key);
    if (!fetched) {
      fetched = this.#fetchPages(`${this.#baseUrl}${path}`);
      this.#cache.set(key, fetched);
    }
    const result = await fetched;
    if (!result.ok) return result;
    const items: unknown[] = 'items' in result ? result.items : [];
    const parsed: T[] = [];
    for (const each of items) {
      const one = this.#parse(each, item, path);
      if (!one.ok) return one;
      parsed.push(one.data);
    }
    return { ok: true, data: parsed };
  }

  async #fetchPages(first: string): Promise<{ ok: true; items: unknown[] } | ApiFailure> {
    const items: unknown[] = [];
    let url: string | null = first;
    for (let page = 0; url !== null && page < this.#maxPages; page += 1) {
      const fetched = await this.#fetchJson(url);
      if (!fetched.ok) return fetched;
      if (Array.isArray(fetched.json)) items.push(...(fetched.json as unknown[]));
      else items.push(fetched.json);
      url = fetched.next !== null && new URL(fetched.next).origin === this.#origin ? fetched.next : null;
    }
    return { ok: true, items };
  }

  #parse<T>(json: unknown, schema: z.ZodType<T>, path: string): ApiResult<T> {
    const parsed = schema.safeParse(json);
    return parsed.success ? { ok: true, data: parsed.data } : { ok: false, status: 200, message: `GitHub API ${this.host} answered an unexpected document for ${path}` };
  }

  async #fetchJson(url: string): Promise<Fetched> {
    const sent = await this.#send(url);
    if (!sent.ok) return sent;
    const { reply } = sent;
    if (reply.status < 200 || reply.status >= 300) return { ok: false, status: reply.status, message: this.#describeFailure(reply, 1) };
    try {
      return { ok: true, json: JSON.parse(reply.body), next: nextLink(reply.headers.get('link')) };
    } catch {
      return { ok: false, status: reply.status, message: `GitHub API ${this.host} answered a body that is not JSON for ${new URL(url).pathname}` };
    }
  }

  /** Sends one GET, retrying rate limits, 5xx and network errors with backoff. */
  async #send(url: string): Promise<{ ok: true; reply: Reply } | ApiFailure> {
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': this.#userAgent,
      ...(this.#token !== undefined && { authorization: `Bearer ${this.#token}` }),
    };
    for (let attempt = 1; ; attempt += 1) {
      this.stats.requests += 1;
      let reply: Reply | undefined;
      let cause = '';
      try {
        reply = await this.#semaphore.run(async () => {
          const response = await fetch(url, { headers, signal: AbortSignal.timeout(this.#timeoutMs) });
          return { status: response.status, headers: response.headers, body: await response.text() };
        });
      } catch (error) {
        cause = networkCause(error);
      }
      if (reply && !isRetryable(reply)) return { ok: true, reply };
      const wait = reply ? this.#waitFor(reply, attempt) : this.#backoffMs(attempt);
      if (attempt >= this.#maxAttempts || wait > this.#maxWaitMs) {
        const tries = attempt === 1 ? '' : ` after ${attempt} attempts`;
        return reply
          ? { ok: false, status: reply.status, message: this.#describeFailure(reply, attempt) }
          : { ok: false, status: null, message: `could not reach GitHub API ${this.host}: ${cause}${tries}` };
      }
      this.stats.retries += 1;
      await this.#sleep(wait);
    }
  }

  /**
   * How long to wait before retrying, as GitHub asks
   * (https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately):
   * `retry-after` first, then the primary limit's `x-ratelimit-reset` when none remain, then at
   * least a minute for a secondary limit that gave neither; a 5xx gets plain backoff.
   */
  #waitFor(reply: Reply, attempt: number): number {
    const retryAfter = retryAfterMs(reply.headers.get('retry-after'), undefined, this.#now());
    if (retryAfter !== undefined) return retryAfter;
    const reset = resetAt(reply.headers);
    if (reset !== undefined) return Math.max(reset - this.#now(), 0);
    if (isRateLimited(reply)) return Math.max(this.#backoffMs(attempt), SECONDARY_LIMIT_WAIT_MS);
    return this.#backoffMs(attempt);
  }

  // Exponential backoff with "equal jitter": half fixed, half random, so retries spread out.
  #backoffMs(attempt: number): number {
    const ceiling = Math.min(this.#baseDelayMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  #describeFailure(reply: Reply, attempts: number): string {
    const tries = attempts === 1 ? '' : ` after ${attempts} attempts`;
    if (isRateLimited(reply)) {
      const reset = resetAt(reply.headers);
      const until = reset === undefined ? '' : ` until ${new Date(reset).toISOString()}`;
      const hint = this.authenticated ? '' : '; set GITHUB_TOKEN for a higher limit';
      return `GitHub API ${this.host} rate limit exceeded${until}${tries}${hint}`;
    }
    if (reply.status === 401) {
      return this.authenticated
        ? `GitHub API ${this.host} rejected the token (401 Unauthorized): check that GITHUB_TOKEN is valid and not expired`
        : `GitHub API ${this.host} requires authentication (401 Unauthorized): set GITHUB_TOKEN`;
    }
    const said = apiMessage(reply.body);
    return `GitHub API ${this.host} answered ${describeStatus(reply.status)}${said ? ` (${said})` : ''}${tries}`;
  }
}

function isRateLimited(reply: Reply): boolean {
  if (reply.status === 429) return true;
  if (reply.status !== 403) return false;
  return reply.headers.get('x-ratelimit-remaining') === '0' || reply.headers.has('retry-after') || /rate limit/i.test(apiMessage(reply.body));
}

function isRetryable(reply: Reply): boolean {
  return reply.status >= 500 || isRateLimited(reply);
}

/** When the primary rate limit resets, in ms since the epoch, if none remain. */
function resetAt(headers: Headers): number | undefined {
  if (headers.get('x-ratelimit-remaining') !== '0') return undefined;
  const reset = Number(headers.get('x-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
}


/** The `rel="next"` URL of a `Link` header (RFC 8288), as GitHub paginates lists. */
function nextLink(header: string | null): string | null {
  for (const [, url, rel] of (header ?? '').matchAll(/<([^>]*)>\s*;\s*rel="([^"]*)"/g)) {
    if (url && rel?.split(/\s+/).includes('next') && URL.canParse(url)) return url;
  }
  return null;
}

/** The `message` GitHub puts in an error body, shortened; empty when there is none. */
function apiMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const message = typeof parsed === 'object' && parsed !== null && 'message' in parsed ? parsed.message : undefined;
    return typeof message === 'string' ? message.slice(0, 200) : '';
  } catch {
    return '';
  }
}

