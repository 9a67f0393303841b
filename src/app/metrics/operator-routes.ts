import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { AppMetrics } from './metrics.js';

/** Probot 14's handler shape (`ApplicationFunctionOptions.addHandler`): true when it answered the request. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export const SCAN_NOW_PATH = '/admin/scan-now';

export interface OperatorRoutesOptions {
  metrics: AppMetrics;
  /** Where `/health` says this process is (the role and queue mode). */
  describe: () => Record<string, string>;
  /** Guards POST /admin/scan-now; without a token the route does not exist. */
  adminToken: string | null;
  /** Queues the scan of every installed repository (or one installation's) now. */
  scanNow?: (installationId: number | null) => Promise<void>;
}

const scanNowBody = z.object({ installationId: z.number().int().positive().nullable().optional() });

/**
 * `/health` (liveness: the process answers), `/metrics` (Prometheus text) and, when an admin
 * token is set, `POST /admin/scan-now` with `Authorization: Bearer <token>` — how
 * `repro-pins app scan-now` reaches a single-process App that has no Redis to enqueue into.
 */
export function operatorRoutes(options: OperatorRoutesOptions): HttpHandler {
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/health') {
      send(res, 200, 'application/json', JSON.stringify({ status: 'ok', ...options.describe() }));
      return true;
    }
    if (req.method === 'GET' && path === '/metrics') {
      send(res, 200, options.metrics.contentType, await options.metrics.render());
      return true;
    }
    if (path === SCAN_NOW_PATH && options.adminToken !== null && options.scanNow) {
      if (req.method !== 'POST') {
        send(res, 405, 'application/json', JSON.stringify({ error: 'use POST' }));
        return true;
      }
      if (!hasToken(req, options.adminToken)) {
        send(res, 401, 'application/json', JSON.stringify({ error: 'missing or wrong bearer token (REPRO_PINS_ADMIN_TOKEN)' }));
        return true;
      }
      const body = scanNowBody.safeParse(await readJson(req));
      if (!body.success) {
        send(res, 400, 'application/json', JSON.stringify({ error: 'expected {"installationId": <number> | null}' }));
        return true;
      }
      await options.scanNow(body.data.installationId ?? null);
      send(res, 202, 'application/json', JSON.stringify({ enqueued: true, installationId: body.data.installationId ?? null }));
      return true;
    }
    return false;
  };
}

/** The worker's own small HTTP server for the same routes (it serves no webhooks). */
export async function listenOperatorServer(handler: HttpHandler, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res))
      .then((handled) => {
        if (!handled) send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
      })
      .catch(() => send(res, 500, 'application/json', JSON.stringify({ error: 'internal error' })));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType }).end(body);
}

function hasToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  // Compare digests: equal lengths for timingSafeEqual, and no early exit on the first different byte.
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(token).digest());
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > 4096) return null;
    chunks.push(buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}
