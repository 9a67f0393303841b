import { gunzipCapped, INDEX_DECOMPRESSION } from '../decompression.js';
import { readTarFiles } from '../../archive/tar.js';
import { verifyApkIndexSignature, type ApkKeys } from './apk-signature.js';

/**
 * Alpine's repository index, `APKINDEX.tar.gz` (https://wiki.alpinelinux.org/wiki/Apk_spec#APKINDEX_Format).
 * The file is two gzip streams back to back: first a tar segment holding only the signature
 * (`.SIGN.RSA.<key>.rsa.pub`, cut before the end-of-archive blocks by `abuild-tar --cut`), then
 * the index tar with `DESCRIPTION` and `APKINDEX`. Only the signed part is read, and only once
 * its signature verifies (apk-signature.ts). `APKINDEX` holds one record per package, `X:value`
 * lines, records separated by a blank line.
 */

export interface ApkPackage {
  name: string;
  version: string;
  arch: string | null;
  /** `p:` names the package provides (`cmd:curl=8.9.1-r2`, `so:libcurl.so.4=4.8.0`). */
  provides: string[];
  /** `o:` the origin (source) package. */
  origin: string | null;
}

export type ApkIndexParse = { ok: true; packages: Map<string, ApkPackage>; description: string | null } | { ok: false; message: string };

/** Messages complete the sentence `<index URL> …`. */
export function parseApkIndexArchive(archive: Buffer, keys: ApkKeys): ApkIndexParse {
  const signature = verifyApkIndexSignature(archive, keys);
  if (!signature.ok) return signature;
  const gunzipped = gunzipCapped(signature.signed, INDEX_DECOMPRESSION, 'is not a gzip file');
  if (!gunzipped.ok) return gunzipped;
  const tar = gunzipped.data;
  let index: string | null = null;
  let description: string | null = null;
  let files;
  try {
    files = readTarFiles(tar);
  } catch (error) {
    return { ok: false, message: `is not a valid tar archive: ${(error as Error).message}` };
  }
  for (const entry of files) {
    if (entry.name === 'APKINDEX') index = entry.data.toString('utf8');
    else if (entry.name === 'DESCRIPTION') description = entry.data.toString('utf8').trim();
  }
  if (index === null) return { ok: false, message: 'holds no APKINDEX file' };
  return { ok: true, packages: parseApkIndex(index), description };
}

/** Records of an `APKINDEX` text by package name. Alpine keeps one version per package and repository; a repeat keeps the first. */
export function parseApkIndex(text: string): Map<string, ApkPackage> {
  const packages = new Map<string, ApkPackage>();
  for (const record of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    for (const line of record.split('\n')) {
      const match = /^([A-Za-z]):(.*)$/.exec(line.replace(/\r$/, ''));
      if (match && !fields.has(match[1]!)) fields.set(match[1]!, match[2]!);
    }
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version || packages.has(name)) continue;
    packages.set(name, {
      name,
      version,
      arch: fields.get('A') ?? null,
      provides: (fields.get('p') ?? '').split(/\s+/).filter(Boolean),
      origin: fields.get('o') ?? null,
    });
  }
  return packages;
}
