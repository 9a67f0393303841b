import { createHash } from 'node:crypto';
import { makeRepo, readRepo, runRepoPins } from '../../../../test/support/cli-harness.js';
import { loadTestEnv } from '../../../../test/support/test-env.js';

// `repro-pins pin` end to end against the loopback registry the global setup fills with
// buildah-made images: the compose manager's extraction and edits, through the planner.
const env = loadTestEnv();
const R = env.registry;
const pin = (image: string) => `${R}/${image}@${env.images[image]!}`;
const stale = `sha256:${createHash('sha256').update('repro-pins stale compose digest').digest('hex')}`;

describe('repro-pins pin on compose files as people write them', () => {
  test('a ${VAR} is pinned in the .env beside the file, once for the file and its override; a default inside the braces', async () => {
    const dotenv = ['# images', `export APP_IMAGE="${R}/test/app:2.0"   # the app`, `BUSYBOX_IMAGE='${R}/test/busybox:1.36@${stale}'`, 'broken line', ''].join('\r\n');
    const compose = [
      'services:',
      '  app:',
      '    image: ${APP_IMAGE}',
      '  tools:',
      '    image: "${BUSYBOX_IMAGE:-busybox:1}"',
      '  multi:',
      `    image: \${MULTI_IMAGE:-${R}/test/multi:1.0}   # not in .env`,
      '  unknown:',
      '    image: ${NOT_SET}',
      '',
    ].join('\n');
    const override = ['services:', '  app:', '    image: ${APP_IMAGE}', '  extra:', `    image: ${R}/test/busybox:1.37`, ''].join('\n');
    const dir = await makeRepo({ 'deploy/.env': dotenv, 'deploy/compose.yaml': compose, 'deploy/compose.override.yaml': override });

    const run = await runRepoPins(['pin', dir, '--json']);
    const report = JSON.parse(run.stdout) as {
      changes: { file: string; line: number; to: string }[];
      skipped: { file: string; line: number; skipped: string }[];
      errors: { file: string; line: number; message: string }[];
    };
    const after = await readRepo(dir);
    expect(after['deploy/.env']).toBe(dotenv.replace(`${R}/test/app:2.0`, pin('test/app:2.0')).replace(`${R}/test/busybox:1.36@${stale}`, pin('test/busybox:1.36')));
    expect(after['deploy/compose.yaml']).toBe(compose.replace(`${R}/test/multi:1.0}`, `${pin('test/multi:1.0')}}`));
    expect(after['deploy/compose.override.yaml']).toBe(override.replace(`${R}/test/busybox:1.37`, pin('test/busybox:1.37')));
    // Changes are reported where the reference is written, the compose file and line.
    expect(report.changes.map((c) => `${c.file}:${c.line}`).sort()).toEqual(['deploy/compose.override.yaml:3', 'deploy/compose.override.yaml:5', 'deploy/compose.yaml:3', 'deploy/compose.yaml:5', 'deploy/compose.yaml:7']);
    expect(report.skipped).toEqual([expect.objectContaining({ file: 'deploy/compose.yaml', line: 9, skipped: expect.stringContaining('NOT_SET is not set in deploy/.env and has no default') })]);
    // The bad .env line is named (file and line) and the run says some lookups or reads failed.
    expect(report.errors).toEqual([{ file: 'deploy/.env', line: 4, dependency: null, message: 'skipped: not a KEY=VALUE assignment' }]);
    expect(run.code).toBe(1);

    // A second run finds everything current and writes nothing.
    const again = await runRepoPins(['pin', dir, '--json']);
    expect(JSON.parse(again.stdout).changes).toEqual([]);
    expect(await readRepo(dir)).toEqual(after);
  });

  test('a version 1 file is pinned like any other compose file', async () => {
    const v1 = ['web:', '  build: .', '  image: acme/web:dev', 'cache:', `  image: ${R}/test/busybox:1.36`, '  restart: always', ''].join('\n');
    const dir = await makeRepo({ 'docker-compose.yml': v1 });
    const run = await runRepoPins(['pin', dir]);
    expect(run.code).toBe(0);
    expect((await readRepo(dir))['docker-compose.yml']).toBe(v1.replace(`${R}/test/busybox:1.36`, pin('test/busybox:1.36')));
  });
});
