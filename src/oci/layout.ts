/**
 * An OCI image layout directory (image-spec `image-layout.md`): `oci-layout`, `index.json` and
 * `blobs/sha256/<hex>`. Every path component under the layout folder is checked with lstat
 * before it is read: a symlink in a downloaded layout (a file, or `blobs/` itself) could point
 * anywhere on the machine, so only regular files inside real directories count (issue 10).
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
    return (await this.listDirectory(join('blobs', 'sha256'))).map((name) => `sha256:${name}`).filter(isDigest).sort();
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

  /** Null when absent; an error when present but not a regular file, or under a directory that is not a real one. */
  protected async regularFile(relative: string): Promise<{ size: number } | null> {
    const parent = dirname(relative);
    if (parent !== '.' && !(await this.realDirectory(parent))) return null;
    return lstatRegularFile(this.location, this.dir, relative);
  }

  /** The names in a directory of the layout; none when it is absent. */
  protected async listDirectory(relative: string): Promise<string[]> {
    if (!(await this.realDirectory(relative))) return [];
    return readdir(join(this.dir, relative)).catch((error: Error) => {
      throw invalidInput(this.location, `${relative} cannot be read: ${error.message}`);
    });
  }

  /** Whether a directory (and each one above it, up to the layout folder) is there; an error when one is a symlink or not a directory. Checked once each. */
  private realDirectory(relative: string): Promise<boolean> {
    let checked = this.checkedDirectories.get(relative);
    if (!checked) {
      checked = this.checkDirectory(relative);
      this.checkedDirectories.set(relative, checked);
    }
    return checked;
  }

  private readonly checkedDirectories = new Map<string, Promise<boolean>>();

  private async checkDirectory(relative: string): Promise<boolean> {
    const parent = dirname(relative);
    if (parent !== '.' && !(await this.realDirectory(parent))) return false;
    const info = await lstatOrNull(this.location, this.dir, relative);
    if (!info) return false;
    if (info.isSymbolicLink()) throw invalidInput(this.location, `${relative}/ is a symlink; a layout's folders must be real directories inside it`);
    if (!info.isDirectory()) throw invalidInput(this.location, `${relative} is not a directory`);
    return true;
  }

  protected async readRegularFile(relative: string): Promise<Buffer | null> {
    const info = await this.regularFile(relative);
    if (!info) return null;
    if (info.size > MAX_DOCUMENT_BYTES) throw invalidInput(this.location, `${relative} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    return readFile(join(this.dir, relative));
  }
}

async function lstatOrNull(location: string, dir: string, relative: string) {
  return lstat(join(dir, relative)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw invalidInput(location, `${relative} cannot be read: ${error.message}`);
  });
}

/** Null when absent; an error when present but not a regular file. */
async function lstatRegularFile(location: string, dir: string, relative: string): Promise<{ size: number } | null> {
  const info = await lstatOrNull(location, dir, relative);
  if (!info) return null;
  if (!info.isFile()) throw invalidInput(location, `${relative} is not a regular file (symlinks and special files are refused)`);
  return { size: info.size };
}

/** Checks the `oci-layout` marker file, which must be a regular file of the layout. */
export async function checkLayoutMarker(location: string, dir: string): Promise<void> {
  const marker = await lstatRegularFile(location, dir, 'oci-layout');
  if (!marker) throw invalidInput(location, 'has no oci-layout file: not an OCI layout');
  if (marker.size > MAX_DOCUMENT_BYTES) throw invalidInput(location, `oci-layout is larger than ${MAX_DOCUMENT_BYTES} bytes`);
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
