import { readTarFiles } from '../../archive/tar.js';
import { inflateEntry, readZipEntries, ZipError, type ZipEntry, type ZipLimits } from '../../archive/zip.js';
import { gunzipCapped, SDIST_DECOMPRESSION } from '../decompression.js';
import { normalizeProjectName } from './distributions.js';

/**
 * Core metadata (https://packaging.python.org/en/latest/specifications/core-metadata/): the
 * `METADATA` file of a wheel, served alone by indexes that support PEP 658, or read from the
 * wheel itself; and `PKG-INFO` of an sdist, which is trustworthy only from metadata 2.2 on and
 * only when it does not declare `Requires-Dist` dynamic (PEP 643).
 */

export interface CoreMetadata {
  metadataVersion: string;
  name: string;
  version: string;
  requiresPython: string | null;
  requiresDist: string[];
  dynamic: string[];
}

/** RFC 822-style headers up to the first blank line (the body is the description). */
export function parseCoreMetadata(text: string): CoreMetadata {
  const fields = new Map<string, string[]>();
  let last: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if (/^[ \t]/.test(line) && last !== null) {
      const values = fields.get(last)!;
      values[values.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    const values = fields.get(last) ?? [];
    values.push(line.slice(colon + 1).trim());
    fields.set(last, values);
  }
  const one = (name: string) => fields.get(name)?.[0] ?? null;
  return {
    metadataVersion: one('metadata-version') ?? '',
    name: one('name') ?? '',
    version: one('version') ?? '',
    requiresPython: one('requires-python'),
    requiresDist: fields.get('requires-dist') ?? [],
    dynamic: (fields.get('dynamic') ?? []).map((d) => d.toLowerCase()),
  };
}

export type MetadataRead = { ok: true; text: string } | { ok: false; message: string };

/** `<name>-<version>.dist-info/METADATA` from a wheel (PEP 427: one .dist-info folder at the top). */
export function readWheelMetadata(wheel: Buffer, project: string): MetadataRead {
  const entries = zipEntries(wheel);
  if (typeof entries === 'string') return { ok: false, message: entries };
  const candidates = entries.filter((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.name));
  const entry =
    candidates.find((e) => normalizeProjectName(e.name.split('/')[0]!.replace(/\.dist-info$/, '').replace(/-[^-]*$/, '')) === normalizeProjectName(project)) ??
    candidates[0];
  if (!entry) return { ok: false, message: 'is a wheel without a .dist-info/METADATA file' };
  return readZipText(wheel, entry);
}

/** `PKG-INFO` at the top folder of an sdist (`.tar.gz` or `.zip`). */
export function readSdistMetadata(archive: Buffer, filename: string): MetadataRead {
  if (filename.toLowerCase().endsWith('.zip')) {
    const entries = zipEntries(archive);
    if (typeof entries === 'string') return { ok: false, message: entries };
    const entry = entries.find((e) => /^[^/]+\/PKG-INFO$/.test(e.name));
    return entry ? readZipText(archive, entry) : { ok: false, message: 'is an sdist without PKG-INFO' };
  }
  if (!/\.(tar\.gz|tgz)$/i.test(filename)) return { ok: false, message: 'is an sdist in an archive format that is not read (only .tar.gz and .zip are)' };
  const gunzipped = gunzipCapped(archive, SDIST_DECOMPRESSION);
  if (!gunzipped.ok) return gunzipped;
  const tar = gunzipped.data;
  let pkgInfo;
  try {
    pkgInfo = readTarFiles(tar).find((file) => /^[^/]+\/PKG-INFO$/.test(file.name));
  } catch (error) {
    return { ok: false, message: `is not a valid tar archive: ${(error as Error).message}` };
  }
  return pkgInfo ? { ok: true, text: pkgInfo.data.toString('utf8') } : { ok: false, message: 'is an sdist without PKG-INFO' };
}

/**
 * Wheels are zips from whoever published the package: read through the same guarded reader as
 * the App's artifacts, with limits sized for a wheel's metadata.
 */
const WHEEL_LIMITS: ZipLimits = { maxEntries: 100_000, maxEntryBytes: 256 * 1024 * 1024, maxTotalBytes: 4 * 1024 * 1024 * 1024, maxRatio: 1_000, ratioFloorBytes: 1024 * 1024 };

function zipEntries(zip: Buffer): ZipEntry[] | string {
  try {
    return readZipEntries(zip, WHEEL_LIMITS);
  } catch (error) {
    if (error instanceof ZipError) return error.message;
    throw error;
  }
}

function readZipText(zip: Buffer, entry: ZipEntry): MetadataRead {
  try {
    return { ok: true, text: inflateEntry(zip, entry).toString('utf8') };
  } catch (error) {
    if (error instanceof ZipError) return { ok: false, message: `${entry.name} ${error.message}` };
    throw error;
  }
}
