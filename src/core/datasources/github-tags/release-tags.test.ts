import { isGitRefName } from './release-tags.js';

describe('isGitRefName (git-check-ref-format rules)', () => {
  test('real release tag names pass', () => {
    for (const name of ['v4', 'v4.2.2', 'v1.0.0-rc.1+build.5', 'release/2024-06', 'codeql-bundle-v2.17.6', 'v2@2']) expect(isGitRefName(name)).toBe(true);
  });

  test('every rule of git-check-ref-format refuses its case', () => {
    const refused = {
      'a newline': 'v4\nenv:', 'a space': 'v4 x', 'a control character': 'v4\u0007', DEL: 'v4\u007f',
      '~': 'v4~1', '^': 'v4^', ':': 'a:b', '?': 'v?', '*': 'v*', '[': 'v[1]', backslash: 'a\\b',
      '..': 'v4..5', '@{': 'v4@{1}', '@ alone': '@', 'trailing .': 'v4.', 'leading /': '/v4', 'trailing /': 'v4/', '//': 'a//b',
      'component starting with .': 'a/.b', '.lock component': 'v4.lock', empty: '',
    };
    for (const [rule, name] of Object.entries(refused)) expect([rule, isGitRefName(name)]).toEqual([rule, false]);
  });
});
