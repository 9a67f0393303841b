import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupFunction } from 'node:net';
import { guardedDispatcher, parseAllowList, refusalFor, type AllowList } from './destination-guard.js';
import { HttpFetcher, type RetryPolicy } from './http-fetcher.js';

/** A hostile loopback server; every request it sees is recorded. */
interface Hostile {
  url: string;
  port: number;
  seen: { url: string; headers: IncomingHttpHeaders }[];
  /** Bytes the server managed to write before the client hung up. */
  written: () => number;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function hostile(handler: RequestListener): Promise<Hostile> {
  const seen: Hostile['seen'] = [];
  let written = 0;
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const write = res.write.bind(res);
    res.write = ((chunk: Buffer, ...rest: never[]) => {
      written += chunk.length;
      return write(chunk, ...rest);
    }) as typeof res.write;
    handler(req, res);
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, seen, written: () => written };
}

/** Writes chunks until the client goes away (or a bound far past every cap). */
function endless(res: Parameters<RequestListener>[1], chunk = Buffer.alloc(1 << 16, 0x61), bound = 1 << 30): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < bound && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('close', () => (sent = bound));
  pump();
}

const fetcher = (options: ConstructorParameters<typeof HttpFetcher>[0] = {}) => new HttpFetcher({ maxAttempts: 1, sleep: async () => {}, ...options });

describe('body caps', () => {
  it('refuses a body whose Content-Length is over the cap before reading it, naming the URL and the cap', async () => {
    const server = await hostile((_req, res) => {
      res.writeHead(200, { 'content-length': String(1 << 30) });
      endless(res);
    });
    const fetched = await fetcher().get(`${server.url}/v2/x/manifests/1`, {}, `registry 127.0.0.1:${server.port}`, { kind: 'manifest' });
    expect(fetched).toEqual({
      ok: false,
      message: `registry 127.0.0.1:${server.port} sent a body larger than 4 MiB, the limit for a manifest (${server.url}/v2/x/manifests/1)`,
    });
  });

  it('stops reading a chunked body at the first byte over the cap, so the server cannot fill memory', async () => {
    const server = await hostile((_req, res) => {
      res.writeHead(200);
      endless(res);
    });
    const fetched = await fetcher().get(`${server.url}/simple/flask/`, {}, `index page ${server.url}/simple/flask/`, { maxBytes: 1 << 20 });
    expect(fetched.ok).toBe(false);
    expect(!fetched.ok && fetched.message).toContain('larger than 1 MiB, the limit for this request');
    // Socket buffers hold a few MiB at most; the server never got near the gigabyte it meant to send.
    expect(server.written()).toBeLessThan(64 << 20);
  });

  it('caps a body even when the caller names no kind (the index cap)', async () => {
    const server = await hostile((_req, res) => {
      res.writeHead(200, { 'content-length': String(65 * 1024 * 1024) });
      res.end();
    });
    const fetched = await fetcher().get(`${server.url}/APKINDEX.tar.gz`, {}, `${server.url}/APKINDEX.tar.gz`);
    expect(!fetched.ok && fetched.message).toContain('larger than 64 MiB, the limit for an index');
  });

  it('counts bytes after Content-Encoding is undone, so a gzip bomb on the wire is capped too', async () => {
    const { gzipSync } = await import('node:zlib');
    const bomb = gzipSync(Buffer.alloc(16 << 20));
    const server = await hostile((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
      res.end(bomb);
    });
    const fetched = await fetcher().get(`${server.url}/m`, {}, 'registry bomb', { kind: 'manifest' });
    expect(!fetched.ok && fetched.message).toContain('larger than 4 MiB');
  });
});

describe('redirects', () => {
  it('drops credentials when a redirect leaves the origin, and keeps them on the same origin', async () => {
    const other = await hostile((_req, res) => res.end('elsewhere'));
    const origin = await hostile((req, res) => {
      if (req.url === '/first') return void res.writeHead(302, { location: '/second' }).end();
      res.writeHead(307, { location: `${other.url.replace('127.0.0.1', 'localhost')}/third` }).end();
    });
    const fetched = await fetcher().get(`${origin.url}/first`, { authorization: 'Bearer secret', Cookie: 'c=1', accept: 'x/y' }, 'origin');
    expect(fetched.ok && fetched.reply.body.toString()).toBe('elsewhere');
    expect(fetched.ok && fetched.reply.url).toBe(`${other.url.replace('127.0.0.1', 'localhost')}/third`);
    expect(origin.seen.map((s) => s.headers.authorization)).toEqual(['Bearer secret', 'Bearer secret']);
    expect(other.seen[0]!.headers.authorization).toBeUndefined();
    expect(other.seen[0]!.headers.cookie).toBeUndefined();
    expect(other.seen[0]!.headers.accept).toBe('x/y');
  });

  it('refuses a redirect to a scheme other than http(s), naming who sent it', async () => {
    const server = await hostile((_req, res) => res.writeHead(301, { location: 'file:///etc/passwd' }).end());
    await expect(fetcher().get(`${server.url}/x`, {}, `mirror ${server.url}`)).resolves.toEqual({ ok: false, message: `mirror ${server.url} redirected to a file: URL, which is not followed` });
  });

  it('stops a redirect loop after the hop limit', async () => {
    const server = await hostile((req, res) => res.writeHead(302, { location: `${req.url}x` }).end());
    const fetched = await fetcher({ maxRedirects: 3 }).get(`${server.url}/x`, {}, `mirror ${server.url}`);
    expect(!fetched.ok && fetched.message).toBe(`mirror ${server.url} redirected more than 3 times (last to ${server.url}/xxxx)`);
    expect(server.seen).toHaveLength(4);
  });
});

describe('retry policy', () => {
  it('asks the pluggable policy whether and when to retry each answer', async () => {
    let count = 0;
    const server = await hostile((_req, res) => res.writeHead(++count < 3 ? 418 : 200).end(String(count)));
    const sleeps: number[] = [];
    const teapotsRetry: RetryPolicy = { delayFor: (reply, attempt) => (reply.status === 418 ? attempt * 10 : null) };
    const fetched = await new HttpFetcher({ retryPolicy: teapotsRetry, sleep: async (ms) => void sleeps.push(ms) }).get(server.url, {}, 'teapot');
    expect(fetched.ok && fetched.reply.body.toString()).toBe('3');
    expect(sleeps).toEqual([10, 20]);
  });

  it('fails at once when the policy asks for a longer wait than allowed', async () => {
    const server = await hostile((_req, res) => res.writeHead(503).end());
    const fetched = await new HttpFetcher({ retryPolicy: { delayFor: () => 3_600_000 }, sleep: async () => {} }).get(server.url, {}, 'slow host');
    expect(fetched).toEqual({ ok: false, message: 'slow host answered 503 Service Unavailable' });
    expect(server.seen).toHaveLength(1);
  });
});

describe('destination guard', () => {
  const allow = (text = ''): AllowList => {
    const parsed = parseAllowList(text);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.allow;
  };
  // A resolver as a DNS server under an attacker's control would answer: every name is loopback.
  const toLoopback: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }] as never, 4);
    else callback(null, '127.0.0.1', 4);
  };

  it('refuses a loopback address and does not retry the refusal', async () => {
    const server = await hostile((_req, res) => res.end('secret'));
    const fetched = await fetcher({ maxAttempts: 4, dispatcher: guardedDispatcher({ allow: allow() }) }).get(`${server.url}/`, {}, `registry 127.0.0.1:${server.port}`);
    expect(fetched).toEqual({
      ok: false,
      message: `registry 127.0.0.1:${server.port} could not be reached: refused to connect to 127.0.0.1: 127.0.0.1 is a loopback address; the operator can allow it in REPRO_PINS_ALLOW_HOSTS`,
    });
    expect(server.seen).toHaveLength(0);
  });

  it('refuses a host name that resolves to loopback (DNS rebinding)', async () => {
    const server = await hostile((_req, res) => res.end('secret'));
    const fetched = await fetcher({ dispatcher: guardedDispatcher({ allow: allow(), lookup: toLoopback }) }).get(`http://mirror.example.test:${server.port}/`, {}, 'mirror.example.test');
    expect(!fetched.ok && fetched.message).toContain('refused to connect to mirror.example.test: 127.0.0.1 is a loopback address');
    expect(server.seen).toHaveLength(0);
  });

  it('refuses a redirect from an allowed host to a forbidden one', async () => {
    const inside = await hostile((_req, res) => res.end('metadata'));
    const allowed = await hostile((_req, res) => res.writeHead(302, { location: `${inside.url}/latest/meta-data/` }).end());
    const dispatcher = guardedDispatcher({ allow: allow('registry.example.test'), lookup: toLoopback });
    const fetched = await fetcher({ dispatcher }).get(`http://registry.example.test:${allowed.port}/v2/`, {}, 'registry registry.example.test');
    expect(!fetched.ok && fetched.message).toContain('refused to connect to 127.0.0.1: 127.0.0.1 is a loopback address');
    expect(allowed.seen).toHaveLength(1);
    expect(inside.seen).toHaveLength(0);
  });

  it('lets the operator allow a CIDR', async () => {
    const server = await hostile((_req, res) => res.end('fine'));
    const fetched = await fetcher({ dispatcher: guardedDispatcher({ allow: allow('127.0.0.0/8') }) }).get(`${server.url}/`, {}, 'registry');
    expect(fetched.ok && fetched.reply.body.toString()).toBe('fine');
  });

  it.each([
    ['169.254.169.254', 'a link-local address (cloud metadata lives here)'],
    ['10.1.2.3', 'a private address'],
    ['100.100.100.200', 'a carrier-grade NAT address'],
    ['0.0.0.0', 'an unspecified ("this network") address'],
    ['224.0.0.1', 'a multicast address'],
    ['::1', 'a loopback address'],
    ['[::1]', 'a loopback address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:a9fe:a9fe', 'a link-local address (cloud metadata lives here)'],
    ['fd00:ec2::254', 'a private (unique local) address'],
    ['fe80::1', 'a link-local address'],
  ])('classifies %s as %s', (address, what) => {
    expect(refusalFor(address, allow())).toBe(`${address} is ${what}`);
  });

  it('lets public addresses through, and allowed ranges', () => {
    expect(refusalFor('151.101.0.1', allow())).toBeNull();
    expect(refusalFor('2a04:4e42::1', allow())).toBeNull();
    expect(refusalFor('10.1.9.9', allow('10.1.0.0/16'))).toBeNull();
    expect(refusalFor('10.2.0.1', allow('10.1.0.0/16'))).toBe('10.2.0.1 is a private address');
  });

  it.each(['10.0.0.0/33', 'bad_host!', '10.0.0.0/8/1', '::1/abc'])('rejects the allow-list entry %s with a sentence', (entry) => {
    const parsed = parseAllowList(entry);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(`REPRO_PINS_ALLOW_HOSTS: "${entry}"`);
  });
});
