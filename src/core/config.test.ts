import { defaultConfig, parseRepoConfig } from './config.js';

describe('repository config', () => {
  test('an empty or absent file gives the defaults', () => {
    expect(parseRepoConfig('')).toEqual({ config: defaultConfig });
    expect(defaultConfig).toMatchObject({ schedule: '0 6 * * 1', timezone: 'UTC', updates: 'digest', ignoreDeps: [], ignorePaths: [] });
  });

  test('the documented example is valid', () => {
    const text = [
      'schedule: "0 6 * * 1"',
      'timezone: Europe/Berlin',
      'managers: [dockerfile, compose, github-actions, ko, pip, apk, apt]',
      'ignorePaths: ["test/fixtures/**"]',
      'ignoreDeps: ["ghcr.io/acme/legacy"]',
      'updates: digest',
      'verify:',
      '  - dockerfile: Dockerfile',
      '    context: .',
      '    platforms: [linux/amd64]',
      'registries:',
      '  registry.internal:5000: { insecure: true }',
      'python: { version: "3.12" }',
      'alpine: { mirror: "https://dl-cdn.alpinelinux.org/alpine", arch: x86_64 }',
      'debian: { mirror: "https://deb.debian.org/debian", securityMirror: "https://security.debian.org/debian-security", arch: amd64 }',
      'ubuntu: { mirror: "http://archive.ubuntu.com/ubuntu", arch: amd64 }',
      'rules: { apt-no-snapshot: off }',
    ].join('\n');
    const parsed = parseRepoConfig(text);
    expect('config' in parsed && parsed.config.registries['registry.internal:5000']).toEqual({ insecure: true });
  });

  test('each error names the line, the key and the reason', () => {
    const parsed = parseRepoConfig('schedule: "0 99 * * 1"\ntimezone: Mars/Olympus\nmanagers: [dockerfile, maven]\nsurprise: true\n');
    expect('errors' in parsed && parsed.errors.map((e) => [e.line, e.key])).toEqual([
      [1, 'schedule'],
      [2, 'timezone'],
      [3, 'managers.1'],
      [4, ''],
    ]);
    expect('errors' in parsed && parsed.errors[3]!.message).toBe('unknown key "surprise"');
  });

  test('invalid YAML is reported with its line, not half-applied', () => {
    const parsed = parseRepoConfig('schedule: "0 6 * * 1"\nmanagers: [dockerfile\n');
    expect('errors' in parsed && parsed.errors[0]!.message).toMatch(/^not valid YAML/);
  });
});
