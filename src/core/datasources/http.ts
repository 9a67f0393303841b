import { STATUS_CODES } from 'node:http';

/** The small pieces of HTTP every datasource client shares (registries, package indexes, GitHub). */

/** `503 Service Unavailable`, as messages show a status. */
export function describeStatus(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

/**
 * `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; capped by
 * `maxMs` so a server cannot stall a run.
 */
export function retryAfterMs(value: string | null | undefined, maxMs = Number.POSITIVE_INFINITY, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const ms = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(ms, 0), maxMs);
}

/** What went wrong on the wire, as a short cause (`ECONNREFUSED`); anything else is a bug and is rethrown. */
export function networkCause(error: unknown): string {
  // Checked by name, not instanceof: fetch's errors come from Node's own realm, which differs
  // from the caller's under a VM context (Jest's ESM runner is one).
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: unknown };
  if (name === 'TimeoutError') return 'no answer in time';
  // undici rejects with TypeError("fetch failed", { cause }) when the connection fails.
  if (name === 'TypeError' && cause !== undefined) {
    const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return code;
    return typeof message === 'string' ? message : String(cause);
  }
  throw error;
}

/** A URL as messages show it: without the `user:password@` it may carry. */
export function withoutCredentials(url: string | URL): string {
  if (typeof url === 'string' && !URL.canParse(url)) return url;
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  return copy.href;
}
