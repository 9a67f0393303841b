import nock from 'nock';
import { APK_TEST_KEYS_DIR, apkIndexFixture, serveAlpineV320 } from '../../../../test/support/package-indexes.js';
import type { DependencyRef } from '../../reference.js';
import { alpineDatasource } from './index.js';
import { useNock } from '../../../../test/support/nock.js';

const MIRROR = 'https://alpine.mirror.test/alpine';

function apkRef(name: string, value: string | null, branch = 'v3.20'): DependencyRef {
  return { file: 'Dockerfile', line: 2, manager: 'apk', datasource: 'alpine', name, value, digest: null, pinned: value !== null, skipped: null, context: { branch, list: '0', slot: '0' } };
}

/** The two repositories of v3.20 for x86_64, each served once. */
const serveV320 = () => serveAlpineV320(MIRROR, { community: true });

useNock();

describe('alpine datasource', () => {
  test('resolves packages from main and community, downloading each index once for every lookup', async () => {
    const scope = serveV320();
    const alpine = alpineDatasource({ mirror: `${MIRROR}/`, keysDir: APK_TEST_KEYS_DIR });
    const results = await Promise.all(['curl', 'openssl', 'yq-go', 'curl'].map((name) => alpine.resolve(apkRef(name, null))));
    expect(results).toEqual([
      { ok: true, pin: { version: '8.12.1-r0' } },
      { ok: true, pin: { version: '3.3.3-r0' } },
      { ok: true, pin: { version: '4.44.1-r2' } },
      { ok: true, pin: { version: '8.12.1-r0' } },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  test('a pinned version that left the index is re-pinned to the current one, with a note saying so', async () => {
    // community is read only for packages main lacks.
    serveAlpineV320(MIRROR);
    const result = await alpineDatasource({ mirror: MIRROR, keysDir: APK_TEST_KEYS_DIR }).resolve(apkRef('curl', '8.9.0-r0'));
    expect(result).toEqual({
      ok: true,
      pin: { version: '8.12.1-r0', note: 'curl=8.9.0-r0 is gone from Alpine v3.20, which keeps only the newest version of a package; re-pinned to 8.12.1-r0' },
    });
  });

  test('a current pin comes back unchanged and without a note', async () => {
    serveAlpineV320(MIRROR);
    await expect(alpineDatasource({ mirror: MIRROR, keysDir: APK_TEST_KEYS_DIR }).resolve(apkRef('jq', '1.7.1-r0'))).resolves.toEqual({ ok: true, pin: { version: '1.7.1-r0' } });
  });

  test('a package in neither repository is a failure naming the branch and repositories', async () => {
    serveV320();
    await expect(alpineDatasource({ mirror: MIRROR, keysDir: APK_TEST_KEYS_DIR }).resolve(apkRef('no-such-package', null))).resolves.toEqual({
      ok: false,
      message: 'package "no-such-package" is not in Alpine v3.20 (main, community; x86_64)',
    });
  });

  test('the configured architecture picks the index folder; lookups are keyed by branch, arch, name and pin', async () => {
    nock(MIRROR).get('/edge/main/aarch64/APKINDEX.tar.gz').reply(200, apkIndexFixture('v3.20-main-x86_64'));
    const alpine = alpineDatasource({ mirror: MIRROR, arch: 'aarch64', keysDir: APK_TEST_KEYS_DIR });
    await expect(alpine.resolve(apkRef('bash', null, 'edge'))).resolves.toMatchObject({ ok: true });
    expect(alpine.lookupKey(apkRef('bash', '5.2.26-r0', 'edge'))).toBe('edge/aarch64/bash=5.2.26-r0');
    expect(alpine.lookupKey({ ...apkRef('bash', null), context: {} })).toBeNull();
  });

  test('a branch the mirror does not have is reported with the URL and status', async () => {
    nock(MIRROR).get('/v9.99/main/x86_64/APKINDEX.tar.gz').reply(404).get('/v9.99/community/x86_64/APKINDEX.tar.gz').reply(404);
    const result = await alpineDatasource({ mirror: MIRROR, keysDir: APK_TEST_KEYS_DIR }).resolve(apkRef('curl', null, 'v9.99'));
    expect(result).toEqual({
      ok: false,
      message: `package "curl" was not found in Alpine v9.99 (main, community; x86_64): ${MIRROR}/v9.99/main/x86_64/APKINDEX.tar.gz answered 404 Not Found; ${MIRROR}/v9.99/community/x86_64/APKINDEX.tar.gz answered 404 Not Found`,
    });
  });

  test('5xx answers are retried before giving up', async () => {
    nock(MIRROR).get('/v3.20/main/x86_64/APKINDEX.tar.gz').reply(503).get('/v3.20/main/x86_64/APKINDEX.tar.gz').reply(200, apkIndexFixture('v3.20-main-x86_64'));
    const alpine = alpineDatasource({ mirror: MIRROR, sleep: async () => undefined, keysDir: APK_TEST_KEYS_DIR });
    await expect(alpine.resolve(apkRef('git', null))).resolves.toEqual({ ok: true, pin: { version: '2.45.3-r0' } });
  });
});
