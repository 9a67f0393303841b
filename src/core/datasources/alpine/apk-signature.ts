import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { readTarFiles, TarFormatError } from '../../archive/tar.js';
import { quoteOutsideText } from '../outside-text.js';

/**
 * APKINDEX signatures as apk-tools checks them (apk-tools `src/io_gunzip.c` and `src/database.c`;
 * abuild's `abuild-sign`). A signed `APKINDEX.tar.gz` is two gzip members: the first holds a tar
 * segment with one `.SIGN.RSA.<key name>` (RSA PKCS#1 v1.5 over SHA-1) or `.SIGN.RSA256.<key name>`
 * (over SHA-256) entry, the second is the index tar exactly as it was signed: the signature covers
 * the *compressed* bytes of everything after the first member. The key name is the file name of
 * the public key in /etc/apk/keys.
 */

export type ApkKeys = ReadonlyMap<string, KeyObject>;

export type SignedIndex = { ok: true; keyName: string; signed: Buffer } | { ok: false; message: string };

/** A signature member is a tar header and at most a 4096-bit signature: far below this. */
const MAX_SIGNATURE_MEMBER = 64 * 1024;

/**
 * The signed part of an APKINDEX.tar.gz (the gzip bytes of the index tar), when one of its
 * signatures verifies with a trusted key; otherwise a sentence saying why not.
 */
export function verifyApkIndexSignature(archive: Buffer, keys: ApkKeys): SignedIndex {
  const first = firstGzipMember(archive);
  if (!first.ok) return first;
  let entries;
  try {
    entries = readTarFiles(first.content);
  } catch (error) {
    if (!(error instanceof TarFormatError)) throw error;
    return { ok: false, message: `has a signature segment that is not a tar archive: ${error.message}` };
  }
  const signatures = entries.flatMap((entry) => {
    const match = /^\.SIGN\.(RSA|RSA256)\.(.+)$/.exec(entry.name);
    return match ? [{ algorithm: match[1] === 'RSA' ? ('sha1' as const) : ('sha256' as const), keyName: match[2]!, signature: entry.data }] : [];
  });
  if (signatures.length === 0) return { ok: false, message: 'is not signed (no .SIGN.RSA.* entry before the index)' };
  const signed = archive.subarray(first.end);
  if (signed.length === 0) return { ok: false, message: 'holds a signature but no index after it' };
  for (const { algorithm, keyName, signature } of signatures) {
    const key = keys.get(keyName);
    if (!key) continue;
    if (verifySignature(algorithm, signed, key, signature)) return { ok: true, keyName, signed };
    return { ok: false, message: `has a signature by ${keyName} that does not match the index (tampered or corrupt)` };
  }
  return { ok: false, message: `is signed by ${signatures.map((s) => quoteOutsideText(s.keyName)).join(', ')}, which is not a trusted Alpine key` };
}

function verifySignature(algorithm: 'sha1' | 'sha256', data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(algorithm, data, key, signature);
  } catch {
    // OpenSSL rejects a signature of the wrong length or a non-RSA key by throwing: a bad signature all the same.
    return false;
  }
}

/**
 * The first gzip member (RFC 1952 §2.3): its inflated content and the offset just past its
 * trailer. Node's gunzip would run on into the next member, so the header is read here and the
 * deflate stream inflated alone; `bytesWritten` says how much input the stream used.
 */
function firstGzipMember(archive: Buffer): { ok: true; content: Buffer; end: number } | { ok: false; message: string } {
  if (archive.length < 18 || archive[0] !== 0x1f || archive[1] !== 0x8b || archive[2] !== 8) return { ok: false, message: 'is not a gzip file' };
  const flags = archive[3]!;
  let at = 10;
  if (flags & 0x04) at += 2 + archive.readUInt16LE(at);
  for (const flag of [0x08, 0x10]) {
    if (!(flags & flag)) continue;
    const zero = archive.indexOf(0, at);
    if (zero === -1) return { ok: false, message: 'is not a gzip file (truncated header)' };
    at = zero + 1;
  }
  if (flags & 0x02) at += 2;
  if (at >= archive.length) return { ok: false, message: 'is not a gzip file (truncated header)' };
  try {
    const { buffer, engine } = inflateRawSync(archive.subarray(at), { info: true, maxOutputLength: MAX_SIGNATURE_MEMBER }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    return { ok: true, content: buffer, end: at + engine.bytesWritten + 8 };
  } catch (error) {
    return { ok: false, message: `has an unreadable signature segment: ${(error as Error).message}` };
  }
}

/**
 * Public keys from a directory laid out as /etc/apk/keys: every `*.pub` file, by file name.
 * A file that is not a public key is an error naming it: a trust store is not guessed at.
 */
export async function loadApkKeys(dir: string): Promise<{ ok: true; keys: ApkKeys } | { ok: false; message: string }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.pub')).sort();
  } catch (error) {
    return { ok: false, message: `cannot read the Alpine keys directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  const keys = new Map<string, KeyObject>();
  for (const name of names) {
    try {
      keys.set(name, createPublicKey(await readFile(join(dir, name))));
    } catch (error) {
      return { ok: false, message: `${join(dir, name)} is not a PEM public key: ${(error as Error).message}` };
    }
  }
  if (keys.size === 0) return { ok: false, message: `the Alpine keys directory ${dir} holds no *.pub key` };
  return { ok: true, keys };
}
