/**
 * The artifact folder of the twice-build contract (design: "The twice-build gate (contract)"):
 * `repro-build-N/<Dockerfile path with / as __>/` is an OCI layout that may leave layer blobs
 * out, plus `layers/<hex>.jsonl` file listings and `build.json`. The root holds one such folder
 * per image.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex, isDigest, type Digest } from './digest.js';
import { invalidInput } from './errors.js';
import type { ImageSource, SourceForm } from './image-source.js';
import { checkLayoutMarker, OciLayoutSource } from './layout.js';

export class ArtifactFolderSource extends OciLayoutSource {
  override readonly form: SourceForm = 'artifact-folder';

  override async listLayerListings(): Promise<Digest[]> {
    const names = await this.listDirectory('layers');
    const digests: Digest[] = [];
    for (const name of names) {
      const digest = `sha256:${name.replace(/\.jsonl$/, '')}`;
      if (!name.endsWith('.jsonl') || !isDigest(digest)) {
        throw invalidInput(this.location, `layers/${name} is not named <layer digest hex>.jsonl`);
      }
      digests.push(digest);
    }
    return digests.sort();
  }

  override async readLayerListing(layer: Digest): Promise<Buffer | null> {
    return this.readRegularFile(join('layers', `${digestHex(layer)}.jsonl`));
  }

  override async readBuildInfo(): Promise<Buffer | null> {
    return this.readRegularFile('build.json');
  }
}

export async function openArtifactImage(dir: string, location = dir): Promise<ImageSource> {
  await checkLayoutMarker(location, dir);
  return new ArtifactFolderSource(location, dir);
}

/** The folder name for an image: the Dockerfile path with `/` replaced by `__`. */
export function artifactImageName(dockerfile: string): string {
  return dockerfile.replace(/^\.\//, '').replaceAll('/', '__');
}

/** True when a directory looks like one image of an artifact (listings or build.json beside the layout). */
export async function hasArtifactExtras(dir: string): Promise<boolean> {
  const layers = await lstat(join(dir, 'layers')).catch(() => null);
  const build = await lstat(join(dir, 'build.json')).catch(() => null);
  // Present in any form counts: a `layers` or `build.json` that is a symlink is then refused by
  // ArtifactFolderSource, not silently ignored by a plain layout.
  return layers !== null || build !== null;
}

/** The image folders of an artifact root, by name. Only real directories holding `oci-layout` count. */
export async function listArtifactImages(root: string): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  const entries = await readdir(root, { withFileTypes: true }).catch((error: Error) => {
    throw invalidInput(root, `cannot be read: ${error.message}`);
  });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const marker = await lstat(join(root, entry.name, 'oci-layout')).catch(() => null);
    if (marker?.isFile()) images.set(entry.name, join(root, entry.name));
  }
  return images;
}
