/**
 * Package indexes as mirrors serve them, built from the text fixtures under fixtures/apk and
 * fixtures/apt: a real-format `APKINDEX.tar.gz` (two gzip streams: a signature tar segment
 * without end-of-archive blocks, then the index tar) and gzip'd Debian `Packages` files. The
 * Debian `.xz` files are committed beside their text (Node cannot write xz).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import nock from 'nock';

export const fixtureText = (path: string): string => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
export const fixtureBytes = (path: string): Buffer => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url));

export interface TarFile {
  name: string;
  data: string | Buffer;
  mode?: number;
  mtime?: number;
}

/** A POSIX ustar archive; `endOfArchive: false` leaves out the two zero blocks, as `abuild-tar --cut` does. */
export function tarArchive(files: TarFile[], { endOfArchive = true } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const data = typeof file.data === 'string' ? Buffer.from(file.data) : file.data;
    const header = Buffer.alloc(512);
    const put = (text: string, at: number, length: number) => header.write(text, at, Math.min(Buffer.byteLength(text), length), 'utf8');
    const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
    put(file.name, 0, 100);
    put(octal(file.mode ?? 0o644, 8), 100, 8);
    put(octal(0, 8), 108, 8);
    put(octal(0, 8), 116, 8);
    put(octal(data.length, 12), 124, 12);
    put(octal(file.mtime ?? 1718212416, 12), 136, 12);
    put('        ', 148, 8);
    put('0', 156, 1);
    put('ustar\u000000', 257, 8);
    put('root', 265, 32);
    put('root', 297, 32);
    const checksum = header.reduce((sum, byte) => sum + byte, 0);
    put(`${octal(checksum, 7)}\u0000 `, 148, 8);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (endOfArchive) blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** `APKINDEX.tar.gz` as Alpine's mirrors serve it, around an `APKINDEX` text. */
export function apkIndexArchive(index: string, description = 'v3.20.3-fixture'): Buffer {
  // Stands where Alpine's RSA signature of the index tar stands; repro-pins does not verify it.
  const signature = createHash('sha512').update(`repro-pins fixture signature of ${description}`).digest();
  const signatureSegment = gzipSync(tarArchive([{ name: '.SIGN.RSA.alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub', data: signature }], { endOfArchive: false }));
  const indexSegment = gzipSync(tarArchive([
    { name: 'DESCRIPTION', data: description },
    { name: 'APKINDEX', data: index },
  ]));
  return Buffer.concat([signatureSegment, indexSegment]);
}

/** The APKINDEX.tar.gz of a fixture under fixtures/apk (`v3.20-main-x86_64`). */
export const apkIndexFixture = (name: string): Buffer => apkIndexArchive(fixtureText(`apk/${name}.APKINDEX`));

/** A Packages fixture under fixtures/apt, gzip'd as `Packages.gz`. */
export const packagesGzFixture = (name: string): Buffer => gzipSync(fixtureText(`apt/${name}.Packages`));

/** A Packages fixture's committed `Packages.xz`. */
export const packagesXzFixture = (name: string): Buffer => fixtureBytes(`apt/${name}.Packages.xz`);

/** An Alpine mirror serving v3.20's main index once, and community too when `community` is set. */
export function serveAlpineV320(mirror: string, { community = false } = {}): nock.Scope {
  const scope = nock(mirror).get('/v3.20/main/x86_64/APKINDEX.tar.gz').reply(200, apkIndexFixture('v3.20-main-x86_64'));
  if (community) scope.get('/v3.20/community/x86_64/APKINDEX.tar.gz').reply(200, apkIndexFixture('v3.20-community-x86_64'));
  return scope;
}

/**
 * bookworm for amd64 as Debian serves it, each file once: Packages.gz for the release, and for
 * -updates and -security only Packages.xz (their Packages.gz is a 404, as on deb.debian.org).
 */
export function serveDebianBookworm(mirror: string, securityMirror: string): void {
  nock(mirror)
    .get('/dists/bookworm/main/binary-amd64/Packages.gz')
    .reply(200, packagesGzFixture('debian-bookworm-main-amd64'))
    .get('/dists/bookworm-updates/main/binary-amd64/Packages.gz')
    .reply(404)
    .get('/dists/bookworm-updates/main/binary-amd64/Packages.xz')
    .reply(200, packagesXzFixture('debian-bookworm-updates-main-amd64'));
  nock(securityMirror)
    .get('/dists/bookworm-security/main/binary-amd64/Packages.gz')
    .reply(404)
    .get('/dists/bookworm-security/main/binary-amd64/Packages.xz')
    .reply(200, packagesXzFixture('debian-bookworm-security-main-amd64'));
}

/** noble's main component for amd64: release, -updates and -security, all Packages.gz on one mirror. */
export function serveUbuntuNoble(mirror: string): nock.Scope {
  const scope = nock(mirror);
  for (const pocket of ['noble', 'noble-updates', 'noble-security']) scope.get(`/dists/${pocket}/main/binary-amd64/Packages.gz`).reply(200, packagesGzFixture(`ubuntu-${pocket}-main-amd64`));
  return scope;
}
