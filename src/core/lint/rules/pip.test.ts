import { findingsOf, lines, linesOf } from '../lint-test-kit.js';

const HASH = 'bc020240d625f888ed5f07648b7c6bc73b0e58cc64904f857cd9b01b313363d0';

describe('pip-no-require-hashes', () => {
  test('pip, pip3, python -m pip, python3.12 -m pip and uv pip installing index packages or -r files', () => {
    const text = lines(
      'FROM python:3.12-slim',
      'RUN pip install --no-cache-dir flask==3.0.3',
      'RUN python -m pip install --upgrade pip && \\',
      '    python3.12 -m pip install -r requirements.txt',
      'RUN sudo -H pip3 install "requests>=2"',
      'run ["python3", "-m", "pip", "install", "-rrequirements/base.txt"]',
      'RUN uv pip install --system httpx',
      'RUN PIP_INDEX_URL=https://pypi.example.org/simple pip --disable-pip-version-check install gunicorn',
    );
    const findings = findingsOf('pip-no-require-hashes', 'Dockerfile', text);
    expect(findings.map((f) => f.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(findings[0]!.message).toBe('pip install flask==3.0.3 runs without --require-hashes, so pip accepts whatever files the index serves for these packages');
    expect(findings[2]!.fix).toBe('pip install --require-hashes -r requirements.txt (repro-pins pin writes == and --hash for every requirement)');
  });

  test('--require-hashes, PIP_REQUIRE_HASHES, --no-index and local paths or wheels only are fine', () => {
    const text = lines(
      'FROM python:3.12-slim',
      'ENV PIP_REQUIRE_HASHES=1',
      'RUN pip install -r requirements.txt',
      'FROM python:3.12-slim',
      'RUN pip install --require-hashes --no-deps -r requirements.txt',
      'RUN pip install . && pip install -e ./lib ./wheels/app-1.0-py3-none-any.whl dist/tool.tar.gz',
      'RUN pip install --no-index --find-links /wheels app',
      'RUN PIP_REQUIRE_HASHES=true python3 -m pip install -r requirements.txt',
      'RUN python3 -c "import pip" && pip uninstall -y setuptools && pip download -r requirements.txt',
    );
    expect(linesOf('pip-no-require-hashes', 'Dockerfile', text)).toEqual([]);
  });

  test('workflow steps and scripts are read too', () => {
    const workflow = lines('on: push', 'jobs:', '  t:', '    runs-on: ubuntu-24.04', '    steps:', '      - run: |', '          python -m pip install --upgrade pip', '          pip install --require-hashes -r requirements.txt');
    expect(linesOf('pip-no-require-hashes', '.github/workflows/test.yml', workflow)).toEqual([7]);
    expect(linesOf('pip-no-require-hashes', 'tools/setup.sh', 'set -e\npip install pre-commit\n')).toEqual([2]);
  });
});

describe('requirements-not-hashed', () => {
  test('a line without == or without --hash; editable, URL and path lines are not index requirements', () => {
    const text = lines(
      '--index-url https://pypi.example.org/simple/',
      `appkit==2.1.0 --hash=sha256:${HASH}`,
      'httpcore==1.0.5',
      'tomli>=1.1 ; python_version < "3.11"',
      `certstore==2024.8.30 \\`,
      `    --hash=sha256:${HASH}`,
      'colorlog',
      '-e ./vendor/internal-lib',
      'internal @ https://git.example.org/internal/internal-1.0.tar.gz',
      './wheels/local-0.1-py3-none-any.whl',
    );
    const findings = findingsOf('requirements-not-hashed', 'requirements.txt', text);
    expect(findings.map((f) => f.line)).toEqual([3, 4, 7]);
    expect(findings[0]!.message).toBe('httpcore==1.0.5 has no --hash, so pip cannot check the file it downloads');
    expect(findings[1]!.message).toBe('tomli>=1.1 is not pinned to one version with ==, so each install may pick another');
    expect(findings[2]!.fix).toBe('colorlog==<version> --hash=sha256:<hash of each distribution file> (repro-pins pin writes them)');
  });
});
