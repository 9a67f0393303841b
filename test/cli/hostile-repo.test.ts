import { spawn, execFileSync } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRepo, runRepoPins } from '../support/cli-harness.js';
import { loadTestEnv } from '../support/test-env.js';

// A checkout is untrusted input: what it links to, what kind of file it holds and how big.
describe('the CLI reads a repository as hostile input', () => {
  test('a config symlinked out of the tree is refused (exit 2) and its target is never printed', async () => {
    const outside = await makeRepo({ 'secret.txt': 'root:$6$hash-of-the-password:19000:0:99999:7:::\n' });
    const dir = await makeRepo({ Dockerfile: 'FROM alpine:3.20\n' });
    await mkdir(join(dir, '.github'), { recursive: true });
    await symlink(join(outside, 'secret.txt'), join(dir, '.github/repro-pins.yml'));
    const run = await runRepoPins(['scan', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\.github\/repro-pins\.yml is a symbolic link to .*secret\.txt, outside the repository/);
    expect(run.stdout + run.stderr).not.toContain('hash-of-the-password');
  });

  test('a config symlinked to a file inside the tree is read', async () => {
    const dir = await makeRepo({ Dockerfile: 'FROM alpine:3.20\n', 'config/pins.yml': 'rules: { image-not-pinned: off, image-latest: off }\n' });
    await mkdir(join(dir, '.github'), { recursive: true });
    await symlink('../config/pins.yml', join(dir, '.github/repro-pins.yml'));
    const run = await runRepoPins(['scan', dir, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).findings).toEqual([]);
  });

  test('a FIFO as the config is refused at once (exit 2), not waited on', async () => {
    const dir = await makeRepo({ Dockerfile: 'FROM alpine:3.20\n' });
    await mkdir(join(dir, '.github'), { recursive: true });
    execFileSync('mkfifo', [join(dir, '.github/repro-pins.yml')]);
    const run = await runRepoPins(['scan', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('.github/repro-pins.yml is not a regular file');
  });

  test('a Dockerfile symlinked out of the tree is named and not read; one linked inside is read under its own path', async () => {
    const outside = await makeRepo({ Dockerfile: 'FROM alpine:3.20\n' });
    const dir = await makeRepo({ 'Containerfile': 'FROM scratch\n', 'build/Dockerfile.real': 'FROM debian:bookworm\n' });
    await symlink(join(outside, 'Dockerfile'), join(dir, 'Dockerfile'));
    await symlink('build/Dockerfile.real', join(dir, 'Dockerfile.inside'));
    const run = await runRepoPins(['scan', dir, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { references: { file: string; name: string }[]; errors: { file: string; message: string }[] };
    expect(report.references.map((r) => [r.file, r.name])).toEqual([['build/Dockerfile.real', 'debian']]);
    expect(report.errors).toEqual([expect.objectContaining({ file: 'Dockerfile', message: expect.stringMatching(/^is a symbolic link to .*Dockerfile, outside the repository, so it was neither read nor rewritten$/) })]);
    expect(await readFile(join(outside, 'Dockerfile'), 'utf8')).toBe('FROM alpine:3.20\n');
  });

  test('a build file over the size cap is named and left alone', async () => {
    const dir = await makeRepo({ Dockerfile: `FROM alpine:3.20\n# ${'x'.repeat(8 * 1024 * 1024)}\n` });
    const run = await runRepoPins(['scan', dir, '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).errors).toEqual([
      { file: 'Dockerfile', line: 1, dependency: null, message: expect.stringMatching(/^is \d+ bytes, more than the 8388608 bytes a file may have here, so it was neither read nor rewritten$/) },
    ]);
  });
});

describe('pin stopped by a signal', () => {
  const env = loadTestEnv();
  const image = `${env.registry}/test/busybox:1.36`;
  const pinned = `${image}@${env.images['test/busybox:1.36']}`;
  const root = new URL('../..', import.meta.url).pathname;

  // Spawns the CLI from source (tsx), waits for its first temp file, signals, and checks the tree.
  async function interruptedPin(signal: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; files: Record<string, string>; original: string }> {
    const padding = `# ${'p'.repeat(64 * 1024)}\n`;
    const original = `FROM ${image}\n${padding}`;
    const files: Record<string, string> = {};
    for (let i = 0; i < 600; i++) files[`Dockerfile.${String(i).padStart(4, '0')}`] = original;
    const dir = await makeRepo(files);
    const entry = `import { runCli } from ${JSON.stringify(join(root, 'src/cli/main.ts'))}; process.exitCode = await runCli(process.argv.slice(1));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, 'pin', dir], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', DOCKER_CONFIG: join(tmpdir(), 'repro-pins-no-docker-config') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const watcher = watch(dir, (_event, name) => {
      if (name?.includes('.repro-pins-')) {
        watcher.close();
        child.kill(signal);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    watcher.close();
    const after: Record<string, string> = {};
    for (const name of await readdir(dir)) after[name] = await readFile(join(dir, name), 'utf8');
    return { code, files: after, original };
  }

  for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${signal}: exit ${exitCode}, no temp file left, every file old or new, never half`, async () => {
      const { code, files, original } = await interruptedPin(signal);
      expect(code).toBe(exitCode);
      const names = Object.keys(files);
      expect(names.filter((n) => n.includes('.repro-pins-'))).toEqual([]);
      expect(names).toHaveLength(600);
      const updated = original.replace(image, pinned);
      const states = new Set(Object.values(files).map((text) => (text === original ? 'old' : text === updated ? 'new' : 'half')));
      expect(states.has('half')).toBe(false);
      // The signal came after the first temp file was created: the run was stopped before the end.
      expect(Object.values(files).filter((text) => text === original).length).toBeGreaterThan(0);
    }, 60_000);
  }
});
