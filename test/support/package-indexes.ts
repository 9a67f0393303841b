/**
 * Package indexes as mirrors serve them, built from the text fixtures under fixtures/apk and
 * fixtures/apt: a real-format `APKINDEX.tar.gz` (two gzip streams: a signature tar segment
 * without end-of-archive blocks, then the index tar) and gzip'd Debian `Packages` files, listed
 * in a clearsigned `InRelease`. The Debian `.xz` files are committed beside their text (Node
 * cannot write xz). Everything is signed with keys this module makes; tests trust them the way
 * an operator trusts a keyring: through REPRO_PINS_ALPINE_KEYS / REPRO_PINS_DEBIAN_KEYRING /
 * REPRO_PINS_UBUNTU_KEYRING, or the datasource options those set.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { createCleartextMessage, generateKey, readPrivateKey, sign as pgpSign, type PrivateKey } from 'openpgp';

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

/** An RSA key pair made for this test process, and a keys directory (as /etc/apk/keys) trusting its public half. */
export interface ApkTestKey {
  name: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function makeApkTestKey(name = 'repro-pins-test@example.invalid-5f0e1d2c.rsa.pub'): ApkTestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { name, privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function apkKeysDir(keys: ApkTestKey[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'repro-pins-apk-keys-'));
  for (const key of keys) writeFileSync(join(dir, key.name), key.publicKeyPem);
  return dir;
}

export const APK_TEST_KEY = makeApkTestKey();
/** The directory tests hand over as REPRO_PINS_ALPINE_KEYS (or `keysDir`). */
export const APK_TEST_KEYS_DIR = apkKeysDir([APK_TEST_KEY]);

export interface ApkSigning {
  key?: ApkTestKey;
  /** `RSA` signs SHA-1 (abuild's classic form), `RSA256` SHA-256. */
  algorithm?: 'RSA' | 'RSA256';
  /** Leaves the signature segment out: an unsigned index. */
  unsigned?: boolean;
}

/** `APKINDEX.tar.gz` as Alpine's mirrors serve it, around an `APKINDEX` text, signed as abuild-sign does. */
export function apkIndexArchive(index: string, description = 'v3.20.3-fixture', signing: ApkSigning = {}): Buffer {
  const { key = APK_TEST_KEY, algorithm = 'RSA', unsigned = false } = signing;
  const indexSegment = gzipSync(tarArchive([
    { name: 'DESCRIPTION', data: description },
    { name: 'APKINDEX', data: index },
  ]));
  if (unsigned) return indexSegment;
  const signature = sign(algorithm === 'RSA' ? 'sha1' : 'sha256', indexSegment, key.privateKey);
  const signatureSegment = gzipSync(tarArchive([{ name: `.SIGN.${algorithm}.${key.name}`, data: signature }], { endOfArchive: false }));
  return Buffer.concat([signatureSegment, indexSegment]);
}

/** The APKINDEX.tar.gz of a fixture under fixtures/apk (`v3.20-main-x86_64`). */
export const apkIndexFixture = (name: string): Buffer => apkIndexArchive(fixtureText(`apk/${name}.APKINDEX`));

/** A Packages fixture under fixtures/apt, gzip'd as `Packages.gz`. */
export const packagesGzFixture = (name: string): Buffer => gzipSync(fixtureText(`apt/${name}.Packages`));

/** A Packages fixture's committed `Packages.xz`. */
export const packagesXzFixture = (name: string): Buffer => fixtureBytes(`apt/${name}.Packages.xz`);

/** An OpenPGP key made for this test process, and a keyring file (armored) trusting it. */
export interface ArchiveTestKey {
  privateKey: PrivateKey;
  keyringPath: string;
}

export async function makeArchiveTestKey(): Promise<ArchiveTestKey> {
  const { privateKey, publicKey } = await generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'repro-pins test archive' }], format: 'armored' });
  const keyringPath = join(mkdtempSync(join(tmpdir(), 'repro-pins-keyring-')), 'test-archive-keyring.asc');
  writeFileSync(keyringPath, publicKey);
  return { privateKey: await readPrivateKey({ armoredKey: privateKey }), keyringPath };
}

let archiveTestKey: Promise<ArchiveTestKey> | undefined;
/** The key every served InRelease is signed with unless a test says otherwise. */
export const archiveKey = (): Promise<ArchiveTestKey> => (archiveTestKey ??= makeArchiveTestKey());

/** The operator environment that trusts this module's test keys, as the CLI and the App read it. */
export async function testKeyEnv(): Promise<Record<string, string>> {
  const { keyringPath } = await archiveKey();
  return { REPRO_PINS_ALPINE_KEYS: APK_TEST_KEYS_DIR, REPRO_PINS_DEBIAN_KEYRING: keyringPath, REPRO_PINS_UBUNTU_KEYRING: keyringPath };
}

/** The Debian datasource options that trust the test key for both distributions. */
export async function testKeyrings(): Promise<{ debian: string; ubuntu: string }> {
  const { keyringPath } = await archiveKey();
  return { debian: keyringPath, ubuntu: keyringPath };
}

export interface ReleaseOptions {
  key?: ArchiveTestKey;
  suite?: string;
  codename?: string;
  validUntil?: Date;
  /** Rewrites the signed text after signing: a tampered file. */
  tamper?: (signed: string) => string;
}

/** The Release text listing `files` (path under dists/<pocket>/ → bytes) with SHA256 and size, clearsigned. */
export async function signedInRelease(pocket: string, files: Record<string, Buffer>, options: ReleaseOptions = {}): Promise<string> {
  const lines = [
    'Origin: repro-pins test archive',
    `Suite: ${options.suite ?? pocket}`,
    `Codename: ${options.codename ?? pocket}`,
    'Date: Sat, 01 Jun 2024 00:00:00 UTC',
    ...(options.validUntil ? [`Valid-Until: ${options.validUntil.toUTCString()}`] : []),
    'SHA256:',
    ...Object.entries(files).map(([path, bytes]) => ` ${createHash('sha256').update(bytes).digest('hex')} ${String(bytes.length).padStart(8)} ${path}`),
  ];
  const { privateKey } = options.key ?? (await archiveKey());
  const signed = await pgpSign({ message: await createCleartextMessage({ text: `${lines.join('\n')}\n` }), signingKeys: privateKey });
  return options.tamper ? options.tamper(signed) : signed;
}

/**
 * One pocket of a Debian-format mirror: its InRelease listing `listed`, and each file of `fetched`
 * (default: all listed) served once. `prefix` is the mirror's path (`/debian`).
 */
export async function servePocket(scope: nock.Scope, prefix: string, pocket: string, listed: Record<string, Buffer>, fetched: string[] = Object.keys(listed), options: ReleaseOptions = {}): Promise<nock.Scope> {
  scope.get(`${prefix}/dists/${pocket}/InRelease`).reply(200, await signedInRelease(pocket, listed, options));
  for (const path of fetched) scope.get(`${prefix}/dists/${pocket}/${path}`).reply(200, listed[path]);
  return scope;
}

/** An Alpine mirror serving v3.20's main index once, and community too when `community` is set. */
export function serveAlpineV320(mirror: string, { community = false } = {}): nock.Scope {
  const scope = nock(mirror).get('/v3.20/main/x86_64/APKINDEX.tar.gz').reply(200, apkIndexFixture('v3.20-main-x86_64'));
  if (community) scope.get('/v3.20/community/x86_64/APKINDEX.tar.gz').reply(200, apkIndexFixture('v3.20-community-x86_64'));
  return scope;
}

/** A mirror URL split into the origin nock scopes and the path prefix requests carry. */
export function mirrorParts(mirror: string): { origin: string; prefix: string } {
  const url = new URL(mirror);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

/**
 * bookworm for amd64 as Debian serves it, each file once, each pocket's InRelease listing what it
 * has: Packages.gz for the release, and for -updates and -security only Packages.xz (as on
 * deb.debian.org). With `i386`, the release also lists and serves its i386 index (the other
 * pockets have none).
 */
export async function serveDebianBookworm(mirror: string, securityMirror: string, { i386 = false } = {}): Promise<void> {
  const main = mirrorParts(mirror);
  const security = mirrorParts(securityMirror);
  const scope = nock(main.origin);
  const release: Record<string, Buffer> = { 'main/binary-amd64/Packages.gz': packagesGzFixture('debian-bookworm-main-amd64') };
  if (i386) release['main/binary-i386/Packages.gz'] = packagesGzFixture('debian-bookworm-main-i386');
  await servePocket(scope, main.prefix, 'bookworm', release);
  await servePocket(scope, main.prefix, 'bookworm-updates', { 'main/binary-amd64/Packages.xz': packagesXzFixture('debian-bookworm-updates-main-amd64') });
  await servePocket(nock(security.origin), security.prefix, 'bookworm-security', { 'main/binary-amd64/Packages.xz': packagesXzFixture('debian-bookworm-security-main-amd64') });
}

/**
 * noble for amd64: release, -updates and -security, all Packages.gz on one mirror; main is
 * served, universe (when given, by pocket) listed in InRelease and served too.
 */
export async function serveUbuntuNoble(mirror: string, universe: Record<string, Buffer> = {}): Promise<nock.Scope> {
  const { origin, prefix } = mirrorParts(mirror);
  const scope = nock(origin);
  for (const pocket of ['noble', 'noble-updates', 'noble-security']) {
    const files: Record<string, Buffer> = { 'main/binary-amd64/Packages.gz': packagesGzFixture(`ubuntu-${pocket}-main-amd64`) };
    if (universe[pocket]) files['universe/binary-amd64/Packages.gz'] = universe[pocket];
    await servePocket(scope, prefix, pocket, files);
  }
  return scope;
}

/** A package mirror on loopback serving fixed files by path (404 for anything else): a hostile mirror is one that serves hostile files. */
export async function startMirror(files: Record<string, string | Buffer>): Promise<{ url: string; requested: string[]; close: () => Promise<void> }> {
  const requested: string[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requested.push(path);
    const body = files[path];
    response.writeHead(body === undefined ? 404 : 200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the mirror has no port');
  return { url: `http://127.0.0.1:${address.port}`, requested, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The files of a Debian-format pocket (InRelease and the indexes it lists) under `prefix`, for startMirror. */
export async function pocketFiles(prefix: string, pocket: string, listed: Record<string, Buffer>, options: ReleaseOptions = {}): Promise<Record<string, string | Buffer>> {
  const files: Record<string, string | Buffer> = { [`${prefix}/dists/${pocket}/InRelease`]: await signedInRelease(pocket, listed, options) };
  for (const [path, bytes] of Object.entries(listed)) files[`${prefix}/dists/${pocket}/${path}`] = bytes;
  return files;
}
