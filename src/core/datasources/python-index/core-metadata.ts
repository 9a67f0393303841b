import { readTarFiles } from '../../archive/tar.js';
import { gunzipSync, inflateRawSync } from 'node:zlib';
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
  const entries = readZipDirectory(wheel);
  if (typeof entries === 'string') return { ok: false, message: `is not a readable wheel: ${entries}` };
  const candidates = entries.filter((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.name));
  const entry =
    candidates.find((e) => normalizeProjectName(e.name.split('/')[0]!.replace(/\.dist-info$/, '').replace(/-[^-]*$/, '')) === normalizeProjectName(project)) ??
    candidates[0];
  if (!entry) return { ok: false, message: 'is a wheel without a .dist-info/METADATA file' };
  return readZipEntry(wheel, entry);
}

/** `PKG-INFO` at the top folder of an sdist (`.tar.gz` or `.zip`). */
export function readSdistMetadata(archive: Buffer, filename: string): MetadataRead {
  if (filename.toLowerCase().endsWith('.zip')) {
    const entries = readZipDirectory(archive);
    if (typeof entries === 'string') return { ok: false, message: `is not a readable zip: ${entries}` };
    const entry = entries.find((e) => /^[^/]+\/PKG-INFO$/.test(e.name));
    return entry ? readZipEntry(archive, entry) : { ok: false, message: 'is an sdist without PKG-INFO' };
  }
  if (!/\.(tar\.gz|tgz)$/i.test(filename)) return { ok: false, message: 'is an sdist in an archive format that is not read (only .tar.gz and .zip are)' };
  let tar: Buffer;
  try {
    tar = gunzipSync(archive);
  } catch (error) {
    return { ok: false, message: `is not valid gzip: ${(error as Error).message}` };
  }
  let pkgInfo;
  try {
    pkgInfo = readTarFiles(tar).find((file) => /^[^/]+\/PKG-INFO$/.test(file.name));
  } catch (error) {
    return { ok: false, message: `is not a valid tar archive: ${(error as Error).message}` };
  }
  return pkgInfo ? { ok: true, text: pkgInfo.data.toString('utf8') } : { ok: false, message: 'is an sdist without PKG-INFO' };
}

// ---------------------------------------------------------------------------------------------
// A zip central-directory reader (APPNOTE.TXT 4.3): just enough to find one member and inflate it.

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

function readZipDirectory(zip: Buffer): ZipEntry[] | string {
  // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at -= 1) {
    if (zip.readUInt32LE(at) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd === -1) return 'no end of central directory record';
  let count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && zip.readUInt32LE(eocd - 20) === ZIP64_LOCATOR) {
    const record = Number(zip.readBigUInt64LE(eocd - 20 + 8));
    if (record + 56 > zip.length || zip.readUInt32LE(record) !== ZIP64_EOCD) return 'a broken zip64 end record';
    count = Number(zip.readBigUInt64LE(record + 32));
    offset = Number(zip.readBigUInt64LE(record + 48));
  }
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i += 1) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_HEADER) return 'a broken central directory';
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      localHeaderOffset: zip.readUInt32LE(at + 42),
    };
    applyZip64Extra(zip, at + 46 + nameLength, extraLength, zip.readUInt32LE(at + 24), entry);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Zip64 extended information (APPNOTE 4.5.3): the 8-byte fields present only for those set to 0xFFFFFFFF, in this order. */
function applyZip64Extra(zip: Buffer, start: number, length: number, uncompressedSize: number, entry: ZipEntry): void {
  for (let at = start; at + 4 <= start + length; ) {
    const id = zip.readUInt16LE(at);
    const size = zip.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      if (uncompressedSize === 0xffffffff) field += 8;
      if (entry.compressedSize === 0xffffffff && field + 8 <= at + 4 + size) {
        entry.compressedSize = Number(zip.readBigUInt64LE(field));
        field += 8;
      }
      if (entry.localHeaderOffset === 0xffffffff && field + 8 <= at + 4 + size) entry.localHeaderOffset = Number(zip.readBigUInt64LE(field));
      return;
    }
    at += 4 + size;
  }
}

function readZipEntry(zip: Buffer, entry: ZipEntry): MetadataRead {
  const at = entry.localHeaderOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL_HEADER) return { ok: false, message: `has a broken local header for ${entry.name}` };
  const dataStart = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(dataStart, dataStart + entry.compressedSize);
  try {
    if (entry.method === 0) return { ok: true, text: data.toString('utf8') };
    if (entry.method === 8) return { ok: true, text: inflateRawSync(data).toString('utf8') };
  } catch (error) {
    return { ok: false, message: `holds a corrupt ${entry.name}: ${(error as Error).message}` };
  }
  return { ok: false, message: `stores ${entry.name} with compression method ${entry.method}, which is not read (only stored and deflate are)` };
}

// ---------------------------------------------------------------------------------------------
// A tar reader (POSIX ustar with pax and GNU long names): one member's text, found by name.

