/**
 * An OCI image layout directory (image-spec `image-layout.md`): `oci-layout`, `index.json` and
 * `blobs/sha256/<hex>`. Files are opened with lstat first: a symlink in a downloaded layout could
 * point anywhere on the machine, so only regular files count.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { digestHex, isDigest, type Digest } from './digest.js';
import { invalidInput } from './errors.js';
import type { ImageSource, SourceForm } from './image-source.js';
import { ociLayoutSchema } from './schema.js';

/** Largest index.json / build.json / listing read whole into memory. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

export class OciLayoutSource implements ImageSource {
  readonly form: SourceForm = 'oci-layout';

  constructor(
    readonly location: string,
    protected readonly dir: string,
  ) {}

  async readIndexJson(): Promise<Buffer> {
    const bytes = await this.readRegularFile('index.json');
    if (!bytes) throw invalidInput(this.location, 'has no index.json (an OCI layout needs oci-layout, index.json and blobs/sha256/)');
    return bytes;
  }

  async listBlobs(): Promise<Digest[]> {
    const names = await readdir(join(this.dir, 'blobs', 'sha256')).catch(() => [] as string[]);
    return names.map((name) => `sha256:${name}`).filter(isDigest).sort();
  }

  async blobSize(digest: Digest): Promise<number | null> {
    const info = await this.regularFile(join('blobs', 'sha256', digestHex(digest)));
    return info ? info.size : null;
  }

  async openBlob(digest: Digest): Promise<Readable | null> {
    const path = join('blobs', 'sha256', digestHex(digest));
    if (!(await this.regularFile(path))) return null;
    return createReadStream(join(this.dir, path));
  }

  async listLayerListings(): Promise<Digest[]> {
    return [];
  }

  async readLayerListing(_layer: Digest): Promise<Buffer | null> {
    return null;
  }

  async readBuildInfo(): Promise<Buffer | null> {
    return null;
  }

  async close(): Promise<void> {}

  /** Null when absent; an error when present but not a regular file. */
  protected async regularFile(relative: string): Promise<{ size: number } | null> {
    const info = await lstat(join(this.dir, relative)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw invalidInput(this.location, `${relative} cannot be read: ${error.message}`);
    });
    if (!info) return null;
    if (!info.isFile()) throw invalidInput(this.location, `${relative} is not a regular file (symlinks and special files are refused)`);
    return { size: info.size };
  }

  protected async readRegularFile(relative: string): Promise<Buffer | null> {
    const info = await this.regularFile(relative);
    if (!info) return null;
    if (info.size > MAX_DOCUMENT_BYTES) throw invalidInput(this.location, `${relative} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    return readFile(join(this.dir, relative));
  }
}

/** Checks the `oci-layout` marker file; the caller has seen that it exists. */
export async function checkLayoutMarker(location: string, dir: string): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'));
  } catch (error) {
    throw invalidInput(location, `oci-layout is not JSON: ${(error as Error).message}`);
  }
  const layout = ociLayoutSchema.safeParse(parsed);
  if (!layout.success) throw invalidInput(location, 'oci-layout has no imageLayoutVersion');
  if (!layout.data.imageLayoutVersion.startsWith('1.')) {
    throw invalidInput(location, `oci-layout says imageLayoutVersion ${layout.data.imageLayoutVersion}; only 1.x is known`);
  }
}

export async function openOciLayout(dir: string, location = dir): Promise<ImageSource> {
  await checkLayoutMarker(location, dir);
  return new OciLayoutSource(location, dir);
}
