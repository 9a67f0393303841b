import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isImageRefError, parseImageRef, type ImageRef } from '../../image-ref.js';
import { RegistryClient, type RegistryClientOptions } from './registry-client.js';

/** Registry answers from a hostile (or merely unusual) loopback registry. */

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function registry(handler: RequestListener): Promise<{ host: string; seen: { method: string; headers: IncomingHttpHeaders }[] }> {
  const seen: { method: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function ref(text: string): ImageRef {
  const parsed = parseImageRef(text);
  if (isImageRefError(parsed)) throw new Error(parsed.error);
  return parsed;
}

const client = (options: RegistryClientOptions = {}) => new RegistryClient({ maxAttempts: 1, ...options });
const ociManifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const ociDigest = `sha256:${createHash('sha256').update(ociManifest).digest('hex')}`;

it('does not pin an HTML login page answered with 200', async () => {
  const { host } = await registry((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : '<html><form action="/login"></form></html>');
  });
  await expect(client().resolveDigest(ref(`${host}/team/app:1`))).resolves.toEqual({
    ok: false,
    message: `registry ${host} answered HEAD for team/app:1 with Content-Type "text/html; charset=utf-8", not a manifest media type (application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json)`,
  });
});

it('does not pin a GET answer without a manifest media type, even when HEAD named none', async () => {
  const { host } = await registry((req, res) => {
    if (req.method === 'HEAD') return void res.writeHead(200).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('blob bytes');
  });
  const lookup = await client().resolveDigest(ref(`${host}/team/app:1`));
  expect(!lookup.ok && lookup.message).toMatch(new RegExp(`^registry ${host} answered GET for team/app:1 with Content-Type "application/octet-stream", not a manifest media type`));
});

it('pins an OCI manifest served without Docker-Content-Digest by the digest of its bytes (not "schema 1")', async () => {
  const { host } = await registry((req, res) => {
    res.writeHead(200, { 'content-type': OCI_MANIFEST });
    res.end(req.method === 'HEAD' ? undefined : ociManifest);
  });
  await expect(client().resolveDigest(ref(`${host}/team/app:1`))).resolves.toEqual({ ok: true, digest: ociDigest });
});

it('pins an OCI manifest from a registry that refuses HEAD', async () => {
  const { host } = await registry((req, res) => {
    if (req.method === 'HEAD') return void res.writeHead(405).end();
    res.writeHead(200, { 'content-type': OCI_MANIFEST }).end(ociManifest);
  });
  await expect(client().resolveDigest(ref(`${host}/team/app:1`))).resolves.toEqual({ ok: true, digest: ociDigest });
});

it('still reports a real schema 1 manifest as such', async () => {
  const { host } = await registry((req, res) => {
    if (req.method === 'HEAD') return void res.writeHead(405).end();
    res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' }).end('{"schemaVersion":1}');
  });
  await expect(client().resolveDigest(ref(`${host}/old/app:1`))).resolves.toEqual({
    ok: false,
    message: `registry ${host} serves only a deprecated schema 1 manifest for old/app:1, which cannot be pinned by digest`,
  });
});

it('stops reading a manifest at 4 MiB, naming the registry and the cap', async () => {
  const { host } = await registry((req, res) => {
    if (req.method === 'HEAD') return void res.writeHead(405).end();
    res.writeHead(200, { 'content-type': OCI_MANIFEST });
    const chunk = Buffer.alloc(1 << 16, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < 1 << 30 && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (sent = 1 << 30));
    pump();
  });
  const lookup = await client().resolveDigest(ref(`${host}/big/app:1`));
  expect(!lookup.ok && lookup.message).toBe(`registry ${host} (big/app:1) sent a body larger than 4 MiB, the limit for a manifest (http://${host}/v2/big/app/manifests/1)`);
});

it('never sends Basic credentials over plain HTTP when told not to (the App), and says why', async () => {
  const { host, seen } = await registry((_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end());
  const credentials = new Map([[host, { username: 'operator', password: 'operator-secret' }]]);
  const lookup = await client({ credentials, plainHttpCredentials: false, insecureRegistries: [host] }).resolveDigest(ref(`${host}/team/app:1`));
  expect(lookup).toEqual({
    ok: false,
    message: `registry ${host} asks for Basic credentials over plain HTTP for team/app:1; the App never sends credentials in clear (serve the registry over https)`,
  });
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.every((request) => request.headers.authorization === undefined)).toBe(true);
});

it('never sends credentials to a plain-HTTP token realm when told not to', async () => {
  let realmHost = '';
  const realm = await registry((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}'));
  realmHost = realm.host;
  const { host } = await registry((req, res) => {
    if (req.headers.authorization === 'Bearer t') return void res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': ociDigest }).end();
    res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${realmHost}/token",service="r"` }).end();
  });
  const credentials = new Map([[host, { username: 'operator', password: 'operator-secret' }]]);
  await expect(client({ credentials, plainHttpCredentials: false }).resolveDigest(ref(`${host}/team/app:1`))).resolves.toEqual({ ok: true, digest: ociDigest });
  expect(realm.seen.map((request) => request.headers.authorization)).toEqual([undefined]);
});
