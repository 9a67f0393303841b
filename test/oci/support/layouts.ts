/**
 * Crafted OCI layout directories for the hostile-input tests: real files, written the way an
 * attacker who controls an artifact would write them (any index.json, any blobs, or none).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex, digestOf, type Digest } from '../../../src/oci/digest.js';
import type { ImageSource } from '../../../src/oci/image-source.js';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface BlobDescriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}

export class LayoutWriter {
  private constructor(readonly dir: string) {}

  /** An empty layout: `oci-layout` and an empty `blobs/sha256/`. */
  static async create(dir: string): Promise<LayoutWriter> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    return new LayoutWriter(dir);
  }

  /** Stores a JSON document as a blob and returns a descriptor naming it. */
  async blob(mediaType: string, value: unknown, extra: Partial<BlobDescriptor> = {}): Promise<BlobDescriptor> {
    const bytes = Buffer.from(JSON.stringify(value));
    const digest = digestOf(bytes);
    await writeFile(join(this.dir, 'blobs', 'sha256', digestHex(digest)), bytes);
    return { mediaType, digest, size: bytes.length, ...extra };
  }

  /** One platform image (config + manifest, the layer blob left out as artifacts may). */
  async platformImage(architecture = 'amd64', created = '1970-01-01T00:00:00Z'): Promise<BlobDescriptor> {
    const layer = digestOf(Buffer.from(`layer of ${architecture}`));
    const config = await this.blob('application/vnd.oci.image.config.v1+json', { created, architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [layer] } });
    return this.blob(
      OCI_MANIFEST,
      { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: 1000 }] },
      { platform: { os: 'linux', architecture } },
    );
  }

  async index(manifests: BlobDescriptor[]): Promise<BlobDescriptor> {
    return this.blob(OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests });
  }

  async indexJson(roots: unknown[]): Promise<string> {
    await writeFile(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: roots }));
    return this.dir;
  }
}

/** The source with every `openBlob` counted by digest: how often the engine reads each blob. */
export function countingBlobReads(source: ImageSource): { source: ImageSource; reads: Map<Digest, number> } {
  const reads = new Map<Digest, number>();
  const counted = new Proxy(source, {
    get(target, property) {
      if (property === 'openBlob') {
        return (digest: Digest) => {
          reads.set(digest, (reads.get(digest) ?? 0) + 1);
          return target.openBlob(digest);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { source: counted, reads };
}
