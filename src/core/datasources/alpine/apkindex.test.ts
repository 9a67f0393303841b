import { gzipSync } from 'node:zlib';
import { createPublicKey, sign } from 'node:crypto';
import { APK_TEST_KEY, apkIndexArchive, apkIndexFixture, fixtureText, makeApkTestKey, tarArchive } from '../../../../test/support/package-indexes.js';
import { parseApkIndex, parseApkIndexArchive } from './apkindex.js';

const KEYS = new Map([[APK_TEST_KEY.name, createPublicKey(APK_TEST_KEY.publicKeyPem)]]);

describe('APKINDEX', () => {
  test('the real two-stream archive (signature segment, then index tar) yields every package record', () => {
    const parsed = parseApkIndexArchive(apkIndexFixture('v3.20-main-x86_64'), KEYS);
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

  test('a signed archive without APKINDEX, or not gzip at all, is a failure value', () => {
    const index = gzipSync(tarArchive([{ name: 'DESCRIPTION', data: 'x' }]));
    const signature = gzipSync(tarArchive([{ name: `.SIGN.RSA256.${APK_TEST_KEY.name}`, data: sign('sha256', index, APK_TEST_KEY.privateKey) }], { endOfArchive: false }));
    expect(parseApkIndexArchive(Buffer.concat([signature, index]), KEYS)).toEqual({ ok: false, message: 'holds no APKINDEX file' });
    expect(parseApkIndexArchive(Buffer.from('<html>not found</html>'), KEYS)).toMatchObject({ ok: false, message: expect.stringContaining('is not a gzip file') });
  });

  test('SHA-1 (.SIGN.RSA.) and SHA-256 (.SIGN.RSA256.) signatures by a trusted key verify', () => {
    for (const algorithm of ['RSA', 'RSA256'] as const) {
      expect(parseApkIndexArchive(apkIndexArchive('P:a\nV:1-r0\n', 'x', { algorithm }), KEYS)).toMatchObject({ ok: true });
    }
  });

  test('an unsigned index, one signed by an untrusted key, and a tampered index are refused, never read', () => {
    const text = 'P:curl\nV:8.9.1-r0\n';
    expect(parseApkIndexArchive(apkIndexArchive(text, 'x', { unsigned: true }), KEYS)).toEqual({ ok: false, message: 'is not signed (no .SIGN.RSA.* entry before the index)' });
    const stranger = makeApkTestKey('mallory@example.invalid-00000000.rsa.pub');
    expect(parseApkIndexArchive(apkIndexArchive(text, 'x', { key: stranger }), KEYS)).toEqual({
      ok: false,
      message: 'is signed by "mallory@example.invalid-00000000.rsa.pub", which is not a trusted Alpine key',
    });
    // The same key name with another key's signature: a forged signature.
    const forged = makeApkTestKey(APK_TEST_KEY.name);
    expect(parseApkIndexArchive(apkIndexArchive(text, 'x', { key: forged }), KEYS)).toEqual({
      ok: false,
      message: `has a signature by ${APK_TEST_KEY.name} that does not match the index (tampered or corrupt)`,
    });
    // A signed index with a hostile index put in its place: the signature no longer covers it.
    const genuine = apkIndexArchive(text);
    const swapped = Buffer.concat([genuine.subarray(0, genuine.length - gzipSync(tarArchive([{ name: 'DESCRIPTION', data: 'x' }, { name: 'APKINDEX', data: text }])).length), gzipSync(tarArchive([{ name: 'APKINDEX', data: 'P:curl\nV:6.6.6-r0\n' }]))]);
    expect(parseApkIndexArchive(swapped, KEYS)).toMatchObject({ ok: false, message: expect.stringContaining('does not match the index') });
  });

  test('a trailing gzip member appended after the signed index is covered by the signature too', () => {
    const appended = Buffer.concat([apkIndexArchive('P:a\nV:1-r0\n'), gzipSync(tarArchive([{ name: 'APKINDEX', data: 'P:a\nV:6.6.6-r0\n' }]))]);
    expect(parseApkIndexArchive(appended, KEYS)).toMatchObject({ ok: false, message: expect.stringContaining('does not match the index') });
  });

  test('the fixture text and the archive built from it agree', () => {
    const text = fixtureText('apk/v3.20-community-x86_64.APKINDEX');
    const parsed = parseApkIndexArchive(apkIndexArchive(text), KEYS);
    expect(parsed.ok && [...parsed.packages.values()]).toEqual([...parseApkIndex(text).values()]);
  });
});
