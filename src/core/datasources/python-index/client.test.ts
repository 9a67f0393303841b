import { readFileSync } from 'node:fs';
import nock from 'nock';
import { buildSdist, buildWheel, sha256 } from '../../../../test/pip/support/distributions.js';
import { projectPageHtml } from '../../../../test/pip/support/simple-index.js';
import { PythonIndexClient, type PythonIndexOptions } from './client.js';
import { pythonIndexDatasource } from './index.js';
import { describeFilename, type DistributionFile } from './distributions.js';
import { useNock } from '../../../../test/support/nock.js';

const fixture = (name: string) => readFileSync(new URL(`../../../../fixtures/pip/index/${name}`, import.meta.url), 'utf8');
const INDEX = 'https://pypi.example.org/simple/';
const target = { pythonVersion: '3.12' };
const json = { 'content-type': 'application/vnd.pypi.simple.v1+json' };
const html = { 'content-type': 'text/html; charset=utf-8' };

function newClient(options: PythonIndexOptions = {}): { client: PythonIndexClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const client = new PythonIndexClient({ indexUrl: INDEX, sleep: async (ms) => void sleeps.push(ms), ...options });
  return { client, sleeps };
}

const only = (indexUrl: string, trustedHosts: string[] = []) => ({ indexUrls: [indexUrl], trustedHosts });

useNock();

describe('PythonIndexClient.findProject', () => {
  test('asks for PEP 691 JSON first and reads it, once per project however many ask', async () => {
    nock('https://pypi.example.org')
      .get('/simple/appkit/')
      .matchHeader('accept', /^application\/vnd\.pypi\.simple\.v1\+json, .*text\/html;q=0\.01$/)
      .reply(200, fixture('appkit.json'), json);
    const { client } = newClient();
    const [first, second] = await Promise.all([client.findProject('AppKit', only(INDEX)), client.findProject('appkit', only(INDEX))]);
    expect(first).toEqual(second);
    expect(first.ok && first.files.map((f) => f.filename)).toHaveLength(6);
    expect(client.stats.projectPages).toBe(1);
  });

  test('falls back to PEP 503 HTML when that is what the index answers', async () => {
    nock('https://pypi.example.org').get('/simple/h11/').reply(200, fixture('h11.html'), html);
    const found = await newClient().client.findProject('h11', only(INDEX));
    expect(found.ok && found.files.map((f) => `${f.filename} ${f.coreMetadata ? 'metadata' : '-'}`)).toEqual([
      'h11-0.14.0-py3-none-any.whl metadata',
      'h11-0.14.0.tar.gz -',
      'h11-0.15.0-py3-none-any.whl metadata',
      'h11-0.15.0.tar.gz -',
    ]);
  });

  test('merges the files of every index, as pip does, and is "not found" only when no index has the project', async () => {
    nock('https://pypi.example.org').get('/simple/h11/').reply(404).get('/simple/nothing/').reply(404);
    nock('https://mirror.example.org').get('/pypi/h11/').reply(200, fixture('h11.json'), json).get('/pypi/nothing/').reply(404);
    const { client } = newClient();
    const both = { indexUrls: [INDEX, 'https://mirror.example.org/pypi'], trustedHosts: [] };
    const found = await client.findProject('h11', both);
    expect(found.ok && found.files).toHaveLength(4);
    expect(await client.findProject('nothing', both)).toEqual({
      ok: false,
      notFound: true,
      message: 'not found on any of the indexes https://pypi.example.org/simple/, https://mirror.example.org/pypi',
    });
  });

  test('retries 503 and 429 honouring Retry-After, then says how often it tried', async () => {
    nock('https://pypi.example.org')
      .get('/simple/h11/')
      .reply(503)
      .get('/simple/h11/')
      .reply(429, '', { 'retry-after': '7' })
      .get('/simple/h11/')
      .reply(200, fixture('h11.json'), json)
      .get('/simple/tomli/')
      .times(2)
      .reply(502);
    const { client, sleeps } = newClient({ maxAttempts: 3, baseDelayMs: 100 });
    expect((await client.findProject('h11', only(INDEX))).ok).toBe(true);
    expect(sleeps[1]).toBe(7000);
    const failed = await newClient({ maxAttempts: 2 }).client.findProject('tomli', only(INDEX));
    expect(failed).toEqual({ ok: false, notFound: false, message: 'index page https://pypi.example.org/simple/tomli/ answered 502 Bad Gateway after 2 attempts' });
  });

  test("never sends the configured index's credentials to the same host over plain HTTP, and a file cannot replace them", async () => {
    const operator = `Basic ${Buffer.from('operator:op-secret').toString('base64')}`;
    const page = projectPageHtml('lib', [], 'https://pkgs.example.org/files/');
    const seen: (string | undefined)[] = [];
    nock('http://pkgs.example.org')
      .get('/simple/lib/')
      .reply(function () {
        seen.push(this.req.headers.authorization as string | undefined);
        return [200, page, html];
      });
    nock('https://pkgs.example.org')
      .get('/simple/lib/')
      .reply(function () {
        seen.push(this.req.headers.authorization as string | undefined);
        return [200, page, html];
      });
    const { client } = newClient({ indexUrl: 'https://operator:op-secret@pkgs.example.org/simple' });
    // A repository's file: plain HTTP to the operator's host (pip allows it with --trusted-host), then its own credentials for it.
    await client.findProject('lib', only('http://pkgs.example.org/simple', ['pkgs.example.org']));
    await client.findProject('lib', only('https://attacker:guess@pkgs.example.org/simple'));
    expect(seen).toEqual([undefined, operator]);
  });

  test('sends credentials from the index URL (with ${VAR} expanded) to that host only, and never shows them', async () => {
    const basic = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;
    const wheel = buildWheel({ name: 'private-lib', version: '1.0' });
    const page = projectPageHtml('private-lib', [{ ...wheel, project: 'private-lib' }], 'https://pkgs.example.org/files/');
    nock('https://pkgs.example.org').get('/simple/private-lib/').matchHeader('authorization', basic).reply(200, page, html);
    nock('https://pkgs.example.org').get(`/files/${wheel.filename}`).matchHeader('authorization', basic).reply(200, wheel.bytes);
    nock('https://pkgs.example.org').get('/simple/missing/').matchHeader('authorization', basic).reply(401);
    const { client } = newClient({ env: { PIP_TOKEN: 's3cret' } });
    const selection = only('https://ci:${PIP_TOKEN}@pkgs.example.org/simple');
    const found = await client.findProject('private-lib', selection);
    if (!found.ok) throw new Error(found.message);
    expect(found.files[0]?.index).toBe('https://pkgs.example.org/simple/private-lib/');
    const metadata = await client.readCoreMetadata('private-lib', found.files, target);
    expect(metadata).toMatchObject({ ok: true, metadata: { name: 'private-lib', version: '1.0' } });
    const refused = await client.findProject('missing', selection);
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).not.toContain('s3cret');
  });

  test('refuses a plain-HTTP index that is neither loopback nor a --trusted-host, as pip does', async () => {
    nock('http://intranet.example').get('/simple/h11/').reply(200, fixture('h11.html'), html);
    const { client } = newClient();
    expect(await client.findProject('h11', only('http://intranet.example/simple/'))).toEqual({
      ok: false,
      notFound: false,
      message: 'index http://intranet.example/simple/ is plain HTTP: pip ignores it unless the file says --trusted-host intranet.example',
    });
    expect((await client.findProject('h11', only('http://intranet.example/simple/', ['intranet.example']))).ok).toBe(true);
  });
});

describe('PythonIndexClient.readCoreMetadata', () => {
  const file = (built: { filename: string; sha256: string }, extra: Partial<DistributionFile> = {}): DistributionFile => ({
    filename: built.filename,
    url: `https://files.example.org/${built.filename}`,
    index: INDEX,
    sha256: built.sha256,
    requiresPython: null,
    yanked: null,
    coreMetadata: null,
    kind: built.filename.endsWith('.whl') ? 'wheel' : 'sdist',
    version: '1.0',
    tags: describeFilename(built.filename, built.filename.split('-')[0]!)?.tags ?? [],
    ...extra,
  });

  test('prefers the PEP 658 .metadata file and checks its digest', async () => {
    const wheel = buildWheel({ name: 'top', version: '1.0', requires: ['mid>=1'] });
    nock('https://files.example.org').get(`/${wheel.filename}.metadata`).reply(200, wheel.metadata);
    const read = await newClient().client.readCoreMetadata('top', [file(wheel, { coreMetadata: { sha256: sha256(wheel.metadata) } })], target);
    expect(read).toEqual({ ok: true, source: `${wheel.filename}.metadata`, metadata: expect.objectContaining({ requiresDist: ['mid>=1'] }) });

    nock('https://files.example.org').get(`/${wheel.filename}.metadata`).reply(200, 'Metadata-Version: 2.1\nName: top\nRequires-Dist: evil\n');
    const tampered = await newClient().client.readCoreMetadata('top', [file(wheel, { coreMetadata: { sha256: sha256(wheel.metadata) } })], target);
    expect(tampered).toEqual({ ok: false, message: expect.stringContaining(`but the index lists ${sha256(wheel.metadata)}`) });
  });

  test('otherwise downloads a compatible wheel, checks its sha256 against the index, and reads METADATA from the zip', async () => {
    const universal = buildWheel({ name: 'mid', version: '1.0', requires: ['leaf<2 ; python_version >= "3.8"'] });
    const windows = buildWheel({ name: 'mid', version: '1.0', tag: 'cp312-cp312-win_amd64' });
    nock('https://files.example.org').get(`/${universal.filename}`).reply(200, universal.bytes);
    const read = await newClient().client.readCoreMetadata('mid', [file(windows), file(universal)], target);
    expect(read).toMatchObject({ ok: true, source: universal.filename, metadata: { requiresDist: ['leaf<2 ; python_version >= "3.8"'] } });

    nock('https://files.example.org').get(`/${universal.filename}`).reply(200, windows.bytes);
    const swapped = await newClient().client.readCoreMetadata('mid', [file(universal)], target);
    expect(swapped).toEqual({ ok: false, message: `${universal.filename} downloaded from https://files.example.org/${universal.filename} has sha256 ${windows.sha256}, but the index lists ${universal.sha256}` });
  });

  test('reads an sdist only when its PKG-INFO fixes the dependencies (metadata 2.2+, PEP 643)', async () => {
    const fixed = buildSdist({ name: 'solo', version: '1.0', requires: ['leaf'] });
    const dynamic = buildSdist({ name: 'dyn', version: '1.0', requires: ['leaf'], dynamic: ['Requires-Dist'] });
    nock('https://files.example.org').get(`/${fixed.filename}`).reply(200, fixed.bytes).get(`/${dynamic.filename}`).reply(200, dynamic.bytes);
    const { client } = newClient();
    expect(await client.readCoreMetadata('solo', [file(fixed)], target)).toMatchObject({ ok: true, metadata: { requiresDist: ['leaf'] } });
    expect(await client.readCoreMetadata('dyn', [file(dynamic)], target)).toEqual({ ok: false, message: expect.stringContaining('only known by building it') });
  });

  test('computes the sha256 of a file the index gives no hash for', async () => {
    const wheel = buildWheel({ name: 'nohash', version: '1.0' });
    nock('https://files.example.org').get(`/${wheel.filename}`).reply(200, wheel.bytes);
    expect(await newClient().client.fileSha256(file(wheel, { sha256: null }))).toEqual({ ok: true, sha256: wheel.sha256 });
  });
});

describe('pythonIndexDatasource', () => {
  test('answers a single reference with the newest version its specifier allows, never a yanked one', async () => {
    nock('https://pypi.example.org').get('/simple/appkit/').reply(200, fixture('appkit.json'), json);
    const datasource = pythonIndexDatasource(newClient().client);
    const ref = { file: 'requirements.txt', line: 1, manager: 'pip' as const, datasource: 'python-index' as const, name: 'appkit', value: null, digest: null, pinned: false, skipped: null, context: { specifier: '>=2' } };
    expect(datasource.lookupKey(ref)).toBe('["appkit",">=2"]');
    expect(await datasource.resolve(ref)).toEqual({ ok: true, pin: { version: '2.1.0' } });
  });
});
