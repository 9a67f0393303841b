import { fixtureText } from '../../../../test/support/package-indexes.js';
import { parsePackagesIndex } from './packages-index.js';

describe('parsePackagesIndex', () => {
  test('reads name, version, architecture and Multi-Arch from real stanzas, skipping continuation lines', () => {
    const packages = parsePackagesIndex(fixtureText('apt/debian-bookworm-main-amd64.Packages'));
    expect([...packages.keys()].sort()).toEqual(['ca-certificates', 'curl', 'git', 'jq', 'libc6', 'libssl3', 'openssl', 'python3', 'tzdata']);
    expect(packages.get('ca-certificates')).toEqual([{ name: 'ca-certificates', version: '20230311+deb12u1', architecture: 'all', multiArch: 'foreign' }]);
    expect(packages.get('git')).toEqual([{ name: 'git', version: '1:2.39.5-0+deb12u3', architecture: 'amd64', multiArch: 'foreign' }]);
    expect(packages.get('python3')?.[0]?.multiArch).toBe('allowed');
  });

  test('CRLF line ends, stanzas without a version and repeated names', () => {
    const packages = parsePackagesIndex('Package: a\r\nVersion: 1\r\nArchitecture: amd64\r\n\r\nPackage: b\r\n\r\nPackage: a\nVersion: 2\nArchitecture: i386\n');
    expect(packages.get('a')?.map((p) => [p.version, p.architecture])).toEqual([['1', 'amd64'], ['2', 'i386']]);
    expect(packages.has('b')).toBe(false);
  });
});
