/**
 * A layer's file listing: read from the layer tar itself when the blob is there (its diffID is
 * recomputed on the way and must match the config), else from the artifact's
 * `layers/<hex>.jsonl`. Both give the same `FileEntry` fields, normalised the same way as the
 * workflow's listing script (`templates/repro-listing.py`).
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type { Digest } from './digest.js';
import { integrityError, invalidInput } from './errors.js';
import { layerCompression, type LayerCompression } from './media-types.js';
import { fileEntrySchema, type Descriptor, type FileEntry } from './schema.js';
import { TarFormatError, TarParser } from '../core/archive/tar.js';
import type { VerifiedBlobs } from './verified-blobs.js';

export type LayerListing =
  | { kind: 'listed'; from: 'blob' | 'jsonl'; entries: FileEntry[] }
  | { kind: 'unavailable'; reason: string };

/** The contract's path form: no leading `./` or `/`, no trailing `/`; the root itself is `.`. */
export function normalizeEntryPath(name: string): string {
  const path = name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  return path === '' || path === '.' ? '.' : path;
}

/**
 * Entries listed per layer at most. A listing is held in memory to be compared, and a gzip'd tar
 * of empty files costs a few bytes per entry, so a small hostile layer could claim tens of
 * millions; real layers (a node_modules tree included) stay well below this.
 */
export const MAX_LAYER_ENTRIES = 500_000;

class TooManyEntries extends Error {}

/** Permission bits only (with setuid, setgid, sticky), as the contract's `mode` is. */
const PERMISSION_BITS = 0o7777;

type ZstdFactory = () => Transform;
/** Node added zstd to zlib in 22.15 / 23.8; Node 20 has none, so it is looked up at run time. */
const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;

export function sniffCompression(head: Buffer): LayerCompression | null {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return null;
}

/** Reads the files of a layer tar from a stream of its (possibly compressed) bytes. */
export async function listTarStream(
  stream: Readable,
  mediaType: string,
  maxEntries = MAX_LAYER_ENTRIES,
): Promise<{ entries: FileEntry[]; diffId: Digest } | { unavailable: string }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : first.value;
  const compression = sniffCompression(head) ?? layerCompression(mediaType);
  let decompressor: Transform | null = null;
  if (compression === 'gzip') decompressor = zlib.createGunzip();
  else if (compression === 'zstd') {
    if (!createZstdDecompress) {
      stream.destroy();
      return { unavailable: `the layer is zstd-compressed and this Node.js (${process.version}) has no zstd decompressor (Node.js 22.15 or later has one)` };
    }
    decompressor = createZstdDecompress();
  }
  const replay = Readable.from(
    (async function* () {
      if (!first.done) yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })(),
  );

  const diffHash = createHash('sha256');
  const entries: FileEntry[] = [];
  let contentHash: Hash | null = null;
  let current: FileEntry | null = null;
  const parser = new TarParser({
    entry(entry) {
      if (entries.length >= maxEntries) throw new TooManyEntries();
      current = {
        path: normalizeEntryPath(entry.name),
        type: entry.type,
        mode: entry.mode & PERMISSION_BITS,
        uid: entry.uid,
        gid: entry.gid,
        size: entry.type === 'file' ? entry.size : 0,
        mtime: entry.mtime,
        sha256: null,
        linkname: entry.linkname,
      };
      contentHash = entry.type === 'file' ? createHash('sha256') : null;
      entries.push(current);
    },
    data(chunk) {
      contentHash?.update(chunk);
    },
    entryEnd() {
      if (current && contentHash) current.sha256 = contentHash.digest('hex');
      current = null;
      contentHash = null;
    },
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        diffHash.update(chunk);
        parser.write(chunk);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    final(done) {
      try {
        parser.end();
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  try {
    if (decompressor) await pipeline(replay, decompressor, sink);
    else await pipeline(replay, sink);
  } catch (error) {
    if (error instanceof TarFormatError) return { unavailable: `the layer is not a readable tar: ${error.message}` };
    if (error instanceof TooManyEntries) stream.destroy();
      return { unavailable: `the layer has more than ${maxEntries} entries, more than a listing may hold` };
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) return { unavailable: `the layer cannot be decompressed (${compression}): ${(error as Error).message}` };
    throw error;
  }
  return { entries, diffId: `sha256:${diffHash.digest('hex')}` };
}

/** Parses `layers/<hex>.jsonl`; every line is checked against the contract's fields. */
export function parseListing(text: string, location: string, file: string): FileEntry[] {
  const entries: FileEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (entries.length >= MAX_LAYER_ENTRIES) throw invalidInput(location, `${file}:${i + 1}: more than ${MAX_LAYER_ENTRIES} entries, more than a listing may hold`);
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw invalidInput(location, `${file}:${i + 1}: not JSON: ${(error as Error).message}`);
    }
    const parsed = fileEntrySchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`).join('; ');
      throw invalidInput(location, `${file}:${i + 1}: not a file entry of the contract: ${issues}`);
    }
    entries.push(parsed.data);
  }
  return entries;
}

/**
 * The listing of one layer. The blob wins when present (its bytes are verified; a listing is only
 * a claim); the jsonl is used only when the artifact left the blob out.
 */
export async function readLayerFiles(blobs: VerifiedBlobs, layer: Descriptor, diffId: Digest | null): Promise<LayerListing> {
  const stream = await blobs.open(layer, 'layer');
  if (stream) {
    const listed = await listTarStream(stream, layer.mediaType);
    if ('unavailable' in listed) return { kind: 'unavailable', reason: listed.unavailable };
    if (diffId && listed.diffId !== diffId) {
      throw integrityError(blobs.location, `layer ${layer.digest} unpacks to ${listed.diffId} but the image config names diffID ${diffId}`);
    }
    return { kind: 'listed', from: 'blob', entries: listed.entries };
  }
  const jsonl = await blobs.source.readLayerListing(layer.digest);
  if (!jsonl) return { kind: 'unavailable', reason: 'the layer blob is not in this build and it has no file listing' };
  const file = `layers/${layer.digest.slice('sha256:'.length)}.jsonl`;
  return { kind: 'listed', from: 'jsonl', entries: parseListing(jsonl.toString('utf8'), blobs.location, file) };
}
