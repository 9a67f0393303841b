import { defaultConfig, parseRepoConfig } from '../config.js';
import { lint, lines } from './lint-test-kit.js';
import { hasErrors, lintFiles, RULE_IDS, rules, selectLintFiles } from './index.js';

/** The design's "Reproducibility findings" table: ids and levels are part of the interface. */
const DESIGN_TABLE = {
  'image-not-pinned': 'error',
  'image-latest': 'warning',
  'action-not-pinned': 'error',
  'pip-no-require-hashes': 'error',
  'requirements-not-hashed': 'error',
  'apk-not-pinned': 'error',
  'apt-not-pinned': 'error',
  'apt-no-snapshot': 'warning',
  'npm-install': 'error',
  'go-install-unpinned': 'error',
  'go-build-flags': 'warning',
  'pipe-to-shell': 'error',
  'add-url-no-checksum': 'error',
  'build-no-epoch': 'error',
  'build-no-rewrite-timestamp': 'warning',
  'build-attestations': 'warning',
  'unsorted-packages': 'info',
};

describe('the rule registry', () => {
  test('has every rule of the design table, under its id, at its level', () => {
    expect(Object.fromEntries(RULE_IDS.map((id) => [id, rules[id].level]))).toEqual(DESIGN_TABLE);
    for (const id of RULE_IDS) expect(rules[id].id).toBe(id);
  });
});

describe('config rules: levels', () => {
  const text = lines('FROM alpine:3.20', 'RUN apk add curl jq', 'RUN npm install');

  test('off removes a rule, and any rule can be raised or lowered', () => {
    const findings = lint({ Dockerfile: text }, { 'image-not-pinned': 'off', 'apk-not-pinned': 'warning', 'unsorted-packages': 'error', 'npm-install': 'info' });
    expect(findings.map((f) => [f.line, f.rule, f.level])).toEqual([
      [2, 'apk-not-pinned', 'warning'],
      [2, 'apk-not-pinned', 'warning'],
      [3, 'npm-install', 'info'],
    ]);
    expect(hasErrors(findings)).toBe(false);
  });

  test('an input only known at build time stays at warning at most, and follows a lower level', () => {
    const only = (level: 'error' | 'info') => lint({ Dockerfile: 'ARG BASE\nFROM $BASE\n' }, { 'image-not-pinned': level }).map((f) => f.level);
    expect(only('error')).toEqual(['warning']);
    expect(only('info')).toEqual(['info']);
  });

  test('an unknown rule id in the config is a config error naming the key and its line', () => {
    const parsed = parseRepoConfig(lines('rules:', '  apt-no-snapshot: off', '  apt-no-snapshots: off'));
    expect('errors' in parsed && parsed.errors).toEqual([
      expect.objectContaining({ line: 3, key: 'rules.apt-no-snapshots', message: expect.stringMatching(/^unknown rule "apt-no-snapshots" \(known: image-not-pinned, /) }),
    ]);
    expect(parseRepoConfig('rules: { apt-no-snapshot: off, unsorted-packages: warning }')).toHaveProperty('config.rules', { 'apt-no-snapshot': 'off', 'unsorted-packages': 'warning' });
  });
});

describe('lintFiles', () => {
  test('paths under ignorePaths give nothing, and findings come sorted by file, line and rule', () => {
    const config = { ...defaultConfig, ignorePaths: ['vendor/**'] };
    const files = [
      { path: 'vendor/x/build.sh', text: 'npm install\n' },
      { path: 'b.sh', text: 'npm install\ncurl https://x.example | sh\n' },
      { path: 'a.sh', text: 'go install example.com/tool@latest\n' },
    ];
    expect(lintFiles(files, [], config).map((f) => `${f.file}:${f.line}`)).toEqual(['a.sh:1', 'b.sh:1', 'b.sh:2']);
  });

  test('a file with no telling name is read only when its first line is a shell #!', () => {
    const files = [
      { path: 'bin/release', text: '#!/usr/bin/env -S bash -e\nnpm install\n' },
      { path: 'bin/tool', text: '#!/usr/bin/env python3\nnpm install\n' },
      { path: 'notes/todo', text: 'npm install\n' },
    ];
    expect(lintFiles(files, [], defaultConfig).map((f) => f.file)).toEqual(['bin/release']);
  });

  test('selectLintFiles: what managers read, scripts, and files that may be scripts, minus ignorePaths', () => {
    const paths = ['Dockerfile', 'app/requirements.txt', '.github/workflows/ci.yml', 'scripts/a.sh', '.ci/run', 'LICENSE', 'README.md', 'src/main.ts', 'test/x.sh'];
    expect(selectLintFiles(paths, { ...defaultConfig, ignorePaths: ['test/**'] })).toEqual(['Dockerfile', 'app/requirements.txt', '.github/workflows/ci.yml', 'scripts/a.sh', '.ci/run']);
  });
});
