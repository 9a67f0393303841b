import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { readRepo, makeRepo, runRepoPins } from '../support/cli-harness.js';
import { loadTestEnv } from '../support/test-env.js';

const env = loadTestEnv();
const R = env.registry;
const digest = (image: string) => env.images[image]!;
const stale = `sha256:${createHash('sha256').update('repro-pins stale digest fixture').digest('hex')}`;

/** A loopback port with nothing listening on it: an unreachable registry. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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
    const port = await closedPort();
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
