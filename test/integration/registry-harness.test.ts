/**
 * Sanity test for the real-registry harness (test/support/global-setup.ts): the registry it
 * started serves, for every tag, the digest the push recorded.
 */
import { createHash } from 'node:crypto';
import { loadTestEnv, TEST_IMAGES, type TestEnv } from '../support/test-env.js';

const ALL_MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

function manifestUrl(env: TestEnv, name: string): string {
  const colon = name.lastIndexOf(':');
  return `${env.registryUrl}/v2/${name.slice(0, colon)}/manifests/${name.slice(colon + 1)}`;
}

describe('real registry harness', () => {
  const env = loadTestEnv();

  it('describes the registry and all images', () => {
    expect(env.registry).toBe(env.registryUrl.replace('http://', ''));
    expect(Object.keys(env.images).sort()).toEqual([...TEST_IMAGES].sort());
    expect(Object.keys(env.platformDigests['test/multi:1.0'] ?? {}).sort()).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('answers the registry API version check', async () => {
    const response = await fetch(`${env.registryUrl}/v2/`);
    expect(response.status).toBe(200);
  });

  it.each([...TEST_IMAGES])('serves the recorded digest for %s on HEAD', async (name) => {
    const response = await fetch(manifestUrl(env, name), { method: 'HEAD', headers: { Accept: ALL_MANIFEST_TYPES } });
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-content-digest')).toBe(env.images[name]);
    expect(response.headers.get('content-type')).toBe(env.mediaTypes[name]);
  });

  it('gives different digests to different images', () => {
    const digests = Object.values(env.images);
    expect(new Set(digests).size).toBe(digests.length);
    expect(env.images['test/busybox:1.36']).not.toBe(env.images['test/busybox:1.37']);
  });

  it('serves the per-platform manifests of test/multi:1.0, listed in its index', async () => {
    const index = (await (
      await fetch(manifestUrl(env, 'test/multi:1.0'), { headers: { Accept: ALL_MANIFEST_TYPES } })
    ).json()) as { manifests: Array<{ digest: string; platform: { os: string; architecture: string } }> };
    const platforms = env.platformDigests['test/multi:1.0'] ?? {};
    expect(
      Object.fromEntries(index.manifests.map((m) => [`${m.platform.os}/${m.platform.architecture}`, m.digest])),
    ).toEqual(platforms);
    for (const [platform, digest] of Object.entries(platforms)) {
      const response = await fetch(`${env.registryUrl}/v2/test/multi/manifests/${digest}`, {
        headers: { Accept: ALL_MANIFEST_TYPES },
      });
      expect(response.status).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      expect(`sha256:${createHash('sha256').update(body).digest('hex')}`).toBe(digest);
      const manifest = JSON.parse(body.toString('utf8')) as { config: { digest: string } };
      const config = (await (
        await fetch(`${env.registryUrl}/v2/test/multi/blobs/${manifest.config.digest}`)
      ).json()) as { os: string; architecture: string };
      expect(`${config.os}/${config.architecture}`).toBe(platform);
    }
  });
});
