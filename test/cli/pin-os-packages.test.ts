import nock from 'nock';
import { makeRepo, readRepo, runRepoPins } from '../support/cli-harness.js';
import { fixtureText, serveAlpineV320, serveDebianBookworm, serveUbuntuNoble, testKeyEnv } from '../support/package-indexes.js';
import { loadTestEnv } from '../support/test-env.js';
import { useNock } from '../support/nock.js';

/**
 * `repro-pins pin` on apk and apt package lists, with the package mirrors named in the repository
 * config and served by nock (every mocked request must be made), and base images from the real
 * loopback registry of the test environment.
 */
const env = loadTestEnv();
const R = env.registry;
const ALPINE = 'https://alpine.mirror.test/alpine';
const DEBIAN = 'https://deb.mirror.test/debian';
const SECURITY = 'https://security.mirror.test/debian-security';
const UBUNTU = 'http://ubuntu.mirror.test/ubuntu';

const config = (extra = '') =>
  [
    `alpine: { mirror: "${ALPINE}"${extra.includes('branch') ? ', branch: v3.20' : ''} }`,
    `debian: { mirror: "${DEBIAN}", securityMirror: "${SECURITY}" }`,
    `ubuntu: { mirror: "${UBUNTU}" }`,
    '',
  ].join('\n');

interface PinReport {
  changes: { file: string; line: number; manager: string; name: string; from: string | null; to: string; note?: string }[];
  errors: { file: string; line: number; dependency: string | null; message: string }[];
  skipped: { file: string; line: number; name: string; skipped: string }[];
}

useNock(/^127\.0\.0\.1:/);

/** The operator's trust, as a user sets it: the environment names the test keys the mirrors sign with. */
let keys: Record<string, string>;
beforeAll(async () => {
  keys = await testKeyEnv();
});

describe('repro-pins pin on apk and apt package lists', () => {
  test('pins Alpine, Debian and Ubuntu lists to the served versions, sorted, and reports a vanished version', async () => {
    serveAlpineV320(ALPINE);
    await serveDebianBookworm(DEBIAN, SECURITY);
    await serveUbuntuNoble(UBUNTU);
    const dir = await makeRepo({
      '.github/repro-pins.yml': config(),
      'Dockerfile': 'FROM alpine:3.20\nRUN apk add --no-cache openssl=3.3.2-r1 curl\n',
      'debian/Containerfile': 'FROM debian:bookworm-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl ca-certificates \\\n && rm -rf /var/lib/apt/lists/*\n',
      'ubuntu.Dockerfile': 'FROM ubuntu:24.04\nRUN apt update && apt install -y openssl curl\n',
    });
    const run = await runRepoPins(['pin', dir, '--json', '--only', 'apk,apt'], keys);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const after = await readRepo(dir);
    expect(after['Dockerfile']).toBe('FROM alpine:3.20\nRUN apk add --no-cache curl=8.12.1-r0 openssl=3.3.3-r0\n');
    expect(after['debian/Containerfile']).toBe(
      'FROM debian:bookworm-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates=20250419~deb12u2 curl=7.88.1-10+deb12u15 \\\n && rm -rf /var/lib/apt/lists/*\n',
    );
    expect(after['ubuntu.Dockerfile']).toBe('FROM ubuntu:24.04\nRUN apt update && apt install -y curl=8.5.0-2ubuntu10.16 openssl=3.0.13-0ubuntu3.16\n');
    const report = JSON.parse(run.stdout) as PinReport;
    expect(report.changes).toHaveLength(6);
    expect(report.changes.find((c) => c.name === 'openssl' && c.manager === 'apk')).toMatchObject({
      file: 'Dockerfile',
      line: 2,
      from: '3.3.2-r1',
      to: '3.3.3-r0',
      note: 'openssl=3.3.2-r1 is gone from Alpine v3.20, which keeps only the newest version of a package; re-pinned to 3.3.3-r0',
    });

    // A second run finds every pin current and writes nothing.
    serveAlpineV320(ALPINE);
    await serveDebianBookworm(DEBIAN, SECURITY);
    await serveUbuntuNoble(UBUNTU);
    const again = await runRepoPins(['pin', dir, '--json', '--only', 'apk,apt'], keys);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ changes: [], written: [] });
    expect(await readRepo(dir)).toEqual(after);
  });

  test('a package no index has fails the run naming file, line and package; the rest is still written', async () => {
    serveAlpineV320(ALPINE, { community: true });
    const dir = await makeRepo({ '.github/repro-pins.yml': config(), 'Dockerfile': 'FROM alpine:3.20\nRUN apk add \\\n      curl \\\n      no-such-package\n' });
    const run = await runRepoPins(['pin', dir, '--only', 'apk'], keys);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: Dockerfile:4: no-such-package: package "no-such-package" is not in Alpine v3.20 (main, community; x86_64)\n');
    expect((await readRepo(dir))['Dockerfile']).toBe('FROM alpine:3.20\nRUN apk add \\\n      curl=8.12.1-r0 \\\n      no-such-package\n');
  });

  test('a base image without a release is skipped with its reason, not an error', async () => {
    const dir = await makeRepo({ 'Dockerfile': 'FROM node:20-alpine\nRUN apk add curl\n' });
    const run = await runRepoPins(['pin', dir, '--json', '--only', 'apk'], keys);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as PinReport).skipped).toEqual([
      expect.objectContaining({ file: 'Dockerfile', line: 2, name: 'curl', skipped: expect.stringContaining('set alpine.branch in .github/repro-pins.yml') }),
    ]);
  });

  test('the image digest and the package pins land together in one file', async () => {
    serveAlpineV320(ALPINE);
    // Loopback images say nothing about Alpine: the config names the branch.
    const text = fixtureText('apk/python-alpine.Dockerfile')
      .replace('# syntax=docker/dockerfile:1.7', `# syntax=${R}/test/app:2.0`)
      .replace('FROM python:${PYTHON_VERSION}-alpine3.20 AS build', `FROM ${R}/test/busybox:1.37 AS build`)
      .replace('FROM alpine:3.20.3 AS runtime', `FROM ${R}/test/busybox:1.36 AS runtime`);
    const dir = await makeRepo({ '.github/repro-pins.yml': config('branch'), 'Dockerfile': text });
    const run = await runRepoPins(['pin', dir, '--json', '--only', 'dockerfile,apk'], keys);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as PinReport).changes.map((c) => c.manager)).toEqual(['dockerfile', 'dockerfile', 'dockerfile', ...Array(9).fill('apk')]);
    const pinned = (await readRepo(dir))['Dockerfile']!;
    expect(pinned).toContain(`# syntax=${R}/test/app:2.0@${env.images['test/app:2.0']}\n`);
    expect(pinned).toContain(`FROM ${R}/test/busybox:1.37@${env.images['test/busybox:1.37']} AS build\n`);
    expect(pinned).toContain(`FROM ${R}/test/busybox:1.36@${env.images['test/busybox:1.36']} AS runtime\n`);
    expect(pinned).toContain('run apk add --no-cache \\\n      ca-certificates=20241121-r1 \\\n      curl=8.12.1-r0 \\\n      openssl=3.3.3-r0 \\\n');
    expect(pinned).toContain('apk -U add bash=5.2.26-r0 jq=1.7.1-r0\n');
    expect(pinned).toContain('        gcc=13.2.1_git20240309-r0 \\\n        musl-dev=1.2.5-r0 \\\n        openssl-dev=3.3.3-r0 \\\n');
    expect(pinned).toContain('RUN ["/bin/sh", "-c", "apk add --no-cache git=2.45.3-r0"]\n');
  });
});
