/**
 * A counting fake of a registry's tag lookups on loopback: every tag exists, its digest is derived
 * from `name:tag`, and each `HEAD /v2/<name>/manifests/<tag>` is counted, so a test can tell how
 * often the whole fleet asked for one tag. (The real-registry harness is global-setup.ts; this
 * one is for counting across processes.)
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class CountingRegistry {
  /** `name:tag` → number of manifest requests. */
  readonly lookups = new Map<string, number>();

  private constructor(private readonly server: Server) {}

  static async start(latencyMs = 0): Promise<CountingRegistry> {
    const server = createServer();
    const registry = new CountingRegistry(server);
    server.on('request', (req, res) => {
      const match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? '');
      setTimeout(() => {
        if (req.url === '/v2/' || req.url === '/v2') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          return;
        }
        if (!match || (req.method !== 'HEAD' && req.method !== 'GET')) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
          return;
        }
        const key = `${match[1]}:${match[2]}`;
        registry.lookups.set(key, (registry.lookups.get(key) ?? 0) + 1);
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', 'docker-content-digest': digestOf(match[1]!, match[2]!) }).end();
      }, latencyMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return registry;
  }

  /** `127.0.0.1:PORT`, the registry part of image references (plain HTTP: loopback). */
  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.lookups.clear();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The digest the fake serves for a tag: what a pin of `name:tag` must carry. */
export function digestOf(name: string, tag: string): string {
  return `sha256:${createHash('sha256').update(`${name}:${tag}`).digest('hex')}`;
}
