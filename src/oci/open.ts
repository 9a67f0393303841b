/** Opens whatever the user points at: an OCI archive, an OCI layout, or an artifact folder. */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { openOciArchive } from './archive.js';
import { hasArtifactExtras, listArtifactImages, openArtifactImage } from './artifact-folder.js';
import { compareImages } from './compare.js';
import { invalidInput } from './errors.js';
import type { ImageSource } from './image-source.js';
import { openOciLayout } from './layout.js';
import type { Verdict } from './verdict.js';

export type OpenedInput = { kind: 'image'; source: ImageSource } | { kind: 'artifact'; location: string; images: Map<string, ImageSource> };

/** One image: an archive file, a layout directory, an artifact image folder, or an artifact root holding exactly one image. */
export async function openImageSource(path: string): Promise<ImageSource> {
  const input = await openInput(path);
  if (input.kind === 'image') return input.source;
  const [only, ...rest] = [...input.images.values()];
  if (only && rest.length === 0) return only;
  await Promise.all([...input.images.values()].map((s) => s.close()));
  throw invalidInput(path, `holds ${input.images.size} images (${[...input.images.keys()].join(', ')}): name one image folder, or compare two whole artifacts`);
}

/** An image, or every image of an artifact root (`repro-build-N/`). */
export async function openInput(path: string): Promise<OpenedInput> {
  const info = await lstat(path).catch(() => null);
  if (!info) throw invalidInput(path, 'does not exist');
  if (info.isFile()) return { kind: 'image', source: await openOciArchive(path) };
  if (!info.isDirectory()) throw invalidInput(path, 'is neither a file nor a directory');
  const marker = await lstat(join(path, 'oci-layout')).catch(() => null);
  if (marker?.isFile()) {
    const source = (await hasArtifactExtras(path)) ? await openArtifactImage(path) : await openOciLayout(path);
    return { kind: 'image', source };
  }
  return { kind: 'artifact', location: path, images: await openArtifact(path) };
}

/** The image folders of an artifact root, opened. */
export async function openArtifact(root: string): Promise<Map<string, ImageSource>> {
  const folders = await listArtifactImages(root);
  if (folders.size === 0) {
    throw invalidInput(root, 'is not an OCI archive, an OCI layout (no oci-layout file) or an artifact folder (no image folder with an oci-layout file)');
  }
  const images = new Map<string, ImageSource>();
  for (const [name, dir] of folders) images.set(name, await openArtifactImage(dir, join(root, name)));
  return images;
}

export interface ArtifactComparison {
  identical: boolean;
  images: Array<{ name: string; verdict: Verdict | null; onlyIn: 'a' | 'b' | null }>;
}

/** Compares two artifacts image folder by image folder (matched by name). */
export async function compareArtifacts(a: Map<string, ImageSource>, b: Map<string, ImageSource>): Promise<ArtifactComparison> {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  // An "identical" over no image at all would pass the gate with nothing compared.
  if (names.length === 0) throw invalidInput('artifacts', 'neither artifact holds an image folder, so there is nothing to compare');
  const images: ArtifactComparison['images'] = [];
  for (const name of names) {
    const sa = a.get(name);
    const sb = b.get(name);
    if (sa && sb) images.push({ name, verdict: await compareImages(sa, sb), onlyIn: null });
    else images.push({ name, verdict: null, onlyIn: sa ? 'a' : 'b' });
  }
  return { identical: images.every((i) => i.verdict?.identical === true), images };
}
