/**
 * An OCI archive: a tar of an OCI layout (`buildah … oci-archive:x.tar`, `docker buildx build
 * --output type=oci,dest=x.tar`, skopeo). The tar is read once to index where each member's
 * bytes are; blobs are then read by byte range, so nothing is unpacked or held in memory.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { digestHex, isDigest, type Digest } from './digest.js';
import { invalidInput } from './errors.js';
import type { ImageSource, SourceForm } from './image-source.js';
import { MAX_DOCUMENT_BYTES } from './layout.js';
import { ociLayoutSchema } from './schema.js';
import { TarFormatError, TarParser } from '../core/archive/tar.js';

/**
 * Most members an OCI archive may have: one per blob plus `oci-layout` and `index.json`. A large
 * multi-platform image has a few hundred; the member index is kept in memory, so a crafted tar of
 * millions of empty entries is refused instead (issue 10).
 */
export const MAX_ARCHIVE_MEMBERS = 10_000;

interface Member {
  offset: number;
  size: number;
}

class OciArchiveSource implements ImageSource {
  readonly form: SourceForm = 'oci-archive';

  constructor(
    readonly location: string,
    private readonly file: string,
    private readonly members: Map<string, Member>,
  ) {}

  async readIndexJson(): Promise<Buffer> {
    const bytes = await this.readMember('index.json');
    if (!bytes) throw invalidInput(this.location, 'the archive has no index.json: not an OCI archive');
    return bytes;
  }

  async listBlobs(): Promise<Digest[]> {
    return [...this.members.keys()]
      .filter((name) => name.startsWith('blobs/sha256/'))
      .map((name) => `sha256:${name.slice('blobs/sha256/'.length)}`)
      .filter(isDigest)
      .sort();
  }

  async blobSize(digest: Digest): Promise<number | null> {
    return this.members.get(`blobs/sha256/${digestHex(digest)}`)?.size ?? null;
  }

  async openBlob(digest: Digest): Promise<Readable | null> {
    const member = this.members.get(`blobs/sha256/${digestHex(digest)}`);
    return member ? this.stream(member) : null;
  }

  async listLayerListings(): Promise<Digest[]> {
    return [];
  }

  async readLayerListing(): Promise<Buffer | null> {
    return null;
  }

  async readBuildInfo(): Promise<Buffer | null> {
    return null;
  }

  async close(): Promise<void> {}

  async readMember(name: string): Promise<Buffer | null> {
    const member = this.members.get(name);
    if (!member) return null;
    if (member.size > MAX_DOCUMENT_BYTES) throw invalidInput(this.location, `${name} in the archive is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    const chunks: Buffer[] = [];
    for await (const chunk of this.stream(member)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private stream(member: Member): Readable {
    // `end` is inclusive, so an empty member gets a stream of its own that ends at once.
    if (member.size === 0) return Readable.from([]);
    return createReadStream(this.file, { start: member.offset, end: member.offset + member.size - 1 });
  }
}

/** `./blobs/sha256/x` and `/blobs/sha256/x` name the same member as `blobs/sha256/x`. */
function memberName(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '');
}

export async function openOciArchive(file: string, location = file): Promise<ImageSource> {
  const handle = await open(file, 'r').catch((error: Error) => {
    throw invalidInput(location, `cannot be read: ${error.message}`);
  });
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      throw invalidInput(location, 'is gzip-compressed; an OCI archive is a plain tar (decompress it first)');
    }
  } finally {
    await handle.close();
  }

  const members = new Map<string, Member>();
  let count = 0;
  const parser = new TarParser({
    entry(entry) {
      count += 1;
      if (count > MAX_ARCHIVE_MEMBERS) throw invalidInput(location, `has more than ${MAX_ARCHIVE_MEMBERS} members; an OCI archive holds one per blob`);
      if (entry.type !== 'file') return;
      const name = memberName(entry.name);
      if (members.has(name)) throw invalidInput(location, `${name} appears twice in the archive`);
      members.set(name, { offset: entry.dataOffset, size: entry.size });
    },
  });
  try {
    for await (const chunk of createReadStream(file)) parser.write(chunk as Buffer);
    parser.end();
  } catch (error) {
    if (error instanceof TarFormatError) throw invalidInput(location, `is not a readable tar archive: ${error.message}`);
    throw error;
  }

  const source = new OciArchiveSource(location, file, members);
  const marker = await source.readMember('oci-layout');
  if (!marker) throw invalidInput(location, 'the archive has no oci-layout file: not an OCI archive');
  let parsed: unknown;
  try {
    parsed = JSON.parse(marker.toString('utf8'));
  } catch {
    parsed = null;
  }
  if (!ociLayoutSchema.safeParse(parsed).success) throw invalidInput(location, 'oci-layout in the archive is not a valid layout marker');
  return source;
}
