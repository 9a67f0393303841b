import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRepoConfig, type RepoConfig } from '../../core/config.js';
import type { DependencyRef } from '../../core/reference.js';
import { isPythonIndexDatasource } from '../../core/datasources/python-index/index.js';
import { ScanRun } from './scan-run.js';

/** What a repository can make the App connect to, and with which credentials. */

const github = { baseUrl: 'https://api.github.com', token: 'ghs_test' };
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function configOf(yaml: string): RepoConfig {
  const parsed = parseRepoConfig(yaml);
  if (!('config' in parsed)) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
}

function imageRef(name: string, value: string): DependencyRef {
  return { file: 'Dockerfile', line: 1, manager: 'dockerfile', datasource: 'docker', name, value, digest: null, pinned: false, skipped: null };
}

async function loopbackRegistry(): Promise<{ host: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

it("refuses a repository's FROM localhost:<port> without sending a byte there", async () => {
  const { host, seen } = await loopbackRegistry();
  const port = host.split(':')[1]!;
  const datasources = new ScanRun(undefined, {}).datasourcesFor(configOf(''), github);
  const result = await datasources.docker!.resolve(imageRef(`localhost:${port}/x`, '1'));
  expect(result).toEqual({
    ok: false,
    message: `registry localhost:${port} (x:1) could not be reached: refused to connect to localhost: 127.0.0.1 is a loopback address; the operator can allow it in REPRO_PINS_ALLOW_HOSTS`,
  });
  expect(seen).toHaveLength(0);
});

it('refuses a Debian mirror on the cloud metadata address before connecting', async () => {
  const datasources = new ScanRun(undefined, {}).datasourcesFor(configOf('debian: { mirror: "http://169.254.169.254/latest", securityMirror: "http://169.254.169.254/security" }\n'), github);
  const result = await datasources.debian!.resolve({ ...imageRef('curl', '8.0'), manager: 'dockerfile', datasource: 'debian', context: { distro: 'debian', suite: 'bookworm' } });
  expect(result.ok).toBe(false);
  expect(!result.ok && result.message).toContain('refused to connect to 169.254.169.254: 169.254.169.254 is a link-local address (cloud metadata lives here)');
});

it("never sends the operator's registry credentials in clear to a registry the repository calls insecure", async () => {
  const { host, seen } = await loopbackRegistry();
  const credentials = new Map([[host, { username: 'operator', password: 'operator-secret' }]]);
  const run = new ScanRun(credentials, { REPRO_PINS_ALLOW_HOSTS: '127.0.0.1' });
  const config = configOf(`registries:\n  "${host}": { insecure: true }\n`);
  const result = await run.datasourcesFor(config, github).docker!.resolve(imageRef(`${host}/team/app`, '1'));
  expect(!result.ok && result.message).toContain('the App never sends credentials in clear');
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.every((headers) => headers.authorization === undefined)).toBe(true);
});

it('stops at an allow-list the operator mistyped', () => {
  expect(() => new ScanRun(undefined, { REPRO_PINS_ALLOW_HOSTS: '10.0.0.0/99' })).toThrow('REPRO_PINS_ALLOW_HOSTS: "10.0.0.0/99" is not a valid CIDR');
});

it("never expands ${VAR} in a repository's index URL from the App's environment (its secrets)", async () => {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const port = (server.address() as AddressInfo).port;
  const run = new ScanRun(undefined, { REPRO_PINS_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_SECRET: 'app-webhook-secret' });
  const datasources = run.datasourcesFor(configOf(''), github);
  const index = datasources['python-index'];
  if (!isPythonIndexDatasource(index)) throw new Error('no python index datasource');
  await index.index.findProject('lib', {
    indexUrls: [`http://leak:\${WEBHOOK_SECRET}@127.0.0.1:${port}/simple`],
    trustedHosts: [],
  });
  expect(seen).toHaveLength(1);
  const sent = Buffer.from((seen[0]?.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
  expect(sent).toBe('leak:${WEBHOOK_SECRET}');
  expect(JSON.stringify(seen)).not.toContain('app-webhook-secret');
});
