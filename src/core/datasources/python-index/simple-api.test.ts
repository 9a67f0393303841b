import { readFileSync } from 'node:fs';
import { describeFilename, isWheelCompatible } from './distributions.js';
import { isSimpleJson, parseHtmlProjectPage, parseJsonProjectPage } from './simple-api.js';

const page = (name: string) => readFileSync(new URL(`../../../../fixtures/pip/index/${name}`, import.meta.url), 'utf8');
const PAGE_URL = 'https://pypi.example.org/simple/appkit/';

describe('simple API project pages', () => {
  test('PEP 691 JSON and PEP 503 HTML of the same project give the same files', () => {
    for (const project of ['appkit', 'uvloop', 'h11']) {
      const json = parseJsonProjectPage(page(`${project}.json`), `https://pypi.example.org/simple/${project}/`, project);
      const html = parseHtmlProjectPage(page(`${project}.html`), `https://pypi.example.org/simple/${project}/`, project);
      expect(json.ok && html.ok).toBe(true);
      expect(html).toEqual(json);
    }
  });

  test('reads hashes, Requires-Python, yanking (PEP 592) and core metadata (PEP 658/714)', () => {
    const parsed = parseHtmlProjectPage(page('appkit.html'), PAGE_URL, 'appkit');
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.files.map((f) => [f.filename, f.version, f.kind, f.requiresPython, f.yanked, f.coreMetadata !== null])).toEqual([
      ['appkit-2.0.0-py3-none-any.whl', '2.0.0', 'wheel', '>=3.8', null, true],
      ['appkit-2.0.0.tar.gz', '2.0.0', 'sdist', '>=3.8', null, false],
      ['appkit-2.1.0-py3-none-any.whl', '2.1.0', 'wheel', '>=3.8', null, true],
      ['appkit-2.1.0.tar.gz', '2.1.0', 'sdist', '>=3.8', null, false],
      ['appkit-2.2.0-py3-none-any.whl', '2.2.0', 'wheel', '>=3.8', 'Broken import on Python 3.12', true],
      ['appkit-2.2.0.tar.gz', '2.2.0', 'sdist', '>=3.8', 'Broken import on Python 3.12', false],
    ]);
    expect(parsed.files[0]).toMatchObject({ url: expect.stringMatching(/^https:\/\/files\.example\.org\/packages\/.*\/appkit-2\.0\.0-py3-none-any\.whl$/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test('resolves relative links against the page (or <base href>), decodes entities, and ignores what is not a distribution', () => {
    const html = [
      '<html><head><base href="https://mirror.example/root/"></head><body>',
      '<a href="../files/Demo_Pkg-1.0.tar.gz#sha256=ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789" data-requires-python="&gt;=3.8,&lt;4">Demo_Pkg-1.0.tar.gz</a>',
      "<A HREF='demo_pkg-1.1-py2.py3-none-any.whl#md5=00' data-yanked>demo_pkg-1.1-py2.py3-none-any.whl</A>",
      '<a href="demo-pkg-0.9.win32.exe">demo-pkg-0.9.win32.exe</a>',
      '<a href="other-1.0.tar.gz">other-1.0.tar.gz</a>',
      '</body></html>',
    ].join('\n');
    const parsed = parseHtmlProjectPage(html, 'https://index.example/simple/demo-pkg/', 'demo-pkg');
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.files).toEqual([
      expect.objectContaining({ url: 'https://mirror.example/files/Demo_Pkg-1.0.tar.gz', sha256: 'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789', requiresPython: '>=3.8,<4', version: '1.0', yanked: null }),
      expect.objectContaining({ url: 'https://mirror.example/root/demo_pkg-1.1-py2.py3-none-any.whl', sha256: null, yanked: '', version: '1.1' }),
    ]);
    expect(parsed.files[1]?.tags).toEqual([
      { python: 'py2', abi: 'none', platform: 'any' },
      { python: 'py3', abi: 'none', platform: 'any' },
    ]);
  });

  test('refuses a JSON page of an API major version it does not know, and malformed JSON', () => {
    expect(parseJsonProjectPage('{"meta":{"api-version":"2.0"},"name":"x","files":[]}', PAGE_URL, 'x')).toEqual({ ok: false, message: expect.stringContaining('2.0') });
    expect(parseJsonProjectPage('<html>', PAGE_URL, 'x')).toEqual({ ok: false, message: expect.stringContaining('not valid JSON') });
    expect(parseJsonProjectPage('{"meta":{},"files":[]}', PAGE_URL, 'x').ok).toBe(false);
  });

  test('tells the JSON serialisation from HTML by Content-Type', () => {
    expect(isSimpleJson('application/vnd.pypi.simple.v1+json')).toBe(true);
    expect(isSimpleJson('application/vnd.pypi.simple.v1+json; charset=utf-8')).toBe(true);
    expect(isSimpleJson('text/html')).toBe(false);
    expect(isSimpleJson(null)).toBe(false);
  });
});

describe('distribution filenames and wheel tags', () => {
  test.each([
    ['zope.interface-6.2-cp312-cp312-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'zope-interface', '6.2'],
    ['backports.zoneinfo-0.2.1.tar.gz', 'backports-zoneinfo', '0.2.1'],
    ['python-dateutil-2.9.0.post0.tar.gz', 'python-dateutil', '2.9.0.post0'],
    ['pkg-1.0-1build-py3-none-any.whl', 'pkg', '1.0'],
    ['Pkg-1.0RC1.zip', 'pkg', '1.0rc1'],
  ])('%s is %s %s', (filename, project, version) => {
    expect(describeFilename(filename, project)?.version).toBe(version);
  });

  test('a file of another project, or an egg, is not one of ours', () => {
    expect(describeFilename('python-dateutil-2.9.0.tar.gz', 'python')).toBeNull();
    expect(describeFilename('pkg-1.0-py3.8.egg', 'pkg')).toBeNull();
  });

  test.each([
    ['py3-none-any', true],
    ['py2.py3-none-any', true],
    ['py2-none-any', false],
    ['cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64', true],
    ['cp311-cp311-manylinux_2_17_x86_64', false],
    ['cp38-abi3-manylinux2014_x86_64', true],
    ['cp313-abi3-linux_x86_64', false],
    ['cp312-cp312-musllinux_1_1_x86_64', false],
    ['cp312-cp312-manylinux_2_17_aarch64', false],
    ['cp312-cp312-win_amd64', false],
    ['py312-none-any', true],
    ['cp312-none-any', true],
  ])('%s installs on CPython 3.12 Linux x86_64: %s', (tag, expected) => {
    const described = describeFilename(`pkg-1.0-${tag}.whl`, 'pkg');
    expect(isWheelCompatible(described!.tags, { pythonVersion: '3.12' })).toBe(expected);
  });
});
