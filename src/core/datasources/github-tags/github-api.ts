import type { z } from 'zod';
import type { Dispatcher } from 'undici';
import { describeStatus, retryAfterMs } from '../http.js';
import { HttpFetcher, type Reply, type RetryPolicy } from '../http-fetcher.js';

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
  /** The undici dispatcher connections go through: the App's destination guard. */
  dispatcher?: Dispatcher;
}

export interface ApiFailure {
  ok: false;
  /** The HTTP status of the last answer, or null when none came. */
  status: number | null;
  message: string;
}
export type ApiResult<T> = { ok: true; data: T } | ApiFailure;

type Fetched = { ok: true; json: unknown; next: string | null } | ApiFailure;

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
  readonly #maxPages: number;
  readonly #now: () => number;
  readonly #http: HttpFetcher;
  readonly #cache = new Map<string, Promise<Fetched | { ok: true; items: unknown[] }>>();

  constructor(options: GitHubApiOptions = {}) {
    this.#baseUrl = (options.baseUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
    const base = new URL(this.#baseUrl);
    this.#origin = base.origin;
    this.host = base.host;
    this.#token = options.token || undefined;
    this.authenticated = this.#token !== undefined;
    this.#maxPages = options.maxPages ?? 10;
    this.#now = options.now ?? Date.now;
    // The shared fetch border (caps, redirects, the App's guard), with GitHub's rate-limit rules as its retry policy.
    this.#http = new HttpFetcher({
      maxConcurrencyPerHost: options.maxConcurrency ?? 8,
      maxAttempts: options.maxAttempts ?? 4,
      baseDelayMs: options.baseDelayMs ?? 500,
      maxWaitMs: options.maxWaitMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      retryPolicy: githubRetryPolicy(this.#now),
      ...(options.sleep && { sleep: options.sleep }),
      ...(options.userAgent && { userAgent: options.userAgent }),
      ...(options.dispatcher && { dispatcher: options.dispatcher }),
    });
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
      return { ok: true, json: JSON.parse(reply.body.toString('utf8')), next: nextLink(reply.headers.get('link')) };
    } catch {
      return { ok: false, status: reply.status, message: `GitHub API ${this.host} answered a body that is not JSON for ${new URL(url).pathname}` };
    }
  }

  /** Sends one GET through the shared fetcher; its GitHub policy retries rate limits and 5xx. */
  async #send(url: string): Promise<{ ok: true; reply: Reply } | ApiFailure> {
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      // Only to the API root's origin: the fetcher drops it on a redirect elsewhere.
      ...(this.#token !== undefined && { authorization: `Bearer ${this.#token}` }),
    };
    const sent = await this.#http.send(url, {
      headers,
      subject: `GitHub API ${this.host}`,
      kind: 'api',
      onAttempt: (attempt) => {
        this.stats.requests += 1;
        if (attempt > 1) this.stats.retries += 1;
      },
    });
    if (sent.ok) return sent;
    if (sent.reply) return { ok: false, status: sent.reply.status, message: this.#describeFailure(sent.reply, sent.attempts) };
    return { ok: false, status: null, message: sent.message };
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
    const said = apiMessage(reply.body.toString('utf8'));
    return `GitHub API ${this.host} answered ${describeStatus(reply.status)}${said ? ` (${said})` : ''}${tries}`;
  }
}

/**
 * How long to wait before retrying, as GitHub asks
 * (https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately):
 * `retry-after` first, then the primary limit's `x-ratelimit-reset` when none remain, then at
 * least a minute for a secondary limit that gave neither; a 5xx gets plain backoff. The fetcher
 * fails at once when the wait is longer than its `maxWaitMs`.
 */
export function githubRetryPolicy(now: () => number = Date.now): RetryPolicy {
  return {
    delayFor(reply, _attempt, backoffMs) {
      if (reply.status < 500 && !isRateLimited(reply)) return null;
      const retryAfter = retryAfterMs(reply.headers.get('retry-after'), undefined, now());
      if (retryAfter !== undefined) return retryAfter;
      const reset = resetAt(reply.headers);
      if (reset !== undefined) return Math.max(reset - now(), 0);
      if (isRateLimited(reply)) return Math.max(backoffMs, SECONDARY_LIMIT_WAIT_MS);
      return backoffMs;
    },
  };
}

function isRateLimited(reply: Reply): boolean {
  if (reply.status === 429) return true;
  if (reply.status !== 403) return false;
  return reply.headers.get('x-ratelimit-remaining') === '0' || reply.headers.has('retry-after') || /rate limit/i.test(apiMessage(reply.body.toString('utf8')));
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

