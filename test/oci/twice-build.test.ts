/**
 * `repro-pins twice-build` with real buildah builds (there is no Docker engine here, so the
 * buildah path is what runs; `--builder buildah` keeps it so on machines that have one).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openImageSource } from '../../src/oci/index.js';
import { loadImage } from '../../src/oci/image.js';
import { runRepoPins } from '../support/cli-harness.js';
import { loadTestEnv } from '../support/test-env.js';
import { dockerfile, run, TestBuildah } from './support/buildah.js';

let scratch: TestBuildah;

beforeAll(async () => {
  scratch = await TestBuildah.create();
});

afterAll(async () => {
  await scratch?.cleanUp();
});

describe('twice-build', () => {
  it('builds twice with SOURCE_DATE_EPOCH from the last commit and finds a reproducible Dockerfile identical (exit 0)', async () => {
    const env = loadTestEnv();
    const repo = await scratch.context('git-repo', {
      Dockerfile: dockerfile(env.registry, 'test/busybox:1.36', 'RUN echo "built" > /built', 'COPY message.txt /message.txt'),
      'message.txt': 'reproducible\n',
    });
    await run('git', ['init', '--quiet'], { cwd: repo });
    await run('git', ['add', '.'], { cwd: repo });
    const commitTime = '1710000000';
    const date = `${commitTime} +0000`;
    await run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '--quiet', '-m', 'init'], {
      cwd: repo,
      env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
    const out = join(scratch.root, 'twice-out');
    const result = await runRepoPins(['twice-build', repo, '--builder', 'buildah', '--json', '--out', out], { PATH: process.env.PATH });
    expect(result.stderr).toContain(`SOURCE_DATE_EPOCH=${commitTime} (time of the last commit`);
    expect(result.stderr).toMatch(/building twice with buildah \S+/);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { identical: boolean; sourceDateEpoch: number; builder: { name: string }; verdict: { a: { digest: string } } };
    expect(body).toMatchObject({ identical: true, sourceDateEpoch: 1710000000, builder: { name: 'buildah' } });
    expect((await readdir(out)).sort()).toEqual(['build-1.tar', 'build-2.tar']);
    // The epoch really reached the build: the config's creation time is the commit time.
    const image = await loadImage(await openImageSource(join(out, 'build-1.tar')));
    expect(image.platforms[0]?.config.created).toBe(new Date(Number(commitTime) * 1000).toISOString().replace('.000Z', 'Z'));
  });

  it('falls back to a stated epoch outside git and names the differing file (exit 1)', async () => {
    const env = loadTestEnv();
    const context = await scratch.context('no-git', {
      'docker/app.Dockerfile': dockerfile(env.registry, 'test/busybox:1.36', 'RUN sleep 1 && date +%s%N > /built-at'),
    });
    const out = join(scratch.root, 'no-git-out');
    const args = ['twice-build', context, '-f', join(context, 'docker', 'app.Dockerfile'), '--builder', 'buildah', '--platform', 'linux/amd64', '--out', out];
    const result = await runRepoPins(args, { PATH: process.env.PATH });
    expect(result.stderr).toContain('is not in a git repository with a commit: using SOURCE_DATE_EPOCH=0 (1970-01-01)');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('/built-at: content');
    expect(result.stderr).toContain(`the two archives are kept in ${out}`);
  });

  it('exits 2 for a missing Dockerfile', async () => {
    const empty = join(scratch.root, 'empty');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'README'), 'no Dockerfile here\n');
    const result = await runRepoPins(['twice-build', empty, '--builder', 'buildah']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Dockerfile does not exist');
  });
});
