/**
 * Twice-build artifacts for the App's gate tests, made the way the workflow makes them: real
 * buildah builds (vfs, chroot) from the loopback registry's busybox image, each OCI archive
 * unpacked and turned into `repro-build-N/Dockerfile/` by the workflow's own listing script
 * (templates/repro-listing.py), then zipped with Python's zipfile.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerfile, PYTHON, run, TestBuildah, unpack } from '../oci/support/buildah.js';
import { craftZip, zipFolder } from './zip-fixtures.js';

const LISTING_SCRIPT = join(process.cwd(), 'templates', 'repro-listing.py');
const EPOCH = 1700000000;
/** The runner labels of the template's two build jobs (its matrix), as each build's build.json claims them. */
export const RUNNERS = ['ubuntu-24.04', 'ubuntu-22.04'] as const;

export interface GateArtifacts {
  /** Two builds of a reproducible Dockerfile. */
  identical: [Buffer, Buffer];
  /** The image digest both identical builds have (from the first build's index.json). */
  identicalDigest: string;
  /** Two builds of `RUN date +%s%N > /built-at`. */
  different: [Buffer, Buffer];
  /** The second identical build with its config blob edited after the fact. */
  tampered: Buffer;
  /** The second identical build without its build.json: it does not say where it ran. */
  unclaimed: Buffer;
  /** A zip with a `../` entry beside a real layout. */
  traversal: Buffer;
}

export async function buildGateArtifacts(registry: string): Promise<{ artifacts: GateArtifacts; cleanUp: () => Promise<void> }> {
  const buildah = await TestBuildah.create();
  try {
    const repro = await buildah.context('repro', { Dockerfile: dockerfile(registry, 'test/busybox:1.36', 'RUN mkdir -p /app && echo "hello" > /app/greeting') });
    // busybox's date has no %N; the sleep makes the second build read a later second.
    const date = await buildah.context('date', { Dockerfile: dockerfile(registry, 'test/busybox:1.36', 'RUN sleep 1 && date +%s%N > /built-at') });
    const builds = {
      repro1: await buildah.build(repro, 'repro-1.tar', { timestamp: EPOCH }),
      repro2: await buildah.build(repro, 'repro-2.tar', { timestamp: EPOCH }),
      date1: await buildah.build(date, 'date-1.tar', { timestamp: EPOCH }),
      date2: await buildah.build(date, 'date-2.tar', { timestamp: EPOCH }),
    };

    /** `repro-build-N/` holding one image folder, as the workflow's listing step writes it. */
    const artifact = async (archive: string, root: string, runner: string): Promise<string> => {
      const layout = await unpack(archive, join(buildah.root, 'layouts', root));
      const out = join(buildah.root, 'artifacts', root, 'Dockerfile');
      await run(PYTHON, [LISTING_SCRIPT, layout, out]);
      await writeFile(join(out, 'build.json'), JSON.stringify({ runner: { label: runner, imageOS: runner.replace(/^ubuntu-(\d+)\.04$/, 'ubuntu$1'), imageVersion: '20261130.1' }, tools: { buildah: 'test' }, sourceDateEpoch: EPOCH }));
      return join(buildah.root, 'artifacts', root);
    };
    const identical1 = await artifact(builds.repro1, 'identical-1', RUNNERS[0]);
    const identical2 = await artifact(builds.repro2, 'identical-2', RUNNERS[1]);
    const different1 = await artifact(builds.date1, 'different-1', RUNNERS[0]);
    const different2 = await artifact(builds.date2, 'different-2', RUNNERS[1]);

    const unclaimed = join(buildah.root, 'artifacts', 'unclaimed');
    await cp(identical2, unclaimed, { recursive: true });
    await rm(join(unclaimed, 'Dockerfile', 'build.json'));

    const tampered = join(buildah.root, 'artifacts', 'tampered');
    await cp(identical2, tampered, { recursive: true });
    const index = JSON.parse(await readFile(join(tampered, 'Dockerfile', 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifestDigest = index.manifests[0]!.digest;
    const manifest = JSON.parse(await readFile(join(tampered, 'Dockerfile', 'blobs', 'sha256', manifestDigest.slice(7)), 'utf8')) as { config: { digest: string } };
    const configFile = join(tampered, 'Dockerfile', 'blobs', 'sha256', manifest.config.digest.slice(7));
    await writeFile(configFile, (await readFile(configFile, 'utf8')).replace('"amd64"', '"arm64"'));

    const layoutMarker = await readFile(join(identical1, 'Dockerfile', 'oci-layout'));
    return {
      artifacts: {
        identical: [await zipFolder(identical1), await zipFolder(identical2)],
        identicalDigest: manifestDigest,
        different: [await zipFolder(different1), await zipFolder(different2)],
        tampered: await zipFolder(tampered),
        unclaimed: await zipFolder(unclaimed),
        traversal: craftZip([
          { name: 'Dockerfile/oci-layout', data: layoutMarker },
          { name: '../escaped-from-the-artifact', data: 'written outside?' },
        ]),
      },
      cleanUp: () => buildah.cleanUp(),
    };
  } catch (error) {
    await buildah.cleanUp();
    throw error;
  }
}
