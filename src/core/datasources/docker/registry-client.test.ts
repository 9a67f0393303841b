import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import nock from 'nock';
import { isImageRefError, parseImageRef, type ImageRef } from '../../image-ref.js';
import { loadDockerCredentials } from './docker-config.js';
import { RegistryClient, type RegistryClientOptions } from './registry-client.js';
import { useNock } from '../../../../test/support/nock.js';

const digestOf = (body: Buffer | string): string => `sha256:${createHash('sha256').update(body).digest('hex')}`;
/** A manifest body as a registry serves it: exact bytes, the fixture's `DIGEST(label)`s filled in. */
const manifestFixture = (name: string): Buffer =>
  Buffer.from(
    readFileSync(new URL(`../../../../fixtures/docker-registry/${name}`, import.meta.url), 'utf8').replace(/DIGEST\(([^)]*)\)/g, (_, label: string) => digestOf(label)),
  );
const manifestList = manifestFixture('docker-manifest-list.json');
const ociIndexWithoutMediaType = manifestFixture('oci-index-no-media-type.json');
const listDigest = digestOf(manifestList);
const digestHeader = { 'Docker-Content-Digest': listDigest };

function ref(text: string): ImageRef {
  const parsed = parseImageRef(text);
  if (isImageRefError(parsed)) throw new Error(parsed.error);
  return parsed;
}

/** A client whose backoff is recorded instead of waited for. */
function newClient(options: RegistryClientOptions = {}): { client: RegistryClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const client = new RegistryClient({
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { client, sleeps };
}

useNock();

describe('RegistryClient.resolveDigest', () => {
  it('resolves a Docker Hub official image through registry-1.docker.io with an auth.docker.io token', async () => {
    const challenge = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull"';
    const registry = nock('https://registry-1.docker.io')
      .head('/v2/library/python/manifests/3.12')
      .reply(401, '', { 'WWW-Authenticate': challenge })
      .head('/v2/library/python/manifests/3.12')
      .matchHeader('authorization', 'Bearer hub-token')
      .matchHeader('accept', /application\/vnd\.oci\.image\.index\.v1\+json.*application\/vnd\.docker\.distribution\.manifest\.v2\+json/)
      .reply(200, '', digestHeader);
    const auth = nock('https://auth.docker.io')
      .get('/token')
      .query({ service: 'registry.docker.io', scope: 'repository:library/python:pull' })
      .reply(200, { token: 'hub-token', expires_in: 300 });
    const { client } = newClient();

    await expect(client.resolveDigest(ref('python:3.12'))).resolves.toEqual({ ok: true, digest: listDigest });
    expect(registry.isDone() && auth.isDone()).toBe(true);
    expect(client.stats).toMatchObject({ manifestRequests: 2, tokenRequests: 1, retries: 0 });
    expect(client.stats.byHost.get('auth.docker.io')).toEqual({ manifestRequests: 0, tokenRequests: 1, retries: 0 });
  });

  it('fetches the token before the first request once the host has challenged, and reuses it for the same scope', async () => {
    const challenge = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"';
    nock('https://registry-1.docker.io')
      .head('/v2/library/alpine/manifests/3.20')
      .reply(401, '', { 'WWW-Authenticate': challenge })
      .head('/v2/library/alpine/manifests/3.20')
      .matchHeader('authorization', 'Bearer alpine-token')
      .reply(200, '', digestHeader)
      .head('/v2/library/alpine/manifests/3.21')
      .matchHeader('authorization', 'Bearer alpine-token')
      .reply(200, '', digestHeader);
    nock('https://auth.docker.io').get('/token').query(true).reply(200, { token: 'alpine-token' });
    const { client } = newClient();

    await client.resolveDigest(ref('alpine:3.20'));
    await expect(client.resolveDigest(ref('alpine:3.21'))).resolves.toEqual({ ok: true, digest: listDigest });
    expect(client.stats).toMatchObject({ manifestRequests: 3, tokenRequests: 1 });
  });

  it('fetches a new token once the previous one has expired', async () => {
    const challenge = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"';
    nock('https://registry-1.docker.io')
      .head('/v2/library/alpine/manifests/3.20')
      .reply(401, '', { 'WWW-Authenticate': challenge })
      .head('/v2/library/alpine/manifests/3.20')
      .matchHeader('authorization', 'Bearer first')
      .reply(200, '', digestHeader)
      .head('/v2/library/alpine/manifests/3.21')
      .matchHeader('authorization', 'Bearer second')
      .reply(200, '', digestHeader);
    nock('https://auth.docker.io')
      .get('/token')
      .query(true)
      .reply(200, { token: 'first', expires_in: 60 })
      .get('/token')
      .query(true)
      .reply(200, { token: 'second', expires_in: 60 });
    const { client } = newClient();
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      await client.resolveDigest(ref('alpine:3.20'));
      clock.mockReturnValue(now + 61_000);
      await expect(client.resolveDigest(ref('alpine:3.21'))).resolves.toEqual({ ok: true, digest: listDigest });
    } finally {
      clock.mockRestore();
    }
  });

  it('resolves a public GHCR image with an anonymous token from ghcr.io/token', async () => {
    const registry = nock('https://ghcr.io')
      .head('/v2/acme/api/manifests/v1.4.0')
      .reply(401, '', { 'WWW-Authenticate': 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/api:pull"' })
      .get('/token')
      .query({ service: 'ghcr.io', scope: 'repository:acme/api:pull' })
      .matchHeader('authorization', (value: string | undefined) => value === undefined)
      .reply(200, { token: 'djE6YWNtZS9hcGk6MTcwMDAwMDAwMA==' })
      .head('/v2/acme/api/manifests/v1.4.0')
      .matchHeader('authorization', 'Bearer djE6YWNtZS9hcGk6MTcwMDAwMDAwMA==')
      .reply(200, '', digestHeader);
    const { client } = newClient();

    await expect(client.resolveDigest(ref('ghcr.io/acme/api:v1.4.0'))).resolves.toEqual({ ok: true, digest: listDigest });
    expect(registry.isDone()).toBe(true);
  });

  describe('with credentials from a Docker config file', () => {
    let dockerConfig: string;
    beforeEach(() => {
      dockerConfig = mkdtempSync(join(tmpdir(), 'repro-pins-registry-'));
      const auth = Buffer.from('alice:s3cret').toString('base64');
      writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { 'registry.example.com': { auth } } }));
    });
    afterEach(() => rmSync(dockerConfig, { recursive: true, force: true }));

    it('answers a Basic challenge with them', async () => {
      const registry = nock('https://registry.example.com')
        .head('/v2/team/app/manifests/2.0')
        .reply(401, '', { 'WWW-Authenticate': 'Basic realm="Registry Realm"' })
        .head('/v2/team/app/manifests/2.0')
        .matchHeader('authorization', `Basic ${Buffer.from('alice:s3cret').toString('base64')}`)
        .reply(200, '', digestHeader);
      const { client } = newClient({ credentials: loadDockerCredentials({ DOCKER_CONFIG: dockerConfig }) });

      await expect(client.resolveDigest(ref('registry.example.com/team/app:2.0'))).resolves.toEqual({ ok: true, digest: listDigest });
      expect(registry.isDone()).toBe(true);
    });

    it('sends them to the token realm and asks for pull scope when the challenge names none', async () => {
      const registry = nock('https://registry.example.com')
        .head('/v2/team/app/manifests/2.0')
        .reply(401, '', { 'WWW-Authenticate': 'Bearer realm="https://auth.example.com/oauth/token",service="registry.example.com"' })
        .head('/v2/team/app/manifests/2.0')
        .matchHeader('authorization', 'Bearer private-token')
        .reply(200, '', digestHeader);
      const auth = nock('https://auth.example.com')
        .get('/oauth/token')
        .query({ service: 'registry.example.com', scope: 'repository:team/app:pull' })
        .matchHeader('authorization', `Basic ${Buffer.from('alice:s3cret').toString('base64')}`)
        .reply(200, { access_token: 'private-token' });
      const { client } = newClient({ credentials: loadDockerCredentials({ DOCKER_CONFIG: dockerConfig }) });

      await expect(client.resolveDigest(ref('registry.example.com/team/app:2.0'))).resolves.toEqual({ ok: true, digest: listDigest });
      expect(registry.isDone() && auth.isDone()).toBe(true);
    });
  });

  it('says how to add credentials when a Basic challenge comes and there are none', async () => {
    nock('https://registry.example.com').head('/v2/team/app/manifests/2.0').reply(401, '', { 'WWW-Authenticate': 'Basic realm="Registry Realm"' });
    const { client } = newClient();

    await expect(client.resolveDigest(ref('registry.example.com/team/app:2.0'))).resolves.toEqual({
      ok: false,
      message:
        'registry registry.example.com requires authentication for team/app:2.0: add credentials with `docker login registry.example.com` (or check that the repository exists)',
    });
  });

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    nock('https://registry-1.docker.io')
      .head('/v2/library/node/manifests/22')
      .reply(429, '', { 'Retry-After': '7' })
      .head('/v2/library/node/manifests/22')
      .reply(200, '', digestHeader);
    const { client, sleeps } = newClient();

    await expect(client.resolveDigest(ref('node:22'))).resolves.toEqual({ ok: true, digest: listDigest });
    expect(sleeps).toEqual([7000]);
    expect(client.stats.retries).toBe(1);
  });

  it('hashes the body of a GET when HEAD carries no Docker-Content-Digest, ignoring the GET header', async () => {
    nock('https://quay.io')
      .head('/v2/prometheus/node-exporter/manifests/v1.8.2')
      .reply(200, '')
      .get('/v2/prometheus/node-exporter/manifests/v1.8.2')
      .reply(200, manifestList, {
        'Content-Type': 'application/vnd.docker.distribution.manifest.list.v2+json',
        'Docker-Content-Digest': `sha256:${'0'.repeat(64)}`,
      });
    const { client } = newClient();

    await expect(client.resolveDigest(ref('quay.io/prometheus/node-exporter:v1.8.2'))).resolves.toEqual({ ok: true, digest: digestOf(manifestList) });
  });

  it('GETs when HEAD is not allowed, and digests an OCI index with no mediaType field from its bytes', async () => {
    nock('https://registry.example.com')
      .head('/v2/tools/ko-built/manifests/latest')
      .reply(405)
      .get('/v2/tools/ko-built/manifests/latest')
      .reply(200, ociIndexWithoutMediaType, { 'Content-Type': 'application/vnd.oci.image.index.v1+json' });
    const { client } = newClient();

    await expect(client.resolveDigest(ref('registry.example.com/tools/ko-built'))).resolves.toEqual({
      ok: true,
      digest: digestOf(ociIndexWithoutMediaType),
    });
  });

  it('gives up after the last retry of a 5xx with a sentence naming host, status, reference and attempts', async () => {
    nock('https://registry-1.docker.io').head('/v2/library/python/manifests/3.12').times(4).reply(503);
    const { client, sleeps } = newClient({ baseDelayMs: 100 });

    await expect(client.resolveDigest(ref('python:3.12'))).resolves.toEqual({
      ok: false,
      message: 'registry registry-1.docker.io answered 503 Service Unavailable for library/python:3.12 after 4 attempts',
    });
    // Exponential backoff with jitter: each wait is between half and all of 100, 200, 400 ms.
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(50 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(100 * 2 ** i);
    });
  });

  it('names the host and the cause when the registry cannot be reached', async () => {
    nock('https://registry.example.com')
      .head('/v2/team/app/manifests/1')
      .times(2)
      // The shape undici rejects with; nock hands the error to fetch's caller as it is.
      .replyWithError(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }));
    const { client } = newClient({ maxAttempts: 2 });

    await expect(client.resolveDigest(ref('registry.example.com/team/app:1'))).resolves.toEqual({
      ok: false,
      message: 'could not reach registry registry.example.com: ECONNREFUSED after 2 attempts',
    });
  });

  it('says which tag was not found, once per run', async () => {
    nock('https://registry-1.docker.io').head('/v2/library/python/manifests/3.99').reply(404);
    const { client } = newClient();
    const expected = { ok: false, message: 'tag "3.99" not found in registry docker.io (library/python)' };

    await expect(client.resolveDigest(ref('python:3.99'))).resolves.toEqual(expected);
    await expect(client.resolveDigest(ref('docker.io/library/python:3.99'))).resolves.toEqual(expected);
    expect(client.stats.manifestRequests).toBe(1);
  });

  it('makes one request for 20 concurrent lookups of the same tag', async () => {
    nock('https://registry-1.docker.io').head('/v2/library/redis/manifests/7').delay(10).reply(200, '', digestHeader);
    const { client } = newClient();

    const results = await Promise.all(Array.from({ length: 20 }, () => client.resolveDigest(ref('redis:7'))));
    expect(new Set(results.map((result) => JSON.stringify(result)))).toEqual(new Set([JSON.stringify({ ok: true, digest: listDigest })]));
    expect(client.stats.manifestRequests).toBe(1);
  });

  it('keeps at most maxConcurrencyPerHost requests in flight to one host', async () => {
    let inFlight = 0;
    let peak = 0;
    const tags = ['1', '2', '3', '4', '5', '6'];
    const scope = nock('https://registry.example.com');
    for (const tag of tags) {
      scope.head(`/v2/team/app/manifests/${tag}`).reply((_uri, _body, callback) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        setTimeout(() => {
          inFlight -= 1;
          callback(null, [200, '', digestHeader]);
        }, 15);
      });
    }
    const { client } = newClient({ maxConcurrencyPerHost: 2 });

    await Promise.all(tags.map((tag) => client.resolveDigest(ref(`registry.example.com/team/app:${tag}`))));
    expect(peak).toBe(2);
  });

  it.each([
    ['localhost:5000/app:1', 'http://localhost:5000', []],
    ['127.0.0.1:5000/app:1', 'http://127.0.0.1:5000', []],
    ['127.3.2.1/team/app:1', 'http://127.3.2.1', []],
    ['[::1]:5000/app:1', 'http://[::1]:5000', []],
    ['registry.internal:5000/app:1', 'http://registry.internal:5000', ['registry.internal:5000']],
    ['registry.internal:5000/app:1', 'https://registry.internal:5000', ['registry.internal']],
    ['registry.example.com/app:1', 'https://registry.example.com', []],
  ])('speaks to %s over %s (insecure registries: %j)', async (reference, origin, insecureRegistries) => {
    const parsed = ref(reference);
    const scope = nock(origin).head(`/v2/${parsed.repository}/manifests/1`).reply(200, '', digestHeader);
    const { client } = newClient({ insecureRegistries });

    await expect(client.resolveDigest(parsed)).resolves.toEqual({ ok: true, digest: listDigest });
    expect(scope.isDone()).toBe(true);
  });
});
