import { createHash } from 'node:crypto';
import { readRepo, makeRepo, runRepoPins } from '../support/cli-harness.js';
import { loadTestEnv } from '../support/test-env.js';
// A port that was free a moment ago: nothing listens there, so the registry on it is unreachable.
import { freePort } from '../../bench/loopback-registry.js';

const env = loadTestEnv();
const R = env.registry;
const digest = (image: string) => env.images[image]!;
const stale = `sha256:${createHash('sha256').update('repro-pins stale digest fixture').digest('hex')}`;

const dockerfile = [
  '# syntax=' + `${R}/test/app:2.0`,
  `ARG BASE=${R}/test/busybox:1.36`,
  'ARG CHOSEN_AT_BUILD_TIME',
  `FROM \${BASE} AS build`,
  'RUN echo build > /out',
  '',
  `FROM ${R}/test/multi:1.0@${stale} AS runtime`,
  'COPY --from=build /out /out',
  `COPY --from=${R}/test/busybox:1.37 /bin/busybox /bin/busybox`,
  'FROM ${CHOSEN_AT_BUILD_TIME}',
  'FROM scratch',
  'COPY --from=runtime / /',
  '',
].join('\r\n');

describe('repro-pins pin against a real registry on loopback', () => {
  test('writes exactly the digests the registry serves and leaves every other byte alone', async () => {
    const dir = await makeRepo({ Dockerfile: dockerfile, 'services/api/Containerfile': `FROM ${R}/test/multi:1.0\n`, 'README.md': `FROM ${R}/test/app:2.0\n` });
    const before = await readRepo(dir);
    const run = await runRepoPins(['pin', dir, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const after = await readRepo(dir);

    const expected = dockerfile
      .replace(`test/app:2.0`, `test/app:2.0@${digest('test/app:2.0')}`)
      .replace(`test/busybox:1.36`, `test/busybox:1.36@${digest('test/busybox:1.36')}`)
      .replace(`test/multi:1.0@${stale}`, `test/multi:1.0@${digest('test/multi:1.0')}`)
      .replace(`test/busybox:1.37`, `test/busybox:1.37@${digest('test/busybox:1.37')}`);
    expect(after.Dockerfile).toBe(expected);
    // A multi-arch tag is pinned to its index digest, not to one platform's manifest.
    expect(after['services/api/Containerfile']).toBe(`FROM ${R}/test/multi:1.0@${digest('test/multi:1.0')}\n`);
    expect(Object.values(env.platformDigests['test/multi:1.0']!)).not.toContain(digest('test/multi:1.0'));
    expect(after['README.md']).toBe(before['README.md']);

    const report = JSON.parse(run.stdout) as { changes: { file: string; from: string | null; to: string }[]; skipped: { line: number; skipped: string }[] };
    expect(report.changes).toHaveLength(5);
    expect(report.changes.find((c) => c.from === stale)?.to).toBe(digest('test/multi:1.0'));
    expect(report.skipped).toEqual([expect.objectContaining({ line: 10, skipped: 'ARG CHOSEN_AT_BUILD_TIME has no default value, so the image is only known at build time' })]);

    // A second run finds everything current and writes nothing.
    const again = await runRepoPins(['pin', dir, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).changes).toEqual([]);
    expect(await readRepo(dir)).toEqual(after);
  });

  test('--dry-run prints the plan and writes nothing', async () => {
    const dir = await makeRepo({ Dockerfile: `FROM ${R}/test/app:2.0\n` });
    const run = await runRepoPins(['pin', dir, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Dockerfile:1\t${R}/test/app:2.0\t${digest('test/app:2.0')}\n`);
    expect(run.stderr).toContain('would pin 1 references in 1 files');
    expect((await readRepo(dir)).Dockerfile).toBe(`FROM ${R}/test/app:2.0\n`);
  });

  test('a missing tag and an unreachable registry are named with file, line and reference; the other files are still pinned', async () => {
    const port = await freePort();
    const dir = await makeRepo({
      'a/Dockerfile': `FROM ${R}/test/app:9.9\n`,
      'b/Dockerfile': `FROM scratch AS ok\nFROM 127.0.0.1:${port}/gone/image:1.0\n`,
      'c/Dockerfile': `FROM ${R}/test/app:2.0\n`,
    });
    const run = await runRepoPins(['pin', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: a/Dockerfile:1: ${R}/test/app:9.9: tag "9.9" not found`);
    expect(run.stderr).toMatch(new RegExp(`error: b/Dockerfile:2: 127\\.0\\.0\\.1:${port}/gone/image:1\\.0: could not reach registry 127\\.0\\.0\\.1:${port}`));
    const after = await readRepo(dir);
    expect(after['c/Dockerfile']).toBe(`FROM ${R}/test/app:2.0@${digest('test/app:2.0')}\n`);
    expect(after['a/Dockerfile']).toBe(`FROM ${R}/test/app:9.9\n`);
  });

  test('an invalid config exits 2 naming the key and the line, and touches nothing', async () => {
    const dir = await makeRepo({ Dockerfile: `FROM ${R}/test/app:2.0\n`, '.github/repro-pins.yml': 'managers: [dockerfile, maven]\nupdates: weekly\n' });
    const run = await runRepoPins(['pin', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('.github/repro-pins.yml:1: managers.1:');
    expect(run.stderr).toContain('.github/repro-pins.yml:2: updates:');
    expect((await readRepo(dir)).Dockerfile).toBe(`FROM ${R}/test/app:2.0\n`);
  });

  test('--only filters managers and rejects unknown names with exit 2', async () => {
    const dir = await makeRepo({ Dockerfile: `FROM ${R}/test/app:2.0\n` });
    expect((await runRepoPins(['pin', dir, '--only', 'pip', '--dry-run'])).stderr).toContain('would pin 0 references');
    const bad = await runRepoPins(['pin', dir, '--only', 'dockerfile,maven']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--only: unknown manager "maven"');
  });
});

describe('repro-pins pin rewrites YAML files without reformatting them', () => {
  test('compose, workflow and .ko.yaml references get the registry digests; comments, quotes and CRLF stay', async () => {
    const compose = [
      '# the stack',
      'services:',
      '  api:',
      `    image: "${R}/test/app:2.0"   # quoted, with a comment`,
      '    ports: ["8080:8080"]',
      '  worker:',
      `    image: ${R}/test/busybox:1.36@${stale}`,
      '  built:',
      '    build: .',
      `    image: ${R}/test/app:2.0`,
      '  templated:',
      '    image: ${REGISTRY:-ghcr.io}/acme/tool:1.0',
      '',
    ].join('\r\n');
    const workflow = [
      'on: push',
      'jobs:',
      '  test:',
      '    runs-on: ubuntu-24.04',
      `    container: ${R}/test/multi:1.0`,
      '    services:',
      '      cache:',
      `        image: '${R}/test/busybox:1.37'`,
      '    steps:',
      `      - uses: docker://${R}/test/app:2.0`,
      '      - uses: ./local-action',
      '',
    ].join('\n');
    const ko = `defaultBaseImage: ${R}/test/busybox:1.36\nbaseImageOverrides:\n  example.com/cmd/tool: ${R}/test/multi:1.0\n`;
    const dir = await makeRepo({ 'deploy/docker-compose.yml': compose, '.github/workflows/ci.yml': workflow, '.ko.yaml': ko });
    const run = await runRepoPins(['pin', dir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('skipped: deploy/docker-compose.yml:12: ghcr.io/acme/tool: the image is made of several variables (${REGISTRY:-ghcr.io}/acme/tool:1.0)');
    const after = await readRepo(dir);
    const pin = (image: string) => `${R}/${image}@${digest(image)}`;
    expect(after['deploy/docker-compose.yml']).toBe(
      compose
        .replace(`"${R}/test/app:2.0"`, `"${pin('test/app:2.0')}"`)
        .replace(`${R}/test/busybox:1.36@${stale}`, pin('test/busybox:1.36')),
    );
    expect(after['.github/workflows/ci.yml']).toBe(
      workflow
        .replace(`container: ${R}/test/multi:1.0`, `container: ${pin('test/multi:1.0')}`)
        .replace(`'${R}/test/busybox:1.37'`, `'${pin('test/busybox:1.37')}'`)
        .replace(`docker://${R}/test/app:2.0`, `docker://${pin('test/app:2.0')}`),
    );
    expect(after['.ko.yaml']).toBe(`defaultBaseImage: ${pin('test/busybox:1.36')}\nbaseImageOverrides:\n  example.com/cmd/tool: ${pin('test/multi:1.0')}\n`);
  });

  test('a malformed YAML file is named with its line; the other files are still pinned', async () => {
    const dir = await makeRepo({ 'compose.yaml': `services:\n  api:\n    image: ${R}/test/app:2.0\n  bad: [unclosed\n`, Dockerfile: `FROM ${R}/test/app:2.0\n` });
    const run = await runRepoPins(['pin', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: compose\.yaml:\d+: not valid YAML/);
    expect((await readRepo(dir)).Dockerfile).toBe(`FROM ${R}/test/app:2.0@${digest('test/app:2.0')}\n`);
  });
});

describe('repro-pins scan', () => {
  test('--json lists every reference and finding with the contract fields and needs no network', async () => {
    const dir = await makeRepo({ Dockerfile: `ARG X\nFROM ${R}/test/app:2.0 AS a\nFROM a\nFROM \${X}\n`, 'compose.yml': `services:\n  db:\n    image: postgres@${stale}\n` });
    const run = await runRepoPins(['scan', dir, '--json']);
    // An unpinned FROM is a finding at level error, so scan exits 1.
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      references: [
        { file: 'Dockerfile', line: 2, manager: 'dockerfile', name: `${R}/test/app`, value: '2.0', digest: null, pinned: false, skipped: null },
        { file: 'Dockerfile', line: 4, manager: 'dockerfile', name: '${X}', value: null, digest: null, pinned: false, skipped: 'ARG X has no default value, so the image is only known at build time' },
        { file: 'compose.yml', line: 3, manager: 'compose', name: 'postgres', value: null, digest: stale, pinned: true, skipped: null },
      ],
      findings: [
        expect.objectContaining({ rule: 'image-not-pinned', level: 'error', file: 'Dockerfile', line: 2 }),
        expect.objectContaining({ rule: 'image-not-pinned', level: 'warning', file: 'Dockerfile', line: 4 }),
      ],
      errors: [],
    });
  });

  test('a directory that does not exist is a usage error', async () => {
    const run = await runRepoPins(['scan', '/nonexistent/repro-pins']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('repro-pins: /nonexistent/repro-pins is not a directory\n');
  });
});
