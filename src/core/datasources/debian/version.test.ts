import fc from 'fast-check';
import { compareDebianVersions, parseDebianVersion } from './version.js';

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
