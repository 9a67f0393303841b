import { readFileSync } from 'node:fs';
import { defaultConfig } from '../../config.js';
import { pipManager } from './index.js';
import { parseRequirementsFile, type RequirementsEntry } from './requirements-file.js';

const fixture = (name: string) => readFileSync(new URL(`../../../../fixtures/pip/${name}`, import.meta.url), 'utf8');

function summary(entry: RequirementsEntry): string {
  switch (entry.kind) {
    case 'requirement': {
      const { name, extras, specifier, markerText } = entry.requirement;
      return `${entry.logical.line} requirement ${name}${extras.length ? `[${extras.join(',')}]` : ''} "${specifier}"${markerText ? ` ; ${markerText}` : ''}${entry.hashes.length ? ` hashes=${entry.hashes.length}` : ''}`;
    }
    case 'include':
      return `${entry.logical.line} include ${entry.mode} ${entry.path}`;
    case 'index-url':
      return `${entry.logical.line} ${entry.extra ? 'extra-index-url' : 'index-url'} ${entry.url}`;
    case 'unindexed':
      return `${entry.logical.line} unindexed ${entry.target}`;
    case 'invalid':
      return `${entry.logical.line} invalid ${entry.message}`;
    default:
      return `${entry.logical.line} ${entry.kind}`;
  }
}

describe('parseRequirementsFile', () => {
  test('reads a real-shaped file: options, includes, extras, markers, hashes, continuations, and what is not from an index', () => {
    expect(parseRequirementsFile(fixture('requirements-mixed.txt')).entries.map(summary)).toEqual([
      '3 index-url https://pypi.example.org/simple/',
      '4 include constraint constraints.txt',
      '6 requirement appkit[speed] ">=2.0"',
      '7 requirement httpcore "==1.0.5" hashes=1',
      '9 requirement certstore "" ; python_version >= "3.8"',
      '10 requirement tomli ">=1.1" ; python_version < "3.11"',
      '13 unindexed ./vendor/internal-lib',
      '14 unindexed internal @ https://git.example.org/internal/internal-1.0.tar.gz',
      '15 unindexed ./wheels/local-0.1-py3-none-any.whl',
    ]);
  });

  test('joins continuation lines the way pip does: a comment line ends the join, an inline "#" comments out the rest', () => {
    const text = ['a==1 \\', '  --hash=sha256:aa \\', '  # own-line comment', 'b==2 # note \\', 'c==3', 'd==4 \\'].join('\n');
    const entries = parseRequirementsFile(text).entries;
    expect(entries.map(summary)).toEqual(['1 requirement a "==1" hashes=1', '4 requirement b "==2"', '6 requirement d "==4"']);
    const [a] = entries;
    expect(a?.logical).toMatchObject({ line: 1, physicalLines: 3, commentOwnLine: true, continuationIndent: '  ' });
  });

  test('accepts every spelling of the options pip documents', () => {
    const text = ['-r base.txt', '--requirement=dev.txt', '-cconstraints.txt', '--constraint constraints.txt', '-i https://a/simple', '--extra-index-url=https://b/simple', '--trusted-host b', '--no-index', '--pre', '-e git+https://github.com/a/b#egg=b'].join('\r\n');
    expect(parseRequirementsFile(text).entries.map(summary)).toEqual([
      '1 include requirement base.txt',
      '2 include requirement dev.txt',
      '3 include constraint constraints.txt',
      '4 include constraint constraints.txt',
      '5 index-url https://a/simple',
      '6 extra-index-url https://b/simple',
      '7 trusted-host',
      '8 no-index',
      '10 unindexed git+https://github.com/a/b#egg=b',
    ]);
    expect(parseRequirementsFile(text).eol).toBe('\r\n');
  });

  test('reports malformed lines with their line numbers', () => {
    expect(parseRequirementsFile('ok==1\nbad[extra\nx>=>1\ny --hash=nothex\n-r\n').entries.map(summary)).toEqual([
      '1 requirement ok "==1"',
      '2 invalid the extras of bad are missing their closing "]"',
      '3 invalid ">=>1" is not a valid version specifier for x',
      '4 invalid --hash=nothex is not "<algorithm>:<hex digest>"',
      '5 invalid -r needs a value',
    ]);
  });
});

describe('pip manager extract', () => {
  test('lists requirements with their values and pinned state, and skips what has no index version with a reason', () => {
    const { refs, problems } = pipManager.extract({ path: 'services/api/requirements-mixed.txt', text: fixture('requirements-mixed.txt') }, defaultConfig);
    expect(problems).toEqual([]);
    expect(refs.map((r) => [r.line, r.name, r.value, r.pinned, r.skipped])).toEqual([
      [6, 'appkit', '>=2.0', false, null],
      [7, 'httpcore', '1.0.5', true, null],
      [9, 'certstore', null, false, null],
      [10, 'tomli', '>=1.1', false, null],
      [13, './vendor/internal-lib', null, false, 'an editable requirement is installed from a local path or a VCS URL, not from an index'],
      [14, 'internal @ https://git.example.org/internal/internal-1.0.tar.gz', null, false, 'a direct URL reference (name @ url) is installed from that URL, not looked up on an index'],
      [15, './wheels/local-0.1-py3-none-any.whl', null, false, 'a local path is installed as it is, not looked up on an index'],
    ]);
    expect(refs[0]).toMatchObject({ manager: 'pip', datasource: 'python-index', context: { specifier: '>=2.0', extras: 'speed' } });
  });

  test.each([
    ['requirements.txt', true],
    ['services/api/requirements-dev.txt', true],
    ['requirements/base.txt', true],
    ['constraints.txt', true],
    ['docs/requirements_docs.txt', true],
    ['requirements.in', false],
    ['notes.txt', false],
    ['requirements/nested/deep.txt', false],
  ])('reads %s: %s', (path, expected) => {
    expect(pipManager.matches(path)).toBe(expected);
  });
});
