/**
 * The comparison on artifact folders written here (jsonl listings, no layer blobs), for what real
 * builds in this environment cannot produce: attestation manifests and platform-set changes.
 * Real buildah builds are compared in test/oci/verify-buildah.test.ts.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareImages } from './compare.js';
import { renderDiagnosis } from './render.js';
import { digestOf, digestHex, type Digest } from './digest.js';
import { openImageSource } from './open.js';
import type { FileEntry } from './schema.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'repro-pins-compare-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface PlatformSpec {
  arch: string;
  files: FileEntry[];
  created?: string;
}

function file(path: string, content: string): FileEntry {
  return { path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: content.length, mtime: 0, sha256: digestHex(digestOf(Buffer.from(content))), linkname: '' };
}

/** Writes an artifact image folder: an index of platform manifests (+ attestations), listings instead of layer blobs. */
async function artifact(name: string, platforms: PlatformSpec[], attestations: string[] = []): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await mkdir(join(dir, 'layers'), { recursive: true });
  const blob = async (value: unknown): Promise<{ digest: Digest; size: number }> => {
    const bytes = Buffer.from(JSON.stringify(value));
    const digest = digestOf(bytes);
    await writeFile(join(dir, 'blobs', 'sha256', digestHex(digest)), bytes);
    return { digest, size: bytes.length };
  };
  const manifests = [];
  for (const p of platforms) {
    const listing = `${p.files.map((f) => JSON.stringify(f)).join('\n')}\n`;
    // Stand-in layer digest (the blob is left out, as the artifact allows): the listing's own hash.
    const layer = digestOf(Buffer.from(listing));
    await writeFile(join(dir, 'layers', `${digestHex(layer)}.jsonl`), listing);
    const config = await blob({ created: p.created ?? '1970-01-01T00:00:00Z', architecture: p.arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [layer] } });
    const manifest = await blob({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: 1000 }],
    });
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: { os: 'linux', architecture: p.arch } });
  }
  for (const [i, text] of attestations.entries()) {
    const statement = await blob({ _type: 'https://in-toto.io/Statement/v0.1', predicate: { buildStartedOn: text } });
    const config = await blob({});
    const manifest = await blob({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.in-toto+json', ...statement }],
    });
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': manifests[i]?.digest ?? '' },
    });
  }
  const index = await blob({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index }] }));
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, 'build.json'), JSON.stringify({ runner: { label: name }, tools: { buildkit: 'v0.19.0' }, sourceDateEpoch: 0 }));
  return dir;
}

const app = [file('app/main.py', 'print(1)\n')];

describe('compareImages on artifact folders', () => {
  it('skips attestation manifests and blames the index alone when only they differ', async () => {
    const a = await artifact('att-a', [{ arch: 'amd64', files: app }], ['2024-01-01T00:00:00Z']);
    const b = await artifact('att-b', [{ arch: 'amd64', files: app }], ['2024-01-01T00:00:09Z']);
    const verdict = await compareImages(await openImageSource(a), await openImageSource(b));
    expect(verdict.identical).toBe(false);
    expect(verdict.platforms.map((p) => [p.platform, p.status])).toEqual([['linux/amd64', 'same']]);
    expect(verdict.a.attestations).toBe(1);
    expect(verdict.causes.map((c) => c.id)).toEqual(['attestations']);
  });

  it('finds package-manager state and Python bytecode from listings alone', async () => {
    const base = [file('usr/bin/python3', 'elf')];
    const a = await artifact('pm-a', [{ arch: 'amd64', files: [...base, file('var/lib/apt/lists/lock', ''), file('var/log/dpkg.log', 'install 10:00'), file('app/__pycache__/main.cpython-312.pyc', 'pyc-a')] }]);
    const b = await artifact('pm-b', [{ arch: 'amd64', files: [...base, file('var/lib/apt/lists/lock', ''), file('var/log/dpkg.log', 'install 10:07'), file('app/__pycache__/main.cpython-312.pyc', 'pyc-b')] }]);
    const verdict = await compareImages(await openImageSource(a), await openImageSource(b));
    const files = verdict.platforms[0]?.layers[0]?.files?.map((f) => [f.path, f.aspects]);
    expect(files).toEqual([['var/log/dpkg.log', ['content']], ['app/__pycache__/main.cpython-312.pyc', ['content']]]);
    expect(verdict.causes.map((c) => c.id)).toEqual(['package-manager-state', 'python-bytecode']);
  });

  it('names a platform only one build has', async () => {
    const a = await artifact('plat-a', [{ arch: 'amd64', files: app }, { arch: 'arm64', files: app }]);
    const b = await artifact('plat-b', [{ arch: 'amd64', files: app }]);
    const verdict = await compareImages(await openImageSource(a), await openImageSource(b));
    expect(verdict.platforms.map((p) => [p.platform, p.status])).toEqual([['linux/amd64', 'same'], ['linux/arm64', 'only-in-a']]);
    expect(verdict.causes[0]?.id).toBe('platforms-differ');
  });

  it('renders file names from the image as inert Markdown: no forged table row, mention or HTML', async () => {
    const hostile = 'app/x`|<img src=x>\n| forged | row |@octocat';
    const a = await artifact('md-a', [{ arch: 'amd64', files: [file(hostile, 'a')] }]);
    const b = await artifact('md-b', [{ arch: 'amd64', files: [file(hostile, 'b')] }]);
    const markdown = renderDiagnosis(await compareImages(await openImageSource(a), await openImageSource(b)), 'markdown');
    const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
    const fileRow = rows.find((line) => line.includes('app/x'));
    expect(fileRow).toBeDefined();
    // Three cells: the pipes inside the path are escaped, so splitting on unescaped pipes gives 5 parts.
    expect(fileRow!.split(/(?<!\\)\|/)).toHaveLength(5);
    expect(markdown).not.toContain('\n| forged');
    // In the table the path is a code span, where nothing is HTML or a mention; everywhere else
    // (the causes' evidence) it is escaped text.
    expect(fileRow!.split(/(?<!\\)\|/)[1]).toMatch(/^ (`{2,}).*\1 $/);
    const outsideTable = markdown.split('\n').filter((line) => !line.startsWith('| '));
    expect(outsideTable.join('\n')).toContain('&lt;img src=x&gt;');
    expect(outsideTable.filter((line) => line.includes('<img') || /@octocat/.test(line))).toEqual([]);
  });
});
