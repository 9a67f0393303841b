import { readFileSync } from 'node:fs';
import { parseJsonProjectPage } from '../../datasources/python-index/simple-api.js';
import type { DistributionFile } from '../../datasources/python-index/distributions.js';
import { chooseVersion, exactVersion, type ChoiceOptions } from './resolve.js';

function filesOf(project: string): DistributionFile[] {
  const text = readFileSync(new URL(`../../../../fixtures/pip/index/${project}.json`, import.meta.url), 'utf8');
  const parsed = parseJsonProjectPage(text, `https://pypi.example.org/simple/${project}/`, project);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.files;
}

const py312 = { pythonVersion: '3.12' };
const options: ChoiceOptions = { exact: false, preferredHashes: new Set(), preferredVersion: null, checkInterpreter: true };

describe('chooseVersion: the version pip would install', () => {
  test('the newest final release; a pre-release only when asked for or when nothing else matches', () => {
    expect(chooseVersion(filesOf('httpcore'), [''], py312, options)).toEqual({ ok: true, version: '1.0.5' });
    expect(chooseVersion(filesOf('httpcore'), ['>=1.1.0rc1'], py312, options)).toEqual({ ok: true, version: '1.1.0rc1' });
    expect(chooseVersion(filesOf('httpcore'), ['>1.0.5'], py312, options)).toEqual({ ok: true, version: '1.1.0rc1' });
  });

  test('skips versions whose Requires-Python or wheels rule the target out, unless the line does not apply to it', () => {
    expect(chooseVersion(filesOf('uvloop'), [''], py312, options)).toEqual({ ok: true, version: '0.19.0' });
    expect(chooseVersion(filesOf('uvloop'), [''], { pythonVersion: '3.13' }, options)).toEqual({ ok: true, version: '0.20.0' });
    expect(chooseVersion(filesOf('uvloop'), [''], py312, { ...options, checkInterpreter: false })).toEqual({ ok: true, version: '0.20.0' });
    expect(chooseVersion(filesOf('uvloop'), ['>=0.20'], py312, options)).toEqual({
      ok: false,
      unsatisfiable: false,
      message: 'no usable version matches >=0.20: 0.20.0 has no file that installs on CPython 3.12 on Linux x86_64 (Requires-Python >=3.13)',
    });
  });

  test('yanked releases only for an exact pin (PEP 592)', () => {
    expect(chooseVersion(filesOf('appkit'), [''], py312, options)).toEqual({ ok: true, version: '2.1.0' });
    expect(chooseVersion(filesOf('appkit'), ['==2.2.0'], py312, { ...options, exact: true })).toEqual({ ok: true, version: '2.2.0' });
  });

  test('keeps the version whose files the line’s hashes name, then the version of a previous run, before the newest', () => {
    const old = filesOf('appkit').find((f) => f.version === '2.0.0')!.sha256!;
    expect(chooseVersion(filesOf('appkit'), ['>=2.0'], py312, { ...options, preferredHashes: new Set([old]) })).toEqual({ ok: true, version: '2.0.0' });
    expect(chooseVersion(filesOf('appkit'), ['>=2.0'], py312, { ...options, preferredVersion: '2.0.0' })).toEqual({ ok: true, version: '2.0.0' });
    expect(chooseVersion(filesOf('appkit'), ['>=2.1'], py312, { ...options, preferredVersion: '2.0.0' })).toEqual({ ok: true, version: '2.1.0' });
  });

  test('no version at all is a conflict', () => {
    expect(chooseVersion(filesOf('shared'), ['<2', '>=2'], py312, options)).toEqual({ ok: false, unsatisfiable: true, message: 'no version matches <2, >=2' });
  });

  test.each([
    ['==1.0', '1.0'],
    [' === 1.0-custom', '1.0-custom'],
    ['==1.*', null],
    ['>=1.0', null],
    ['==1.0, !=1.1', null],
  ])('exactVersion(%s) is %s', (specifier, expected) => {
    expect(exactVersion(specifier)).toBe(expected);
  });
});
