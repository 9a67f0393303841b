/**
 * `repro-pins verify` on real buildah builds (vfs, chroot) from the loopback registry's busybox
 * images: verdicts and diagnoses on OCI archives, layout directories and artifact folders, the
 * workflow's listing script run on those archives, and tampered blobs.
 */
import { appendFile, cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareImages, openImageSource, renderDiagnosis, type Verdict } from '../../src/oci/index.js';
import { readLayerFiles, parseListing } from '../../src/oci/layer-files.js';
import { loadImage } from '../../src/oci/image.js';
import { runRepoPins } from '../support/cli-harness.js';
import { loadTestEnv } from '../support/test-env.js';
import { dockerfile, PYTHON, run, TestBuildah, unpack } from './support/buildah.js';

const LISTING_SCRIPT = join(process.cwd(), 'templates', 'repro-listing.py');
const EPOCH = 1700000000;

interface Builds {
  repro1: string;
  repro2: string;
  date1: string;
  date2: string;
  unclamped: string;
  multi1: string;
  multi2: string;
}

let buildah: TestBuildah;
let builds: Builds;
const started = Date.now();

beforeAll(async () => {
  const env = loadTestEnv();
  buildah = await TestBuildah.create();
  const repro = await buildah.context('repro', {
    Dockerfile: dockerfile(env.registry, 'test/busybox:1.36', 'RUN mkdir -p /app && echo "hello" > /app/greeting', 'COPY app.txt /app/app.txt'),
    'app.txt': 'app 1.0\n',
  });
  const date = await buildah.context('date', {
    // busybox's date has no %N (it prints it literally), so the sleep makes sure the second
    // build's clock reads a later second than the first's.
    Dockerfile: dockerfile(env.registry, 'test/busybox:1.36', 'RUN sleep 1 && date +%s%N > /built-at'),
  });
  // The foreign platform gets COPY-only Dockerfiles: nothing runs, so no emulator is needed.
  const arm = (text: string) => buildah.context(`arm-${text.length}`, {
    Dockerfile: `FROM ${env.registry}/test/multi:1.0\nCOPY platform.txt /etc/platform.txt\n`,
    'platform.txt': text,
  });
  // Builds run one after another (buildah's vfs store is not shared safely between processes).
  const repro1 = await buildah.build(repro, 'repro-1.tar', { timestamp: EPOCH });
  const repro2 = await buildah.build(repro, 'repro-2.tar', { timestamp: EPOCH });
  const date1 = await buildah.build(date, 'date-1.tar', { timestamp: EPOCH });
  const date2 = await buildah.build(date, 'date-2.tar', { timestamp: EPOCH });
  const unclamped = await buildah.build(repro, 'unclamped.tar', { timestamp: null });
  const arm1 = await buildah.build(await arm('arm64 build\n'), 'arm-1.tar', { timestamp: EPOCH, platform: 'linux/arm64' });
  const arm2 = await buildah.build(await arm('arm64 build, other\n'), 'arm-2.tar', { timestamp: EPOCH, platform: 'linux/arm64' });
  const multi1 = await buildah.index('multi-1.tar', [repro1, arm1]);
  const multi2 = await buildah.index('multi-2.tar', [repro2, arm2]);
  builds = { repro1, repro2, date1, date2, unclamped, multi1, multi2 };
  // eslint-disable-next-line no-console
  console.info(`verify-buildah: 7 builds and 2 indexes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 300_000);

afterAll(async () => {
  await buildah?.cleanUp();
});

async function verify(a: string, b: string): Promise<{ code: number; stdout: string; stderr: string; json: { identical: boolean; verdict: Verdict } }> {
  const text = await runRepoPins(['verify', a, b]);
  const json = await runRepoPins(['verify', a, b, '--json']);
  expect(json.code).toBe(text.code);
  return { ...text, json: JSON.parse(json.stdout) as { identical: boolean; verdict: Verdict } };
}

/** Runs the workflow's listing script on an archive, as the workflow does after `tar -xf`. */
async function artifactFolder(archive: string, root: string, name: string): Promise<string> {
  const layout = await unpack(archive, join(buildah.root, 'layouts', `${root}-${name}`));
  const out = join(buildah.root, 'artifacts', root, name);
  await run(PYTHON, [LISTING_SCRIPT, layout, out]);
  await writeFile(join(out, 'build.json'), JSON.stringify({ runner: { label: 'test' }, tools: { buildah: 'test' }, sourceDateEpoch: EPOCH }));
  return out;
}

describe('verify on real buildah builds', () => {
  it('says identical for two builds of a reproducible Dockerfile (exit 0)', async () => {
    const result = await verify(builds.repro1, builds.repro2);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^identical: both builds are image sha256:[a-f0-9]{64} \(linux\/amd64\)/);
    expect(result.json.identical).toBe(true);
    expect(result.json.verdict.causes).toEqual([]);
  });

  it('names /built-at and "content" when a RUN step writes the time (exit 1)', async () => {
    const result = await verify(builds.date1, builds.date2);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('/built-at: content');
    const [platform] = result.json.verdict.platforms;
    expect(platform?.status).toBe('different');
    const files = platform?.layers.flatMap((l) => l.files ?? []) ?? [];
    expect(files.map((f) => [f.path, f.aspects])).toEqual([['built-at', ['content']]]);
    // The base layer is the same: only the layer the RUN steps wrote differs, found by diffID.
    expect(platform?.layers.map((l) => l.status)).toEqual(['same', 'different']);
    expect(result.json.verdict.causes[0]?.id).toBe('nondeterministic-content');
    expect(result.json.verdict.causes[0]?.evidence.join(' ')).toContain('/built-at (content)');
  });

  it('names the timestamps and points at SOURCE_DATE_EPOCH when one build has no fixed timestamp', async () => {
    const result = await verify(builds.repro1, builds.unclamped);
    expect(result.code).toBe(1);
    const causes = result.json.verdict.causes.map((c) => c.id);
    expect(causes[0]).toBe('unclamped-timestamps');
    expect(causes).toContain('config-timestamps');
    expect(result.stdout).toMatch(/\/app\/greeting: mtime \(mtime 2023-11-14T22:13:20Z vs 20\d\d-/);
    expect(result.stdout).toContain('config created: 2023-11-14T22:13:20Z vs');
    expect(result.stdout).toContain('SOURCE_DATE_EPOCH');
    expect(result.stdout).toContain('--timestamp $SOURCE_DATE_EPOCH');
    expect(result.stdout).toContain('rewrite-timestamp=true');
    // Only timestamps differ: no file's content.
    const files = result.json.verdict.platforms.flatMap((p) => p.layers.flatMap((l) => l.files ?? []));
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.aspects.join() === 'mtime')).toBe(true);
  });

  it('compares a multi-arch index platform by platform and names the one that differs', async () => {
    const result = await verify(builds.multi1, builds.multi2);
    expect(result.code).toBe(1);
    const platforms = Object.fromEntries(result.json.verdict.platforms.map((p) => [p.platform, p.status]));
    expect(platforms).toEqual({ 'linux/amd64': 'same', 'linux/arm64': 'different' });
    expect(result.stdout).toContain('linux/amd64: same');
    expect(result.stdout).toContain('/etc/platform.txt: content');
    // buildah's manifest push compresses the layers: read through gzip.
    const arm = result.json.verdict.platforms.find((p) => p.platform === 'linux/arm64');
    expect(arm?.layers.find((l) => l.status === 'different')?.mediaTypeA).toMatch(/gzip$/);
  });

  it('gives the same verdicts on layout directories, archives and artifact folders alike', async () => {
    const layout1 = await unpack(builds.repro1, join(buildah.root, 'layout-repro-1'));
    const dateLayout = await unpack(builds.date2, join(buildah.root, 'layout-date-2'));
    const artifact = await artifactFolder(builds.repro1, 'forms', 'Dockerfile');
    expect((await verify(layout1, builds.repro2)).code).toBe(0);
    expect((await verify(artifact, builds.repro2)).code).toBe(0);
    expect((await verify(artifact, layout1)).code).toBe(0);
    const dateArtifact = await artifactFolder(builds.date1, 'forms-date', 'Dockerfile');
    const fromForms = await verify(dateArtifact, dateLayout);
    expect(fromForms.code).toBe(1);
    expect(fromForms.stdout).toContain('/built-at: content');
    expect(fromForms.json.verdict.a.form).toBe('artifact-folder');
    expect(fromForms.json.verdict.b.form).toBe('oci-layout');
  });
});

describe('the workflow listing script (templates/repro-listing.py) on real archives', () => {
  it('writes artifact folders that verify reads: identical images pass, the differing one is named', async () => {
    for (const [root, repro, date] of [['repro-build-1', builds.repro1, builds.date1], ['repro-build-2', builds.repro2, builds.date2]] as const) {
      await artifactFolder(repro, root, 'Dockerfile');
      await artifactFolder(date, root, 'services__clock__Dockerfile');
    }
    const root1 = join(buildah.root, 'artifacts', 'repro-build-1');
    const root2 = join(buildah.root, 'artifacts', 'repro-build-2');
    // Layer blobs are left out: the diagnosis comes from layers/<hex>.jsonl alone.
    // buildah wrote a single manifest (no index): the folder holds its manifest and config.
    const blobs = await readdir(join(root1, 'Dockerfile', 'blobs', 'sha256'));
    expect(blobs.length).toBe(2);
    expect((await readdir(join(root1, 'Dockerfile', 'layers'))).length).toBe(2);
    const result = await runRepoPins(['verify', root1, root2, '--json']);
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout) as { identical: boolean; artifact: { images: Array<{ name: string; verdict: Verdict }> } };
    const byName = Object.fromEntries(body.artifact.images.map((i) => [i.name, i.verdict]));
    expect(byName.Dockerfile?.identical).toBe(true);
    expect(byName.services__clock__Dockerfile?.identical).toBe(false);
    expect(renderDiagnosis(byName.services__clock__Dockerfile!, 'markdown')).toContain('| `/built-at` | content |');
    const text = await runRepoPins(['verify', root1, root2]);
    expect(text.stdout).toContain('== services__clock__Dockerfile');
    expect(text.stdout).toContain('/built-at: content');
  });

  it('lists every layer exactly as the engine reads it from the layer tar', async () => {
    for (const archive of [builds.date1, builds.unclamped, builds.multi2]) {
      const name = archive.split('/').pop()!.replace('.tar', '');
      const artifact = await artifactFolder(archive, 'listing-equality', name);
      const image = await loadImage(await openImageSource(archive));
      for (const platform of image.platforms) {
        for (const layer of platform.layers) {
          const fromTar = await readLayerFiles(image.blobs, layer.descriptor, layer.diffId);
          const jsonl = await readFile(join(artifact, 'layers', `${layer.descriptor.digest.slice(7)}.jsonl`), 'utf8');
          expect(fromTar.kind).toBe('listed');
          expect(fromTar.kind === 'listed' ? fromTar.entries : null).toEqual(parseListing(jsonl, artifact, 'listing'));
        }
      }
    }
  });
});

describe('integrity', () => {
  it('refuses a tampered layer blob with an integrity error (exit 2), never a verdict', async () => {
    const layout = await unpack(builds.repro1, join(buildah.root, 'tampered-layer'));
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }> };
    const layer = manifest.layers[manifest.layers.length - 1]!.digest;
    await appendFile(join(layout, 'blobs', 'sha256', layer.slice(7)), 'x');
    for (const args of [[layout, builds.repro2], [builds.repro2, layout]]) {
      const result = await runRepoPins(['verify', ...args]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`integrity error: ${layout}: blob ${layer} hashes to sha256:`);
    }
    const json = await runRepoPins(['verify', layout, builds.repro2, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { kind: 'integrity', location: layout } });
  });

  it('refuses a tampered config in an artifact folder, even when the images would otherwise match', async () => {
    const artifact = await artifactFolder(builds.repro2, 'tampered', 'Dockerfile');
    const image = await loadImage(await openImageSource(artifact));
    const configFile = join(artifact, 'blobs', 'sha256', image.platforms[0]!.configDigest.slice(7));
    const config = await readFile(configFile, 'utf8');
    await writeFile(configFile, config.replace('"amd64"', '"arm64"'));
    const result = await runRepoPins(['verify', builds.repro1, artifact]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/integrity error: .*config sha256:[a-f0-9]{64} hashes to sha256:/);
  });

  it('refuses a blob that was replaced inside an OCI archive', async () => {
    const layout = await unpack(builds.repro2, join(buildah.root, 'tampered-archive'));
    const blobsDir = join(layout, 'blobs', 'sha256');
    const [first] = (await readdir(blobsDir)).sort();
    await appendFile(join(blobsDir, first!), '\n');
    const archive = join(buildah.root, 'out', 'tampered.tar');
    await run('tar', ['-cf', archive, '-C', layout, '.']);
    const result = await runRepoPins(['verify', builds.repro1, archive]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('integrity error');
  });

  it('refuses a listing for a layer no manifest names', async () => {
    const artifact = await artifactFolder(builds.repro1, 'stray-listing', 'Dockerfile');
    await mkdir(join(artifact, 'layers'), { recursive: true });
    await writeFile(join(artifact, 'layers', `${'ab'.repeat(32)}.jsonl`), '');
    const result = await runRepoPins(['verify', artifact, builds.repro2]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('lists a layer that no image manifest names');
  });
});

describe('verify input errors', () => {
  it('exits 2 naming the path for a missing input or a folder that is no image', async () => {
    const missing = await runRepoPins(['verify', join(buildah.root, 'nope'), builds.repro1]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope: does not exist');
    const empty = join(buildah.root, 'empty-dir');
    await mkdir(empty, { recursive: true });
    const notImage = await runRepoPins(['verify', empty, builds.repro1]);
    expect(notImage.code).toBe(2);
    expect(notImage.stderr).toContain('is not an OCI archive, an OCI layout');
    const copy = join(buildah.root, 'not-a-tar.tar');
    await cp(LISTING_SCRIPT, copy);
    const notTar = await runRepoPins(['verify', copy, builds.repro1]);
    expect(notTar.code).toBe(2);
    expect(notTar.stderr).toContain('is not a readable tar archive');
  });

  it('compares through the library API the App uses', async () => {
    const verdict = await compareImages(await openImageSource(builds.date1), await openImageSource(builds.date2));
    expect(verdict.identical).toBe(false);
    expect(renderDiagnosis(verdict, 'markdown')).toContain('**Not reproducible**');
  });
});
