/**
 * Zips for the artifact tests: real ones made by Python's zipfile from a folder (deflate, as
 * upload-artifact writes them), and hand-made hostile ones whose every header field the test
 * chooses (names, Unix modes, declared sizes, shared local headers).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { PYTHON, run } from '../oci/support/buildah.js';

const ZIP_FOLDER = `
import os, sys, zipfile
root, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
    for base, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(base, name)
            archive.write(path, os.path.relpath(path, root))
`;

/** The folder's contents zipped with Python's zipfile (entries relative to the folder, like upload-artifact). */
export async function zipFolder(dir: string): Promise<Buffer> {
  const work = await mkdtemp(join(tmpdir(), 'repro-pins-zip-'));
  try {
    const out = join(work, 'artifact.zip');
    await run(PYTHON, ['-c', ZIP_FOLDER, dir, out]);
    return await readFile(out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface CraftedEntry {
  name: string;
  data?: Buffer | string;
  /** 0 stored, 8 deflate (default). */
  method?: number;
  /** Unix mode in the external attributes (default 0o100644, or 0o040755 for a name ending in /). */
  unixMode?: number;
  /** Overrides the uncompressed size the directory declares. */
  declaredSize?: number;
  /** General purpose flags (bit 0: encrypted). */
  flags?: number;
  /** Points this entry's directory record at another entry's local header (overlapping entries). */
  sharesDataWith?: string;
}

/** A zip written field by field (APPNOTE.TXT 4.3), for inputs no well-behaved zip tool makes. */
export function craftZip(entries: CraftedEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets = new Map<string, number>();
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    const method = entry.method ?? 8;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(entry.name);
    const crc = crc32(data);
    let localOffset = offset;
    if (entry.sharesDataWith !== undefined) {
      localOffset = offsets.get(entry.sharesDataWith)!;
    } else {
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(entry.flags ?? 0, 6);
      local.writeUInt16LE(method, 8);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(stored.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(name.length, 26);
      locals.push(local, name, stored);
      offsets.set(entry.name, offset);
      offset += local.length + name.length + stored.length;
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(entry.flags ?? 0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(entry.declaredSize ?? data.length, 24);
    central.writeUInt16LE(name.length, 28);
    const mode = entry.unixMode ?? (entry.name.endsWith('/') ? 0o040755 : 0o100644);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(localOffset, 42);
    centrals.push(central, name);
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
