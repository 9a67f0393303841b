import { normalizePep440Version } from './pep440-version.js';

describe('normalizePep440Version', () => {
  test('normalises as packaging does (PEP 440 "Normalization"), as text', () => {
    const cases: [string, string][] = [
      ['v1.0', '1.0'], ['1.0-1', '1.0.post1'], ['1.0post', '1.0.post0'], ['1.0alpha2', '1.0a2'], ['1.0-beta.3', '1.0b3'], ['1.0c1', '1.0rc1'],
      ['1.0.preview1', '1.0rc1'], ['1.0-dev4', '1.0.dev4'], ['0!1.0', '1.0'], ['01!2.010', '1!2.10'], ['1.0+ABC-01.x', '1.0+abc.1.x'], [' 2024.6.1 ', '2024.6.1'],
    ];
    expect(cases.map(([raw]) => [raw, normalizePep440Version(raw)])).toEqual(cases);
  });

  test('numbers past 2^53 and of 38 digits stay exactly as written', () => {
    expect(normalizePep440Version('9007199254740993')).toBe('9007199254740993');
    expect(normalizePep440Version(`1${'0'.repeat(37)}.0`)).toBe(`1${'0'.repeat(37)}.0`);
  });

  test('text outside the grammar is not a version', () => {
    for (const raw of ['abc', '1..0', '1.0+', '1.0 && curl x | sh', '1.0\nflask', '1.0;', '', `1.${'0'.repeat(300)}`]) expect([raw, normalizePep440Version(raw)]).toEqual([raw, null]);
  });
});
