import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeRepo, readRepo, runRepoPins } from '../support/cli-harness.js';
import { buildSdist, buildWheel, type PackageSpec } from './support/distributions.js';
import { startSimpleIndex, type IndexedFile, type SimpleIndex } from './support/simple-index.js';

const run = promisify(execFile);

/**
 * The round trip the issue asks for: tiny wheels (and an sdist) built here, served as a PEP 503
 * index on loopback, a requirements file naming only the top package pinned by the CLI, then
 * real pip installing it with --require-hashes into a fresh venv.
 *
 * Debian's interpreter is used when present: CI installs python3-venv for it (.ci/run), while
 * another python3 earlier on PATH (pyenv, say) may lack ensurepip.
 */
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

// top ─> mid ─> leaf, top[fast] ─> speedup, and top ─> ancient only on Python < 3.8.
const specs = {
  top: { name: 'top', version: '1.0', requires: ['mid>=1.0', 'ancient; python_version < "3.8"', 'speedup>=0.5; extra == "fast"'], extras: ['fast'] },
  mid: { name: 'mid', version: '1.0', requires: ['leaf<2'] },
  midYanked: { name: 'mid', version: '2.0', requires: ['leaf<2'] },
  leaf: { name: 'leaf', version: '1.0' },
  leafNext: { name: 'leaf', version: '2.0' },
  speedup: { name: 'speedup', version: '0.9', requires: [] },
  ancient: { name: 'ancient', version: '1.0' },
} satisfies Record<string, PackageSpec>;

function indexed(file: ReturnType<typeof buildWheel>, project: string, extra: Partial<IndexedFile> = {}): IndexedFile {
  return { ...file, project, ...extra };
}

describe('pip installs what repro-pins pinned, with --require-hashes, from a loopback index', () => {
  let index: SimpleIndex;
  let work: string;
  const files = {
    top: buildWheel(specs.top),
    mid: buildWheel(specs.mid),
    midSdist: buildSdist(specs.mid),
    midYanked: buildWheel(specs.midYanked),
    leaf: buildWheel(specs.leaf),
    leafTagged: buildWheel({ ...specs.leaf, tag: 'cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64' }),
    leafNext: buildWheel(specs.leafNext),
    speedup: buildWheel(specs.speedup),
    ancient: buildWheel(specs.ancient),
  };

  beforeAll(async () => {
    index = await startSimpleIndex([
      // PEP 658 metadata for top and leaf; mid and speedup are read from the downloaded wheel.
      indexed(files.top, 'top', { serveMetadata: true, requiresPython: '>=3.7' }),
      indexed(files.mid, 'mid'),
      indexed(files.midSdist, 'mid'),
      indexed(files.midYanked, 'mid', { yanked: 'broken upload' }),
      indexed(files.leaf, 'leaf', { serveMetadata: true }),
      indexed(files.leafTagged, 'leaf', { serveMetadata: true }),
      indexed(files.leafNext, 'leaf', { serveMetadata: true }),
      indexed(files.speedup, 'speedup'),
      indexed(files.ancient, 'ancient', { serveMetadata: true }),
    ]);
    work = await mkdtemp(join(tmpdir(), 'repro-pins-pip-'));
  });

  afterAll(async () => {
    await index?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a file naming only top[fast] comes out complete, and pip installs it', async () => {
    const { stdout: pythonVersion } = await run(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
    const requirements = '# what the service needs\ntop[fast]  # the only direct dependency\n';
    const dir = await makeRepo({ 'requirements.txt': requirements, '.github/repro-pins.yml': `python: { version: "${pythonVersion.trim()}" }\n` });

    const pinned = await runRepoPins(['pin', dir, '--json'], { PIP_INDEX_URL: index.url });
    expect(pinned.stderr).toBe('');
    expect(pinned.code).toBe(0);
    const text = (await readRepo(dir))['requirements.txt']!;

    const hashes = (...built: { sha256: string }[]) => built.map((f) => f.sha256).sort().map((h) => `    --hash=sha256:${h}`);
    const entry = (head: string, built: { sha256: string }[], via: string) => [`${head} \\`, ...hashes(...built).map((h, i, all) => (i < all.length - 1 ? `${h} \\` : h)), `    # via ${via}`];
    expect(text).toBe(
      [
        '# what the service needs',
        `top[fast]==1.0 \\`,
        `    --hash=sha256:${files.top.sha256}  # the only direct dependency`,
        '',
        '# repro-pins: transitive dependencies, added because pip --require-hashes needs every package pinned',
        ...entry('leaf==1.0', [files.leaf, files.leafTagged], 'mid'),
        // The yanked 2.0 is skipped; both the wheel and the sdist of 1.0 are hashed.
        ...entry('mid==1.0', [files.mid, files.midSdist], 'top'),
        ...entry('speedup==0.9', [files.speedup], 'top'),
        '',
      ].join('\n'),
    );
    expect(text).not.toContain('ancient');
    // Both ways of reading dependencies were used: PEP 658 files, and wheels downloaded whole.
    expect(index.requests).toEqual(expect.arrayContaining([`/files/${files.top.filename}.metadata`, `/files/${files.mid.filename}`, `/files/${files.speedup.filename}`]));
    expect(index.requests).not.toContain(`/files/${files.top.filename}`);

    // A second run finds everything current and writes nothing.
    const again = await runRepoPins(['pin', dir, '--json'], { PIP_INDEX_URL: index.url });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ changes: [], written: [] });
    expect((await readRepo(dir))['requirements.txt']).toBe(text);

    const venv = join(work, 'venv');
    await run(python, ['-m', 'venv', venv]);
    const pipEnv = { ...process.env, PIP_NO_CACHE_DIR: '1', PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
    const install = await run(
      join(venv, 'bin', 'python'),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-cache-dir', '--index-url', index.url, '--require-hashes', '-r', join(dir, 'requirements.txt')],
      { env: pipEnv },
    );
    expect(install.stdout).toMatch(/Successfully installed .*top-1\.0/);
    const imported = await run(join(venv, 'bin', 'python'), ['-c', 'import top, mid, leaf, speedup; print(top.VERSION, mid.VERSION, leaf.VERSION, speedup.VERSION)']);
    expect(imported.stdout.trim()).toBe('1.0 1.0 1.0 0.9');
    await expect(run(join(venv, 'bin', 'python'), ['-c', 'import ancient'])).rejects.toThrow(/No module named 'ancient'/);
  });
});
