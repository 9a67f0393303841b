/**
 * A guarded zip reader, for the twice-build artifacts GitHub serves and for Python wheels. Their
 * bytes are untrusted (whoever can change a workflow run or publish a package controls them), so
 * every entry is checked before a byte is inflated or written: names stay inside the target folder (no `..`, absolute, drive or backslash paths),
 * only regular files and folders (no symlinks or devices), no encryption, stored or deflate
 * only, bounded entry count, per-entry and total uncompressed size, and compression ratio; entries
 * may not overlap (the non-recursive zip bomb), and each must inflate to exactly its declared
 * size and CRC-32.
 *
 * Our own reader over `node:zlib` (APPNOTE.TXT 4.3): extraction needs every entry's attributes and a hard output cap
 * per entry (`maxOutputLength`), which small npm unzippers either hide (`yauzl`: callbacks, no
 * bundled types) or reimplement beside Node's own inflate (`fflate`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio allowed for an entry bigger than `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
}

/**
 * An artifact holds manifests, configs and per-layer JSON listings (layer blobs are optional):
 * megabytes, rarely more. These limits leave room for layer blobs while bounding what a hostile
 * zip can make the App write. JSON listings deflate about 10:1; 100:1 only comes from padding.
 */
export const ARTIFACT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 20_000,
  maxEntryBytes: 512 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
};

/** An artifact zip that is not safe or not readable; the message is a sentence for the user. */
export class ZipError extends Error {
  override readonly name = 'ZipError';
}

export interface ZipEntry {
  name: string;
  directory: boolean;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  dataStart: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const UNIX_HOST = 3;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Extracts `zip` into the (fresh, empty) folder `dest`; returns how many files and bytes were written. */
export async function extractZip(zip: Buffer, dest: string, limits: ZipLimits = ARTIFACT_ZIP_LIMITS): Promise<{ files: number; bytes: number }> {
  const entries = readZipEntries(zip, limits);
  const root = resolve(dest);
  let bytes = 0;
  let files = 0;
  for (const entry of entries) {
    const target = resolve(root, ...entry.name.split('/').filter(Boolean));
    if (!target.startsWith(root + sep)) throw new ZipError(`entry ${JSON.stringify(entry.name)} would be written outside the target folder`);
    const content = entry.directory ? null : inflateEntry(zip, entry);
    try {
      await mkdir(entry.directory ? target : dirname(target), { recursive: true });
      // `wx`: never write through something already there (names are unique, so nothing is).
      if (content) await writeFile(target, content, { flag: 'wx', mode: 0o644 });
    } catch (error) {
      throw new ZipError(`entry ${JSON.stringify(entry.name)} cannot be written: ${(error as Error).message}`);
    }
    if (!content) continue;
    bytes += content.length;
    files += 1;
  }
  return { files, bytes };
}

/** Every entry of a zip, checked against `limits` (names, types, sizes, ratios, overlaps); nothing is inflated yet. */
export function readZipEntries(zip: Buffer, limits: ZipLimits): ZipEntry[] {
  // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at -= 1) {
    if (zip.readUInt32LE(at) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd === -1) throw new ZipError('is not a zip file (no end of central directory record)');
  if (zip.readUInt16LE(eocd + 4) !== 0 || zip.readUInt16LE(eocd + 6) !== 0) throw new ZipError('is a multi-part zip, which is not read');
  let count = zip.readUInt16LE(eocd + 10);
  let directorySize = zip.readUInt32LE(eocd + 12);
  let directoryOffset = zip.readUInt32LE(eocd + 16);
  let directoryEnd = eocd;
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    if (eocd < 20 || zip.readUInt32LE(eocd - 20) !== ZIP64_LOCATOR) throw new ZipError('has a zip64 end record that cannot be found');
    const record = Number(zip.readBigUInt64LE(eocd - 20 + 8));
    if (record + 56 > eocd - 20 || zip.readUInt32LE(record) !== ZIP64_EOCD) throw new ZipError('has a broken zip64 end record');
    count = Number(zip.readBigUInt64LE(record + 32));
    directorySize = Number(zip.readBigUInt64LE(record + 40));
    directoryOffset = Number(zip.readBigUInt64LE(record + 48));
    directoryEnd = record;
  }
  if (count > limits.maxEntries) throw new ZipError(`has ${count} entries, more than the ${limits.maxEntries} an artifact may hold`);
  if (directoryOffset + directorySize > directoryEnd) throw new ZipError('has a central directory that runs past its end record');

  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let total = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i += 1) {
    if (at + 46 > directoryEnd || zip.readUInt32LE(at) !== CENTRAL_HEADER) throw new ZipError('has a broken central directory');
    const madeBy = zip.readUInt16LE(at + 4);
    const flags = zip.readUInt16LE(at + 8);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const externalAttributes = zip.readUInt32LE(at + 38);
    if (at + 46 + nameLength + extraLength + commentLength > directoryEnd) throw new ZipError('has a broken central directory');
    let name: string;
    try {
      name = utf8.decode(zip.subarray(at + 46, at + 46 + nameLength));
    } catch {
      throw new ZipError('has an entry whose name is not UTF-8');
    }
    const entry: ZipEntry = {
      name,
      directory: name.endsWith('/'),
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localHeaderOffset: zip.readUInt32LE(at + 42),
      dataStart: 0,
    };
    applyZip64Extra(zip, at + 46 + nameLength, extraLength, entry);
    at += 46 + nameLength + extraLength + commentLength;

    checkName(name);
    const key = name.replace(/\/$/, '');
    if (names.has(key)) throw new ZipError(`has the entry ${JSON.stringify(key)} twice`);
    names.add(key);
    const unixMode = madeBy >>> 8 === UNIX_HOST ? externalAttributes >>> 16 : 0;
    const type = unixMode & S_IFMT;
    if (type === S_IFLNK) throw new ZipError(`entry ${JSON.stringify(name)} is a symbolic link; an artifact holds only files and folders`);
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) throw new ZipError(`entry ${JSON.stringify(name)} is not a regular file or folder`);
    if (type === S_IFDIR && !entry.directory) throw new ZipError(`entry ${JSON.stringify(name)} is a folder whose name does not end in /`);
    if (flags & 0x0001) throw new ZipError(`entry ${JSON.stringify(name)} is encrypted`);
    if (entry.method !== 0 && entry.method !== 8) throw new ZipError(`entry ${JSON.stringify(name)} uses compression method ${entry.method} (only stored and deflate are read)`);
    if (entry.directory && entry.size !== 0) throw new ZipError(`folder entry ${JSON.stringify(name)} has content`);
    if (entry.size > limits.maxEntryBytes) throw new ZipError(`entry ${JSON.stringify(name)} unpacks to ${entry.size} bytes, more than the ${limits.maxEntryBytes} allowed per file`);
    total += entry.size;
    if (total > limits.maxTotalBytes) throw new ZipError(`unpacks to more than the ${limits.maxTotalBytes} bytes an artifact may hold`);
    if (entry.size > limits.ratioFloorBytes && entry.size > entry.compressedSize * limits.maxRatio) {
      throw new ZipError(`entry ${JSON.stringify(name)} compresses ${entry.compressedSize} bytes to ${entry.size}, a ratio above ${limits.maxRatio}:1 (a zip bomb?)`);
    }
    entry.dataStart = localDataStart(zip, entry, directoryOffset);
    entries.push(entry);
  }
  checkNoOverlap(entries);
  return entries;
}

/** Zip64 extended information (APPNOTE 4.5.3): 8-byte fields, present only for those set to 0xFFFFFFFF, in this order. */
function applyZip64Extra(zip: Buffer, start: number, length: number, entry: ZipEntry): void {
  for (let at = start; at + 4 <= start + length; ) {
    const id = zip.readUInt16LE(at);
    const size = zip.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      const end = Math.min(at + 4 + size, start + length);
      const next = () => {
        if (field + 8 > end) throw new ZipError(`entry has a truncated zip64 field`);
        const value = Number(zip.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + size;
  }
}

function checkName(name: string): void {
  const quoted = JSON.stringify(name);
  if (name.length === 0 || name.length > 1024) throw new ZipError(`has an entry with an empty or overlong name`);
  if (name.includes('\0') || name.includes('\\')) throw new ZipError(`entry ${quoted} has a NUL or backslash in its name`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw new ZipError(`entry ${quoted} has an absolute path`);
  const segments = name.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '..')) throw new ZipError(`entry ${quoted} climbs out of its folder (path traversal)`);
  if (segments.some((s) => s === '' || s === '.')) throw new ZipError(`entry ${quoted} has an empty or "." path segment`);
}

/** Where an entry's data starts: after its local header, which must be where the directory says and before the directory. */
function localDataStart(zip: Buffer, entry: ZipEntry, directoryOffset: number): number {
  const at = entry.localHeaderOffset;
  if (at + 30 > directoryOffset || zip.readUInt32LE(at) !== LOCAL_HEADER) throw new ZipError(`entry ${JSON.stringify(entry.name)} has no local header where the directory says`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  if (start + entry.compressedSize > directoryOffset) throw new ZipError(`entry ${JSON.stringify(entry.name)} runs into the central directory`);
  return start;
}

/** Entries sharing bytes are how a small zip unpacks to a huge one without nesting. */
function checkNoOverlap(entries: ZipEntry[]): void {
  const spans = entries.map((e) => [e.localHeaderOffset, e.dataStart + e.compressedSize] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i += 1) {
    if (spans[i]![0] < spans[i - 1]![1]) throw new ZipError('has entries that overlap each other (a zip bomb?)');
  }
}

/** An entry's content, which must inflate to exactly its declared size and CRC-32. */
export function inflateEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const data = zip.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
  let content: Buffer;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new ZipError(`stored entry ${JSON.stringify(entry.name)} has two different sizes`);
    content = data;
  } else {
    try {
      // One byte more than declared: an entry that inflates past its size fails here, not in memory.
      content = inflateRawSync(data, { maxOutputLength: entry.size + 1 });
    } catch (error) {
      throw new ZipError(`entry ${JSON.stringify(entry.name)} does not inflate to its declared ${entry.size} bytes: ${(error as Error).message}`);
    }
  }
  if (content.length !== entry.size) throw new ZipError(`entry ${JSON.stringify(entry.name)} holds ${content.length} bytes, not the ${entry.size} it declares`);
  if (crc32(content) !== entry.crc) throw new ZipError(`entry ${JSON.stringify(entry.name)} fails its CRC-32 check`);
  return content;
}
