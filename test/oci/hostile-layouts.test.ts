/**
 * Issue 10, "Verdicts only from verified bytes": crafted layouts that once gave "identical"
 * (exit 0) or took minutes must now give an error naming the layout (exit 2), or a result after a
 * bounded number of blob reads.
 */
import { copyFile, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { compareArtifacts, compareImages, openArtifact, OciError } from '../../src/oci/index.js';
import { loadImage, MAX_DESCRIPTORS } from '../../src/oci/image.js';
import { openOciLayout } from '../../src/oci/layout.js';
import { MAX_ARCHIVE_MEMBERS, openOciArchive } from '../../src/oci/archive.js';
import { tarArchive } from '../support/package-indexes.js';
import { countingBlobReads, LayoutWriter, OCI_INDEX, OCI_MANIFEST, type BlobDescriptor } from './support/layouts.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'repro-pins-hostile-layouts-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function verify(a: string, b: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, isTTY: false };
  const code = await runCli(['verify', a, b], io);
  return { code, stdout, stderr };
}

/** The same crafted layout twice, so that only the engine's checks stand between it and "identical". */
async function pair(name: string, build: (layout: LayoutWriter) => Promise<unknown[]>): Promise<[string, string]> {
  const dirs: string[] = [];
  for (const side of ['a', 'b']) {
    const layout = await LayoutWriter.create(join(root, name, side));
    dirs.push(await layout.indexJson(await build(layout)));
  }
  return [dirs[0]!, dirs[1]!];
}

const absent = (mediaType: string): BlobDescriptor => ({ mediaType, digest: `sha256:${'a'.repeat(64)}`, size: 2 });

describe('verify refuses layouts with nothing verified behind the digest', () => {
  it('a root of unknown media type and no blobs is an error naming the layout and the type, not "identical"', async () => {
    const [a, b] = await pair('unknown-root', async () => [absent('application/x-not-an-image')]);
    const result = await verify(a, b);
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('identical');
    expect(result.stderr).toContain(`${a}: index.json names sha256:${'a'.repeat(64)} with media type "application/x-not-an-image"`);
  });

  it('a root manifest whose blob is missing is an error', async () => {
    const [a, b] = await pair('missing-root', async () => [absent(OCI_MANIFEST)]);
    const result = await verify(a, b);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${a}: manifest sha256:${'a'.repeat(64)} is missing`);
  });

  it('an index holding no platform image (only non-image children) is an error', async () => {
    const [a, b] = await pair('no-platform', async (layout) => [await layout.index([absent('application/vnd.example.sbom+json')])]);
    const result = await verify(a, b);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${a}: holds no platform image to compare`);
  });

  it('an index of attestation manifests only is an error', async () => {
    const attestation = { ...absent(OCI_MANIFEST), platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } };
    const [a, b] = await pair('attestations-only', async (layout) => [await layout.index([attestation])]);
    const result = await verify(a, b);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('holds no platform image to compare (only 1 attestation manifest(s))');
  });

  it('index.json with several roots refuses one of unknown media type', async () => {
    const [a, b] = await pair('several-roots', async (layout) => [await layout.platformImage(), absent('application/x-not-an-image')]);
    const result = await verify(a, b);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('with media type "application/x-not-an-image", which is neither an image index nor an image manifest');
  });

  it('index.json with several real roots reads and compares each', async () => {
    const [a, b] = await pair('several-real-roots', async (layout) => [await layout.platformImage('amd64'), await layout.platformImage('arm64')]);
    const result = await verify(a, b);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('linux/amd64');
    expect(result.stdout).toContain('linux/arm64');
  });

  it('a document whose own mediaType contradicts its descriptor is refused', async () => {
    const [a, b] = await pair('media-type-lie', async (layout) => {
      const image = await layout.platformImage();
      // The manifest's bytes say "manifest"; the root claims it is an index of that shape.
      return [await layout.blob(OCI_INDEX, { schemaVersion: 2, mediaType: OCI_MANIFEST, manifests: [image] })];
    });
    const result = await verify(a, b);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`is named as ${OCI_INDEX} but says it is ${OCI_MANIFEST}`);
  });

  it('a non-image child beside a verified platform image is skipped with a note, and the verdict stands', async () => {
    const [a, b] = await pair('extra-child', async (layout) => [await layout.index([await layout.platformImage(), absent('application/vnd.example.sbom+json')])]);
    expect((await verify(a, b)).code).toBe(0);
    const verdict = await compareImages(await openOciLayout(a), await openOciLayout(b));
    expect(verdict.identical).toBe(true);
    expect(verdict.notes).toContainEqual(expect.stringContaining('application/vnd.example.sbom+json, which is not an image; skipped'));
  });

  it('the gate path (compareArtifacts) throws an OciError on the same layouts, so no verdict is given', async () => {
    const [a, b] = await pair('gate/unknown-root', async () => [absent('application/x-not-an-image')]);
    for (const [side, dir] of [['a', a], ['b', b]] as const) {
      await mkdir(join(root, 'gate', `artifact-${side}`), { recursive: true });
      await symlink(dir, join(root, 'gate', `artifact-${side}`, 'Dockerfile-link'));
    }
    // Symlinked image folders are not image folders at all: the artifact is then empty.
    await expect(openArtifact(join(root, 'gate', 'artifact-a'))).rejects.toThrow(OciError);
    const artifactA = new Map([['Dockerfile', await openOciLayout(a)]]);
    const artifactB = new Map([['Dockerfile', await openOciLayout(b)]]);
    await expect(compareArtifacts(artifactA, artifactB)).rejects.toThrow(/neither an image index nor an image manifest/);
    await expect(compareArtifacts(new Map(), new Map())).rejects.toThrow(OciError);
  });
});

describe('nested indexes are walked once per digest, within caps', () => {
  /** index.json → index 0 → … → index depth-1 → one manifest, every index naming the next level `k` times. */
  async function nestedLayout(name: string, k: number, depth: number): Promise<{ dir: string; blobs: number }> {
    const layout = await LayoutWriter.create(join(root, name));
    let level = await layout.platformImage();
    let blobs = 2;
    for (let i = 0; i < depth; i++) {
      level = await layout.index(Array.from({ length: k }, () => level));
      blobs += 1;
    }
    return { dir: await layout.indexJson([level]), blobs };
  }

  it('reads each blob once however often the indexes name it', async () => {
    const { dir, blobs } = await nestedLayout('dag', 12, 3);
    const { source, reads } = countingBlobReads(await openOciLayout(dir));
    const image = await loadImage(source);
    await image.blobs.verifyAll();
    expect(image.platforms.map((p) => p.platform)).toEqual(['linux/amd64']);
    expect(reads.size).toBe(blobs);
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
  });

  it('refuses indexes that name more descriptors than the cap, before reading past it', async () => {
    const k = Math.ceil(MAX_DESCRIPTORS / 3) + 1;
    const { dir, blobs } = await nestedLayout('wide-dag', k, 3);
    const { source, reads } = countingBlobReads(await openOciLayout(dir));
    await expect(loadImage(source)).rejects.toThrow(`${dir}: its indexes name more than ${MAX_DESCRIPTORS} manifests`);
    expect(reads.size).toBeLessThanOrEqual(blobs);
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
  });

  it('refuses nesting deeper than the cap', async () => {
    const { dir } = await nestedLayout('deep', 1, 6);
    await expect(loadImage(await openOciLayout(dir))).rejects.toThrow(`${dir}: indexes are nested deeper than 4 levels`);
  });

  it('refuses one digest named with two different sizes', async () => {
    const layout = await LayoutWriter.create(join(root, 'size-lie'));
    const image = await layout.platformImage();
    const dir = await layout.indexJson([await layout.index([image, { ...image, size: image.size + 1 }])]);
    await expect(loadImage(await openOciLayout(dir))).rejects.toThrow(`is named with ${image.size} bytes and with ${image.size + 1} bytes`);
  });
});

describe('a layout is read only through real directories inside it', () => {
  /** A good image, and a second layout whose `link` points into the first (or anywhere). */
  async function linked(name: string, link: string, target: (good: string) => string, copyBlobs = false): Promise<{ good: string; hostile: string }> {
    const goodLayout = await LayoutWriter.create(join(root, name, 'good'));
    const good = await goodLayout.indexJson([await goodLayout.index([await goodLayout.platformImage()])]);
    const hostile = join(root, name, 'hostile');
    await mkdir(hostile, { recursive: true });
    await copyFile(join(good, 'oci-layout'), join(hostile, 'oci-layout'));
    await copyFile(join(good, 'index.json'), join(hostile, 'index.json'));
    if (copyBlobs) await cp(join(good, 'blobs'), join(hostile, 'blobs'), { recursive: true });
    await mkdir(dirname(join(hostile, link)), { recursive: true });
    await symlink(target(good), join(hostile, link));
    return { good, hostile };
  }

  it.each([
    ['blobs', (good: string) => join(good, 'blobs'), 'blobs/ is a symlink'],
    ['blobs/sha256', (good: string) => join(good, 'blobs', 'sha256'), 'blobs/sha256/ is a symlink'],
  ])('refuses %s as a symlink out of the layout (exit 2), though the blobs it reaches are good', async (link, target, message) => {
    const { good, hostile } = await linked(`link-${link.replace('/', '-')}`, link, target);
    expect((await verify(good, good)).code).toBe(0);
    const result = await verify(good, hostile);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${hostile}: ${message}`);
  });

  it('refuses an oci-layout marker that is a symlink', async () => {
    const layout = await LayoutWriter.create(join(root, 'link-marker', 'good'));
    const good = await layout.indexJson([await layout.platformImage()]);
    const hostile = join(root, 'link-marker', 'hostile');
    await mkdir(hostile);
    await symlink(join(good, 'oci-layout'), join(hostile, 'oci-layout'));
    await expect(openOciLayout(hostile)).rejects.toThrow(`${hostile}: oci-layout is not a regular file`);
  });

  it('refuses an artifact folder whose layers/ is a symlink', async () => {
    const outside = join(root, 'link-layers', 'outside');
    await mkdir(outside, { recursive: true });
    const { good, hostile } = await linked('link-layers', 'layers', () => outside, true);
    const result = await verify(good, hostile);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${hostile}: layers/ is a symlink`);
  });
});

describe('OCI archives', () => {
  it('refuses an archive of more members than the cap, while indexing it', async () => {
    const file = join(root, 'many-members.tar');
    const members = Array.from({ length: MAX_ARCHIVE_MEMBERS + 1 }, (_, i) => ({ name: `blobs/sha256/junk-${i}`, data: '' }));
    await writeFile(file, tarArchive(members));
    await expect(openOciArchive(file)).rejects.toThrow(`${file}: has more than ${MAX_ARCHIVE_MEMBERS} members`);
  });
});
