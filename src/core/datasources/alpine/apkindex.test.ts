import { gzipSync } from 'node:zlib';
import { apkIndexArchive, apkIndexFixture, fixtureText, tarArchive } from '../../../../test/support/package-indexes.js';
import { parseApkIndex, parseApkIndexArchive } from './apkindex.js';

describe('APKINDEX', () => {
  test('the real two-stream archive (signature segment, then index tar) yields every package record', () => {
    const parsed = parseApkIndexArchive(apkIndexFixture('v3.20-main-x86_64'));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.description).toBe('v3.20.3-fixture');
    expect([...parsed.packages.keys()]).toEqual(['bash', 'busybox', 'ca-certificates', 'curl', 'gcc', 'git', 'jq', 'libcurl', 'libssl3', 'musl-dev', 'openssl', 'openssl-dev']);
    expect(parsed.packages.get('curl')).toEqual({ name: 'curl', version: '8.12.1-r0', arch: 'x86_64', provides: ['cmd:curl=8.12.1-r0'], origin: 'curl' });
    expect(parsed.packages.get('libcurl')?.origin).toBe('curl');
  });

  test('records are separated by blank lines; the first record of a name wins', () => {
    const packages = parseApkIndex('P:a\nV:1-r0\n\nP:b\nV:2-r1\nA:aarch64\n\r\nP:a\nV:0-r0\n\nP:no-version\n');
    expect([...packages.values()].map((p) => [p.name, p.version, p.arch])).toEqual([['a', '1-r0', null], ['b', '2-r1', 'aarch64']]);
  });

  test('an archive without APKINDEX, or not gzip at all, is a failure value', () => {
    const withoutIndex = gzipSync(tarArchive([{ name: 'DESCRIPTION', data: 'x' }]));
    expect(parseApkIndexArchive(withoutIndex)).toEqual({ ok: false, message: 'holds no APKINDEX file' });
    expect(parseApkIndexArchive(Buffer.from('<html>not found</html>'))).toMatchObject({ ok: false, message: expect.stringContaining('is not a gzip file') });
  });

  test('the fixture text and the archive built from it agree', () => {
    const text = fixtureText('apk/v3.20-community-x86_64.APKINDEX');
    const parsed = parseApkIndexArchive(apkIndexArchive(text));
    expect(parsed.ok && [...parsed.packages.values()]).toEqual([...parseApkIndex(text).values()]);
  });
});
