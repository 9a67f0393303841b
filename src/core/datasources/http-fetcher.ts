import type { Dispatcher } from 'undici';
import { describeStatus, networkCause, retryAfterMs, withoutCredentials } from './http.js';
import { Semaphore } from '../concurrency.js';
import { DESTINATION_REFUSED } from './destination-guard.js';

/**
 * The one border every datasource's HTTP crosses (registries, package indexes, GitHub's API):
 * - retries with a pluggable policy: by default 429, 5xx, timeouts and network errors with
 *   exponential backoff and jitter, honouring `Retry-After` (GitHub's rate-limit rules are
 *   another policy, in github-tags/github-api.ts);
 * - at most N requests per host at once;
 * - a body cap per kind, checked on `Content-Length` and again while the body streams in, so a
 *   hostile server cannot grow the process by answering a gigabyte;
 * - a timeout per try, body included;
 * - redirects followed by hand, each hop checked like a first request: http(s) only, never from
 *   https down to http, credentials dropped when it leaves the origin, and the connection made
 *   through the same dispatcher (the App's destination guard sees every hop).
 */

const MIB = 1024 * 1024;

/** What a body is, which sets its cap when the caller names no `maxBytes`. */
export type BodyKind = 'manifest' | 'token' | 'api' | 'index' | 'metadata' | 'archive';

export const BODY_LIMITS: Readonly<Record<BodyKind, number>> = {
  // The distribution spec: registries SHOULD accept manifests up to 4 MiB, so none is larger.
  // https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests
  manifest: 4 * MIB,
  token: 1 * MIB,
  // A page of 100 GitHub REST items is a few hundred KiB.
  api: 16 * MIB,
  // APKINDEX.tar.gz, Packages.{gz,xz} (Debian main is ~10 MiB compressed), PEP 691/503 pages.
  index: 64 * MIB,
  // PEP 658 `.metadata` files.
  metadata: 8 * MIB,
  // Distribution files hashed or read for their metadata (sdists, wheels).
  archive: 256 * MIB,
};

/** When an answer is worth another try, and after how long: null returns it as it is. */
export interface RetryPolicy {
  delayFor(reply: Reply, attempt: number, backoffMs: number): number | null;
}

/** 429 and 5xx are retried after `Retry-After` (capped) or the backoff. */
export const defaultRetryPolicy: RetryPolicy = {
  delayFor(reply, _attempt, backoffMs) {
    if (reply.status !== 429 && reply.status < 500) return null;
    return retryAfterMs(reply.headers.get('retry-after'), MAX_DELAY_MS) ?? backoffMs;
  },
};

export interface FetcherOptions {
  maxConcurrencyPerHost?: number;
  /** Tries per request, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** The longest wait between tries a policy may ask for; a longer one fails at once. */
  maxWaitMs?: number;
  /** Per try, from sending the request to reading the whole body. */
  timeoutMs?: number;
  /** Redirect hops followed per request. */
  maxRedirects?: number;
  retryPolicy?: RetryPolicy;
  /** The undici dispatcher connections go through: the App's destination guard. */
  dispatcher?: Dispatcher;
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
  /** The body's kind, which sets its cap (default `index`); `maxBytes` overrides it. */
  kind?: BodyKind;
  maxBytes?: number;
  onAttempt?: (attempt: number, host: string) => void;
}

export type Fetched = { ok: true; reply: Reply } | { ok: false; message: string };
/** As `Fetched`; a failure also keeps the last answer when retries ran out on one (GitHub explains its rate limits from it). */
export type Sent = { ok: true; reply: Reply } | { ok: false; message: string; reply?: Reply; attempts: number };

const MAX_DELAY_MS = 60_000;
const DEFAULT_KIND: BodyKind = 'index';
// Headers that carry credentials: never sent to another origin than the one they were meant for
// (the Fetch standard drops Authorization on cross-origin redirects for the same reason).
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Attempt = { reply: Reply } | { final: string } | { cause: string };

export class HttpFetcher {
  readonly #semaphores = new Map<string, Semaphore>();
  readonly #maxConcurrency: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxWaitMs: number;
  readonly #timeoutMs: number;
  readonly #maxRedirects: number;
  readonly #policy: RetryPolicy;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #userAgent: string;
  requests = 0;

  constructor(options: FetcherOptions = {}) {
    this.#maxConcurrency = options.maxConcurrencyPerHost ?? 8;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#baseDelayMs = options.baseDelayMs ?? 500;
    this.#maxWaitMs = options.maxWaitMs ?? MAX_DELAY_MS;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#maxRedirects = options.maxRedirects ?? 5;
    this.#policy = options.retryPolicy ?? defaultRetryPolicy;
    this.#dispatcher = options.dispatcher;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#userAgent = options.userAgent ?? 'repro-pins';
  }

  /** `display` names the URL in messages (without credentials). */
  get(url: string, headers: Record<string, string>, display: string, limits: Pick<RequestOptions, 'kind' | 'maxBytes'> = {}): Promise<Fetched> {
    return this.request(url, { headers, subject: display, ...limits });
  }

  /**
   * One request with the retry policy. Messages read `<subject> answered 503 Service Unavailable
   * [for <about>] after 4 attempts` or `could not reach <subject>: ECONNREFUSED …`; `onAttempt`
   * sees every try (the registry client counts them).
   */
  async request(url: string, options: RequestOptions): Promise<Fetched> {
    const sent = await this.send(url, options);
    return sent.ok ? sent : { ok: false, message: sent.message };
  }

  /** `request`, with the last answer and the number of tries on a failure. */
  async send(url: string, options: RequestOptions): Promise<Sent> {
    const { subject, about, onAttempt } = options;
    const host = new URL(url).host;
    const forWhat = about ? ` for ${about}` : '';
    for (let attempt = 1; ; attempt += 1) {
      this.requests += 1;
      onAttempt?.(attempt, host);
      const tried = await this.#semaphore(host).run(() => this.#attempt(url, options));
      if ('final' in tried) return { ok: false, message: `${subject}${about ? ` (${about})` : ''} ${tried.final}`, attempts: attempt };
      const backoff = this.#backoffMs(attempt);
      const delay = 'reply' in tried ? this.#policy.delayFor(tried.reply, attempt, backoff) : backoff;
      if (delay === null && 'reply' in tried) return { ok: true, reply: tried.reply };
      if (attempt >= this.#maxAttempts || (delay ?? 0) > this.#maxWaitMs) {
        const tries = attempt === 1 ? '' : ` after ${attempt} attempts`;
        return 'reply' in tried
          ? { ok: false, message: `${subject} answered ${describeStatus(tried.reply.status)}${forWhat}${tries}`, reply: tried.reply, attempts: attempt }
          : { ok: false, message: `could not reach ${subject}: ${tried.cause}${tries}`, attempts: attempt };
      }
      await this.#sleep(delay ?? backoff);
    }
  }

  /** One try: the request and the redirects it leads to, under one timeout. */
  async #attempt(first: string, options: RequestOptions): Promise<Attempt> {
    const limit = options.maxBytes ?? BODY_LIMITS[options.kind ?? DEFAULT_KIND];
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let url = new URL(first);
    let method = options.method ?? 'GET';
    let headers: Record<string, string> = { 'user-agent': this.#userAgent, ...options.headers };
    try {
      for (let hop = 0; ; hop += 1) {
        const init: RequestInit & { dispatcher?: Dispatcher } = { method, headers, signal, redirect: 'manual', ...(this.#dispatcher && { dispatcher: this.#dispatcher }) };
        const response = await fetch(url.href, init);
        const location = response.headers.get('location');
        if (REDIRECTS.has(response.status) && location !== null) {
          await response.body?.cancel();
          if (hop >= this.#maxRedirects) return { final: `redirected more than ${this.#maxRedirects} times (last to ${withoutCredentials(url)})` };
          const next = URL.canParse(location, url.href) ? new URL(location, url) : null;
          const refusal = next ? hopRefusal(url, next) : `sent an unusable redirect location ${JSON.stringify(location.slice(0, 200))}`;
          if (refusal || !next) return { final: refusal ?? 'sent an unusable redirect' };
          if (next.origin !== url.origin) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
          // RFC 9110 §15.4.4: 303 continues with GET; the others keep the method (only GET and HEAD are sent).
          if (response.status === 303 && method !== 'HEAD') method = 'GET';
          url = next;
          continue;
        }
        const body = await readCapped(response, limit, method);
        if (body === null) return { final: `sent a body larger than ${formatBytes(limit)}, the limit for ${options.maxBytes === undefined ? withArticle(options.kind ?? DEFAULT_KIND) : 'this request'} (${withoutCredentials(url)})` };
        return { reply: { status: response.status, headers: response.headers, body, url: url.href } };
      }
    } catch (error) {
      if (isDestinationRefusal(error)) return { final: `could not be reached: ${(error as { cause: Error }).cause.message}` };
      return { cause: networkCause(error) };
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

/** Why a redirect hop may not be followed, or null. */
function hopRefusal(from: URL, to: URL): string | null {
  if (to.protocol !== 'https:' && to.protocol !== 'http:') return `redirected to a ${to.protocol} URL, which is not followed`;
  if (from.protocol === 'https:' && to.protocol === 'http:') return `redirected from https to plain http (${withoutCredentials(to)}), which is not followed`;
  if (to.username || to.password) return 'redirected to a URL carrying credentials, which is not followed';
  return null;
}

/**
 * The body, or null when it exceeds `limit`: the declared length is checked first, then the bytes
 * as they arrive; the stream is cancelled at the first byte over, so memory stays at the cap.
 */
async function readCapped(response: Response, limit: number, method: 'GET' | 'HEAD'): Promise<Buffer | null> {
  // A HEAD answer's Content-Length describes the GET body it did not send.
  const declared = method === 'HEAD' ? Number.NaN : Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    return null;
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function withArticle(kind: BodyKind): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

function isDestinationRefusal(error: unknown): boolean {
  const cause = (error as { cause?: { name?: unknown } } | null)?.cause;
  return cause?.name === DESTINATION_REFUSED;
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())));
}


/** `4 MiB`, `512 KiB`, `100 bytes`: caps as messages show them. */
export function formatBytes(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
