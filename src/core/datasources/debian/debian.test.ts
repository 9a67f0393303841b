import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { packagesGzFixture, serveDebianBookworm, serveUbuntuNoble } from '../../../../test/support/package-indexes.js';
import type { DependencyRef } from '../../reference.js';
import { debianDatasource } from './index.js';
import { useNock } from '../../../../test/support/nock.js';

const DEBIAN = 'https://deb.mirror.test/debian';
const SECURITY = 'https://security.mirror.test/debian-security';
const UBUNTU = 'http://ubuntu.mirror.test/ubuntu';
const options = { debian: { mirror: DEBIAN, securityMirror: SECURITY }, ubuntu: { mirror: UBUNTU }, sleep: async () => undefined };

function aptRef(name: string, value: string | null, context: Record<string, string> = { distro: 'debian', suite: 'bookworm' }): DependencyRef {
  return { file: 'Dockerfile', line: 3, manager: 'apt', datasource: 'debian', name, value, digest: null, pinned: value !== null, skipped: null, context: { ...context, list: '0', slot: '0' } };
}

const serveBookworm = () => serveDebianBookworm(DEBIAN, SECURITY);

useNock();

describe('debian datasource', () => {
  test('the highest version of the release, -updates and -security wins, by dpkg ordering', async () => {
    serveBookworm();
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
    serveBookworm();
    const debian = debianDatasource(options);
    await expect(debian.resolve(aptRef('curl', '7.88.1-10+deb12u8'))).resolves.toEqual({
      ok: true,
      pin: { version: '7.88.1-10+deb12u15', note: 'curl=7.88.1-10+deb12u8 is no longer in bookworm, bookworm-updates or bookworm-security; re-pinned to 7.88.1-10+deb12u15' },
    });
    await expect(debian.resolve(aptRef('openssl', '3.0.20-1~deb12u2'))).resolves.toEqual({ ok: true, pin: { version: '3.0.22-1~deb12u2' } });
  });

  test('a package in no pocket is a failure naming the suite, the architecture and what was searched', async () => {
    serveBookworm();
    await expect(debianDatasource(options).resolve(aptRef('no-such-package', null))).resolves.toEqual({
      ok: false,
      message: 'package "no-such-package" is not in Debian bookworm for amd64 (searched bookworm/main, bookworm-updates/main, bookworm-security/main)',
    });
  });

  test('a foreign architecture reads that architecture\'s index; Architecture: all packages count for every architecture', async () => {
    nock(DEBIAN)
      .get('/dists/bookworm/main/binary-i386/Packages.gz')
      .reply(200, packagesGzFixture('debian-bookworm-main-i386'))
      .get('/dists/bookworm-updates/main/binary-i386/Packages.gz')
      .reply(404)
      .get('/dists/bookworm-updates/main/binary-i386/Packages.xz')
      .reply(404);
    nock(SECURITY).get('/dists/bookworm-security/main/binary-i386/Packages.gz').reply(404).get('/dists/bookworm-security/main/binary-i386/Packages.xz').reply(404);
    const debian = debianDatasource(options);
    const context = { distro: 'debian', suite: 'bookworm', arch: 'i386' };
    await expect(debian.resolve(aptRef('libc6', null, context))).resolves.toEqual({ ok: true, pin: { version: '2.36-9+deb12u14' } });
    await expect(debian.resolve(aptRef('ca-certificates', null, context))).resolves.toEqual({ ok: true, pin: { version: '20230311+deb12u1' } });
    expect(debian.lookupKey(aptRef('libc6', null, context))).toBe('debian/bookworm/i386/libc6=');
  });

  test('a release the mirror does not carry is an error; missing -updates and -security pockets are not', async () => {
    nock(DEBIAN)
      .get('/dists/sid/main/binary-amd64/Packages.gz')
      .reply(200, packagesGzFixture('debian-bookworm-main-amd64'))
      .get('/dists/sid-updates/main/binary-amd64/Packages.gz')
      .reply(404)
      .get('/dists/sid-updates/main/binary-amd64/Packages.xz')
      .reply(404)
      .get('/dists/nosuch/main/binary-amd64/Packages.gz')
      .reply(404)
      .get('/dists/nosuch/main/binary-amd64/Packages.xz')
      .reply(404)
      .get('/dists/nosuch-updates/main/binary-amd64/Packages.gz')
      .reply(404)
      .get('/dists/nosuch-updates/main/binary-amd64/Packages.xz')
      .reply(404);
    nock(SECURITY)
      .get('/dists/sid-security/main/binary-amd64/Packages.gz')
      .reply(404)
      .get('/dists/sid-security/main/binary-amd64/Packages.xz')
      .reply(404)
      .get('/dists/nosuch-security/main/binary-amd64/Packages.gz')
      .reply(404)
      .get('/dists/nosuch-security/main/binary-amd64/Packages.xz')
      .reply(404);
    const debian = debianDatasource(options);
    await expect(debian.resolve(aptRef('jq', null, { distro: 'debian', suite: 'sid' }))).resolves.toEqual({ ok: true, pin: { version: '1.6-2.1+deb12u2' } });
    await expect(debian.resolve(aptRef('jq', null, { distro: 'debian', suite: 'nosuch' }))).resolves.toEqual({
      ok: false,
      message: `${DEBIAN}/dists/nosuch/main/binary-amd64/Packages.xz answered 404 Not Found (is nosuch a release this mirror carries?)`,
    });
  });

  test('a security pocket that cannot be read fails the lookup rather than pin a version it may supersede', async () => {
    nock(DEBIAN)
      .get('/dists/bookworm/main/binary-amd64/Packages.gz')
      .reply(200, packagesGzFixture('debian-bookworm-main-amd64'))
      .get('/dists/bookworm-updates/main/binary-amd64/Packages.gz')
      .reply(200, packagesGzFixture('debian-bookworm-updates-main-amd64'));
    nock(SECURITY).get('/dists/bookworm-security/main/binary-amd64/Packages.gz').times(4).reply(502);
    await expect(debianDatasource(options).resolve(aptRef('curl', null))).resolves.toEqual({
      ok: false,
      message: `${SECURITY}/dists/bookworm-security/main/binary-amd64/Packages.gz answered 502 Bad Gateway after 4 attempts`,
    });
  });

  test('Ubuntu reads the release, -updates and -security from one mirror, and universe only for what main lacks', async () => {
    const scope = serveUbuntuNoble(UBUNTU);
    scope.get('/dists/noble/universe/binary-amd64/Packages.gz').reply(200, packagesGzFixture('ubuntu-noble-universe-amd64'));
    for (const pocket of ['noble-updates', 'noble-security']) scope.get(`/dists/${pocket}/universe/binary-amd64/Packages.gz`).reply(200, gzipSync(''));
    const ubuntu = debianDatasource(options);
    const context = { distro: 'ubuntu', suite: 'noble' };
    await expect(ubuntu.resolve(aptRef('curl', null, context))).resolves.toEqual({ ok: true, pin: { version: '8.5.0-2ubuntu10.16' } });
    await expect(ubuntu.resolve(aptRef('ca-certificates', '20240203', context))).resolves.toEqual({ ok: true, pin: { version: '20260816ubuntu0.24.04.2' } });
    await expect(ubuntu.resolve(aptRef('ripgrep', null, context))).resolves.toEqual({ ok: true, pin: { version: '14.1.0-1' } });
  });

  test('Ubuntu architectures other than amd64 and i386 come from ports unless a mirror is configured', async () => {
    const ports = nock('http://ports.ubuntu.com');
    for (const pocket of ['jammy', 'jammy-updates', 'jammy-security']) ports.get(`/ubuntu-ports/dists/${pocket}/main/binary-arm64/Packages.gz`).reply(200, gzipSync(''));
    for (const pocket of ['jammy', 'jammy-updates', 'jammy-security']) ports.get(`/ubuntu-ports/dists/${pocket}/universe/binary-arm64/Packages.gz`).reply(200, gzipSync(''));
    const result = await debianDatasource({ ubuntu: { arch: 'arm64' } }).resolve(aptRef('curl', null, { distro: 'ubuntu', suite: 'jammy' }));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('is not in Ubuntu jammy for arm64') });
  });
});
