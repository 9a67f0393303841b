import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { defaultConfig, type RepoConfig } from '../../config.js';
import { PythonIndexClient, pythonIndexDatasource } from '../../datasources/python-index/index.js';
import { extractReferences, planPins, selectFiles } from '../../plan.js';
import type { ManagerName, SourceFile } from '../../reference.js';
import type { Manager } from '../manager.js';
import { pipManager } from './index.js';
import { useNock } from '../../../../test/support/nock.js';

/**
 * The pip manager end to end against nock: fixture pages (PEP 691 JSON or PEP 503 HTML) and
 * PEP 658 metadata files from fixtures/pip/index, served for exactly the lookups expected.
 */

const INDEX = 'https://pypi.example.org/simple/';
const fixture = (path: string) => readFileSync(new URL(`../../../../fixtures/pip/${path}`, import.meta.url), 'utf8');
const labelHash = (filename: string) => createHash('sha256').update(`repro-pins fixture file ${filename}`).digest('hex');

interface FixtureFile {
  filename: string;
  url: string;
  'core-metadata': false | { sha256: string };
}
const filesOf = (project: string) => (JSON.parse(fixture(`index/${project}.json`)) as { files: FixtureFile[] }).files;

/** Serves project pages (JSON or HTML) and the .metadata files of the named wheels; each once. */
function serve(pages: Partial<Record<string, 'json' | 'html'>>, metadataOf: string[] = []): void {
  const index = nock('https://pypi.example.org');
  for (const [project, format] of Object.entries(pages)) {
    index
      .get(`/simple/${project}/`)
      .reply(200, fixture(`index/${project}.${format}`), { 'content-type': format === 'json' ? 'application/vnd.pypi.simple.v1+json' : 'text/html' });
  }
  const files = nock('https://files.example.org');
  for (const filename of metadataOf) {
    const project = filename.split('-')[0]!.replace(/_/g, '-');
    const url = filesOf(project).find((f) => f.filename === filename)?.url;
    if (!url) throw new Error(`no fixture file ${filename}`);
    files.get(`${new URL(url).pathname}.metadata`).reply(200, fixture(`index/metadata/${filename}.metadata`));
  }
}

const managersByName = new Map<ManagerName, Manager>([['pip', pipManager]]);

async function pin(files: Record<string, string>, config: RepoConfig = defaultConfig, indexUrl = INDEX) {
  const sources: SourceFile[] = Object.entries(files).map(([path, text]) => ({ path, text }));
  const readers = selectFiles(Object.keys(files), [pipManager], config);
  const { refs, problems } = extractReferences(sources, readers, config);
  expect(problems).toEqual([]);
  const datasources = { 'python-index': pythonIndexDatasource(new PythonIndexClient({ indexUrl, sleep: async () => undefined })) };
  return planPins(sources, refs, datasources, managersByName, config);
}

const hashLines = (filenames: string[], indent = '    ') =>
  filenames
    .map(labelHash)
    .sort()
    .map((h, i, all) => `${indent}--hash=sha256:${h}${i < all.length - 1 ? ' \\' : ''}`);

useNock();

describe('pip manager: pinning a requirements file', () => {
  test('pins every requirement with the hash of every file of its version, follows -c, evaluates markers and extras, and adds what is missing', async () => {
    serve(
      { appkit: 'json', httpcore: 'html', certstore: 'json', tomli: 'html', uvloop: 'json', h11: 'html' },
      ['appkit-2.1.0-py3-none-any.whl', 'httpcore-1.0.5-py3-none-any.whl', 'certstore-2024.2.2-py3-none-any.whl', 'uvloop-0.19.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'h11-0.14.0-py3-none-any.whl'],
    );
    const plan = await pin({ 'api/requirements-mixed.txt': fixture('requirements-mixed.txt'), 'api/constraints.txt': fixture('constraints.txt') }, defaultConfig, 'https://unused.example/simple/');
    expect(plan.problems).toEqual([]);
    const uvloop = ['uvloop-0.19.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'uvloop-0.19.0-cp312-cp312-macosx_10_9_universal2.whl', 'uvloop-0.19.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'uvloop-0.19.0-cp312-cp312-musllinux_1_1_x86_64.whl', 'uvloop-0.19.0.tar.gz'];
    expect(plan.files.get('api/requirements-mixed.txt')).toBe(
      [
        '# Production dependencies of the API service.',
        '# Install with: pip install --require-hashes -r requirements-mixed.txt',
        '--index-url https://pypi.example.org/simple/',
        '-c constraints.txt',
        '',
        // appkit<2.2 from constraints.txt; 2.2.0 is yanked anyway.
        'appkit[speed]==2.1.0 \\',
        ...hashLines(['appkit-2.1.0-py3-none-any.whl', 'appkit-2.1.0.tar.gz']).map((l, i) => (i === 1 ? `${l}  # the web framework` : l)),
        'httpcore==1.0.5 \\',
        ...hashLines(['httpcore-1.0.5-py3-none-any.whl', 'httpcore-1.0.5.tar.gz']),
        'certstore==2024.2.2 ; python_version >= "3.8" \\',
        ...hashLines(['certstore-2024.2.2-py3-none-any.whl', 'certstore-2024.2.2.tar.gz']),
        // Its marker is false on 3.12, so pip skips it there, but the line is still pinned as written.
        'tomli==2.0.1 ; python_version < "3.11" \\',
        ...hashLines(['tomli-2.0.1-py3-none-any.whl', 'tomli-2.0.1.tar.gz']),
        '',
        '# Not from the index: left alone.',
        '-e ./vendor/internal-lib',
        'internal @ https://git.example.org/internal/internal-1.0.tar.gz',
        './wheels/local-0.1-py3-none-any.whl',
        '',
        '# repro-pins: transitive dependencies, added because pip --require-hashes needs every package pinned',
        // h11!=0.15.0 from constraints.txt; httpcore 1.0.5 wants h11<0.15 anyway.
        'h11==0.14.0 \\',
        ...hashLines(['h11-0.14.0-py3-none-any.whl', 'h11-0.14.0.tar.gz']),
        '    # via httpcore',
        // Only for the [speed] extra; 0.20.0 needs Python 3.13. Every file of 0.19.0 is hashed, not only those for this platform.
        'uvloop==0.19.0 \\',
        ...hashLines(uvloop),
        '    # via appkit',
        '',
      ].join('\n'),
    );
    // constraints.txt is pinned in its own right, from the index its includer names: hashed, never given added dependencies.
    expect(plan.files.get('api/constraints.txt')).toBe(
      ['appkit==2.1.0 \\', ...hashLines(['appkit-2.1.0-py3-none-any.whl', 'appkit-2.1.0.tar.gz']), 'h11==0.14.0 \\', ...hashLines(['h11-0.14.0-py3-none-any.whl', 'h11-0.14.0.tar.gz']), ''].join('\n'),
    );
    expect(plan.changes.map((c) => [c.file, c.line, c.name, c.from, c.to, c.note])).toEqual([
      ['api/requirements-mixed.txt', 6, 'appkit', '>=2.0', '2.1.0', '2 file hashes'],
      ['api/requirements-mixed.txt', 7, 'httpcore', '1.0.5', '1.0.5', '1 file hash added'],
      ['api/requirements-mixed.txt', 9, 'certstore', null, '2024.2.2', '2 file hashes'],
      ['api/requirements-mixed.txt', 10, 'tomli', '>=1.1', '2.0.1', '2 file hashes'],
      ['api/requirements-mixed.txt', 25, 'h11', null, '0.14.0', 'added: needed by httpcore'],
      ['api/requirements-mixed.txt', 29, 'uvloop', null, '0.19.0', 'added: needed by appkit'],
      ['api/constraints.txt', 1, 'appkit', '<2.2', '2.1.0', '2 file hashes'],
      ['api/constraints.txt', 2, 'h11', '!=0.15.0', '0.14.0', '2 file hashes'],
    ]);
  });

  test('reports a hash the index no longer serves, naming file, line and package, and leaves that line alone', async () => {
    serve({ httpcore: 'json', h11: 'json', certstore: 'json' }, ['httpcore-1.0.5-py3-none-any.whl', 'h11-0.14.0-py3-none-any.whl', 'certstore-2024.2.2-py3-none-any.whl']);
    const stale = createHash('sha256').update('repro-pins stale digest fixture').digest('hex');
    const text = `httpcore==1.0.5 \\\n    --hash=sha256:${stale} \\\n    --hash=sha256:${labelHash('httpcore-1.0.5-py3-none-any.whl')}\n`;
    const plan = await pin({ 'requirements.txt': text });
    expect(plan.problems).toEqual([
      {
        file: 'requirements.txt',
        line: 1,
        dependency: 'httpcore',
        message: `--hash=sha256:${stale} matches no file the index serves for httpcore 1.0.5; the line is left as it is: find out why the file changed, then delete the stale hash and pin again`,
      },
    ]);
    const written = plan.files.get('requirements.txt')!;
    expect(written.startsWith(text)).toBe(true);
    // Its dependencies are still added: pip needs them whatever happens to the stale line.
    expect(written.slice(text.length)).toMatch(/^\n# repro-pins: [^\n]*\ncertstore==2024\.2\.2 \\\n[^#]*# via httpcore\nh11==0\.14\.0 \\\n[^#]*# via httpcore\n$/);
  });

  test('reports a conflict with the chain of requirements that caused it', async () => {
    serve({ 'pkg-a': 'json', 'pkg-b': 'html', shared: 'json' }, ['pkg_a-1.0-py3-none-any.whl', 'pkg_b-3.0-py3-none-any.whl']);
    const plan = await pin({ 'requirements.txt': '# two libraries that disagree\npkg-a\npkg-b\n' });
    expect(plan.problems).toEqual([
      {
        file: 'requirements.txt',
        line: 2,
        dependency: 'shared',
        message: 'no version of shared satisfies every requirement: pkg-a==1.0 requires shared<2 (requirements.txt:2), but pkg-b==3.0 requires shared>=2 (requirements.txt:3)',
      },
    ]);
    // What can be pinned still is, and nothing is added for the package in conflict.
    expect(plan.files.get('requirements.txt')).toContain(`pkg-a==1.0 \\\n    --hash=sha256:${labelHash('pkg_a-1.0-py3-none-any.whl')}\npkg-b==3.0`);
    expect(plan.files.get('requirements.txt')).not.toContain('shared==');
  });

  test('never picks a yanked version for a range, but keeps one pinned with == (PEP 592)', async () => {
    serve({ appkit: 'html' });
    const ranged = await pin({ 'requirements.txt': 'appkit>=2.2\n' });
    expect(ranged.problems).toEqual([
      { file: 'requirements.txt', line: 1, dependency: 'appkit', message: 'no usable version matches >=2.2: 2.2.0 is yanked (Broken import on Python 3.12), and pip only installs a yanked version pinned with ==' },
    ]);
    nock.cleanAll();
    serve({ appkit: 'html', httpcore: 'json', certstore: 'json', h11: 'json' }, [
      'appkit-2.2.0-py3-none-any.whl',
      'httpcore-1.0.5-py3-none-any.whl',
      'certstore-2024.2.2-py3-none-any.whl',
      'h11-0.14.0-py3-none-any.whl',
    ]);
    const exact = await pin({ 'requirements.txt': 'appkit==2.2.0\n' });
    expect(exact.problems).toEqual([]);
    expect(exact.files.get('requirements.txt')).toMatch(/^appkit==2\.2\.0 \\\n    --hash=sha256:[0-9a-f]{64} \\\n    --hash=sha256:[0-9a-f]{64}\n/);
    expect(exact.changes[0]).toMatchObject({ name: 'appkit', to: '2.2.0', note: '2 file hashes; version 2.2.0 is yanked (Broken import on Python 3.12)' });
  });

  test('resolves for config python.version: on 3.10 the tomli backport is needed, and uvloop 0.19.0 has no 3.10 wheel but an sdist', async () => {
    serve({ appkit: 'json', httpcore: 'json', certstore: 'json', tomli: 'json', h11: 'json', uvloop: 'json' }, [
      'appkit-2.1.0-py3-none-any.whl',
      'httpcore-1.0.5-py3-none-any.whl',
      'certstore-2024.2.2-py3-none-any.whl',
      'tomli-2.0.1-py3-none-any.whl',
      'h11-0.14.0-py3-none-any.whl',
      // No wheel installs on 3.10: the dependencies come from another wheel's metadata (all wheels of a version agree).
      'uvloop-0.19.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    ]);
    const plan = await pin({ 'requirements.txt': 'appkit[speed]<2.2\n' }, { ...defaultConfig, python: { version: '3.10' } });
    expect(plan.problems).toEqual([]);
    const added = plan.changes.filter((c) => c.note?.startsWith('added')).map((c) => `${c.name}==${c.to} (${c.note})`);
    expect(added).toEqual([
      'certstore==2024.2.2 (added: needed by appkit, httpcore)',
      'h11==0.14.0 (added: needed by httpcore)',
      'httpcore==1.0.5 (added: needed by appkit)',
      'tomli==2.0.1 (added: needed by appkit)',
      'uvloop==0.19.0 (added: needed by appkit)',
    ]);
  });

  test('follows -r: the included file is pinned on its own, and the includer adds only what its own lines need', async () => {
    serve({ appkit: 'json', httpcore: 'json', certstore: 'json', h11: 'json' }, [
      'appkit-2.1.0-py3-none-any.whl',
      'httpcore-1.0.5-py3-none-any.whl',
      'certstore-2024.2.2-py3-none-any.whl',
      'h11-0.14.0-py3-none-any.whl',
    ]);
    const plan = await pin({ 'requirements.txt': '-r requirements/base.txt\nappkit<2.2\n', 'requirements/base.txt': 'httpcore\n' });
    expect(plan.problems).toEqual([]);
    const main = plan.files.get('requirements.txt')!;
    const base = plan.files.get('requirements/base.txt')!;
    // httpcore, h11 and certstore come with base.txt; appkit's other needs are all there.
    expect(main).not.toContain('# repro-pins: transitive dependencies');
    expect(main).toMatch(/^-r requirements\/base\.txt\nappkit==2\.1\.0 \\\n/);
    expect(base).toMatch(/^httpcore==1\.0\.5 \\\n[\s\S]*# repro-pins: transitive dependencies[\s\S]*certstore==2024\.2\.2[\s\S]*h11==0\.14\.0/);
  });

  test('every lookup failure names the file, the line and the package, with the chain for a transitive one', async () => {
    nock('https://pypi.example.org').get('/simple/nosuch/').reply(404).get('/simple/ghost-dep/').reply(404);
    const metadata = 'Metadata-Version: 2.1\nName: haunted\nVersion: 1.0\nRequires-Dist: ghost-dep>=1\n';
    const wheel = 'haunted-1.0-py3-none-any.whl';
    const page = `<a href="https://files.example.org/${wheel}#sha256=${labelHash(wheel)}" data-core-metadata="sha256=${createHash('sha256').update(metadata).digest('hex')}">${wheel}</a>`;
    nock('https://pypi.example.org').get('/simple/haunted/').reply(200, page, { 'content-type': 'text/html' });
    nock('https://files.example.org').get(`/${wheel}.metadata`).reply(200, metadata);
    const plan = await pin({ 'app/requirements.txt': '# header\nnosuch==1.0\n-r missing.txt\nhaunted\n' });
    expect(plan.problems).toEqual([
      { file: 'app/requirements.txt', line: 3, dependency: null, message: expect.stringMatching(/^-r missing\.txt: app\/missing\.txt is not among the files read \(it is missing, /) },
      { file: 'app/requirements.txt', line: 2, dependency: 'nosuch', message: 'not found on the index https://pypi.example.org/simple/' },
      { file: 'app/requirements.txt', line: 4, dependency: 'ghost-dep', message: 'not found on the index https://pypi.example.org/simple/ (required by haunted==1.0)' },
    ]);
  });

  test('checks the includes of a file made only of -r lines, and never looks up ignoreDeps', async () => {
    serve({ certstore: 'json' }, ['certstore-2024.2.2-py3-none-any.whl']);
    const plan = await pin(
      { 'requirements.txt': '-r requirements/prod.txt\n', 'requirements/prod.txt': 'internal-tool==1.0\ncertstore\n' },
      { ...defaultConfig, ignoreDeps: ['Internal_Tool'] },
    );
    expect(plan.problems).toEqual([]);
    expect(plan.files.get('requirements/prod.txt')).toMatch(/^internal-tool==1\.0\ncertstore==2024\.2\.2 \\\n/);
    expect(plan.files.has('requirements.txt')).toBe(false);

    const missing = await pin({ 'requirements.txt': '# all of it\n-r requirements/prod.txt\n' });
    expect(missing.problems).toEqual([{ file: 'requirements.txt', line: 2, dependency: null, message: expect.stringContaining('-r requirements/prod.txt: requirements/prod.txt is not among the files read') }]);
  });

  test('chooses a package again when a later requirement rules out the version first chosen', async () => {
    serve({ 'pkg-a': 'json', shared: 'html' }, ['pkg_a-1.0-py3-none-any.whl', 'shared-2.1-py3-none-any.whl', 'shared-1.5-py3-none-any.whl']);
    const plan = await pin({ 'requirements.txt': 'shared\npkg-a\n' });
    expect(plan.problems).toEqual([]);
    expect(plan.files.get('requirements.txt')).toMatch(/^shared==1\.5 \\\n.*\npkg-a==1\.0 \\\n/s);
  });

  test('regenerates its block of added dependencies, but never drops a line someone wrote below its header', async () => {
    serve({ 'pkg-a': 'json', shared: 'json' }, ['pkg_a-1.0-py3-none-any.whl', 'shared-1.5-py3-none-any.whl']);
    const header = '# repro-pins: transitive dependencies, added because pip --require-hashes needs every package pinned';
    const stale = `${header}\nh11==0.14.0 \\\n    --hash=sha256:${labelHash('h11-0.14.0-py3-none-any.whl')}\n    # via httpcore\n`;
    const regenerated = await pin({ 'requirements.txt': `pkg-a\n\n${stale}` });
    expect(regenerated.problems).toEqual([]);
    expect(regenerated.files.get('requirements.txt')).toBe(
      `pkg-a==1.0 \\\n    --hash=sha256:${labelHash('pkg_a-1.0-py3-none-any.whl')}\n\n${header}\nshared==1.5 \\\n    --hash=sha256:${labelHash('shared-1.5-py3-none-any.whl')}\n    # via pkg-a\n`,
    );
    expect(regenerated.changes.map((c) => `${c.line} ${c.name} ${c.note}`)).toEqual(['1 pkg-a 1 file hash', '5 shared added: needed by pkg-a', '4 h11 removed: nothing needs it any more']);

    // The block is not managed then: each of its lines is pinned where it stands.
    serve({ 'pkg-a': 'json', shared: 'json', certstore: 'json', h11: 'json' }, ['pkg_a-1.0-py3-none-any.whl', 'shared-1.5-py3-none-any.whl', 'certstore-2024.2.2-py3-none-any.whl', 'h11-0.14.0-py3-none-any.whl']);
    const handEdited = await pin({ 'requirements.txt': `pkg-a==1.0 --hash=sha256:${labelHash('pkg_a-1.0-py3-none-any.whl')}\n\n${stale}certstore\n` });
    expect(handEdited.problems).toEqual([expect.objectContaining({ line: 7, dependency: 'certstore', message: expect.stringContaining('move it above the block header') })]);
    // Written in the file's style: its first hashed line keeps its hashes on one line.
    expect(handEdited.files.get('requirements.txt')).toContain(`# via httpcore\ncertstore==2024.2.2 --hash=sha256:`);
  });
});
