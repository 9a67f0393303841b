import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRepo, runRepoPins } from '../support/cli-harness.js';

const mixed = fileURLToPath(new URL('../../fixtures/lint/mixed', import.meta.url));

interface FindingJson {
  rule: string;
  level: string;
  file: string;
  line: number;
  message: string;
  fix: string;
}

async function scanJson(dir: string) {
  const run = await runRepoPins(['scan', dir, '--json']);
  return { ...run, json: JSON.parse(run.stdout) as { references: unknown[]; findings: FindingJson[]; errors: unknown[] } };
}

describe('repro-pins scan: reproducibility findings', () => {
  test('a mixed repository: every expected finding at its line and level, and nothing else', async () => {
    const { code, json } = await scanJson(mixed);
    expect(code).toBe(1);
    expect(json.errors).toEqual([]);
    expect(json.findings.map((f) => `${f.file}:${f.line} ${f.level} ${f.rule}`)).toEqual([
      '.github/workflows/build.yml:6 error image-not-pinned',
      '.github/workflows/build.yml:8 error action-not-pinned',
      '.github/workflows/build.yml:12 error npm-install',
      '.github/workflows/build.yml:13 error build-no-epoch',
      '.github/workflows/build.yml:13 warning build-no-rewrite-timestamp',
      '.github/workflows/build.yml:13 warning build-attestations',
      '.ko.yaml:1 error image-not-pinned',
      'Dockerfile:1 error image-not-pinned',
      'Dockerfile:3 error image-not-pinned',
      'Dockerfile:4 error go-install-unpinned',
      // go-build-flags is raised to error by the fixture's .github/repro-pins.yml.
      'Dockerfile:5 error go-build-flags',
      'Dockerfile:6 error npm-install',
      'Dockerfile:7 error pipe-to-shell',
      'Dockerfile:8 error pipe-to-shell',
      'Dockerfile:10 error image-not-pinned',
      'Dockerfile:12 warning apt-no-snapshot',
      'Dockerfile:13 error apt-not-pinned',
      'Dockerfile:14 info unsorted-packages',
      'Dockerfile:15 error pip-no-require-hashes',
      'Dockerfile:16 error add-url-no-checksum',
      'Dockerfile:19 warning image-not-pinned',
      'Dockerfile:20 error apk-not-pinned',
      'Dockerfile:20 error apk-not-pinned',
      'Dockerfile:22 error image-not-pinned',
      'Dockerfile:22 warning image-latest',
      'Dockerfile:25 info unsorted-packages',
      'Dockerfile:26 error npm-install',
      'compose.yaml:3 error image-not-pinned',
      'compose.yaml:3 warning image-latest',
      'hack/publish:2 error go-build-flags',
      'hack/publish:3 error pip-no-require-hashes',
      'requirements.txt:1 error requirements-not-hashed',
      'requirements.txt:2 error requirements-not-hashed',
      'scripts/release.sh:4 error build-no-epoch',
      'scripts/release.sh:6 error pipe-to-shell',
      'scripts/release.sh:7 error go-install-unpinned',
    ]);
  });

  test('each finding has exactly the design fields, and names the dependency or command', async () => {
    const { json } = await scanJson(mixed);
    for (const finding of json.findings) {
      expect(Object.keys(finding)).toEqual(['rule', 'level', 'file', 'line', 'message', 'fix']);
      expect(finding.message.length).toBeGreaterThan(20);
      expect(finding.fix.length).toBeGreaterThan(10);
    }
    expect(json.findings.find((f) => f.file === 'Dockerfile' && f.line === 7)).toEqual({
      rule: 'pipe-to-shell',
      level: 'error',
      file: 'Dockerfile',
      line: 7,
      message: 'https://get.example.com/install.sh is piped into bash and run unchecked: whatever the server sends next time runs in the build',
      fix: "download it to a file, check it against a pinned checksum (echo '<sha256>  install.sh' | sha256sum -c -), then run it; or install a pinned release instead",
    });
    expect(json.references).toContainEqual({ file: 'compose.yaml', line: 3, manager: 'compose', name: 'postgres', value: null, digest: null, pinned: false, skipped: null });
  });

  test('human output lists each finding with file:line, level, rule, message and fix', async () => {
    const run = await runRepoPins(['scan', mixed]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'Dockerfile:20: error: apk-not-pinned: apk add jq names no version, so the build takes whichever the index holds that day\n' +
        '  fix: jq=<version> (repro-pins pin writes the version the base image’s Alpine branch has now)\n',
    );
    expect(run.stderr).toMatch(/36 findings \(28 error, 6 warning, 2 info\)\n$/);
    expect(run.stdout).not.toMatch(/\x1b\[/);
  });

  test('exit 0 when no finding is at level error; config levels decide', async () => {
    const dir = await makeRepo({
      'Dockerfile': 'FROM alpine:3.20@sha256:dad54bb84d4ce31900c09983df8393ce8e09950fc73318580a5c90e3504c92bf\nRUN apk add --no-cache jq curl\n',
      '.github/repro-pins.yml': 'rules:\n  apk-not-pinned: warning\n',
    });
    const { code, json } = await scanJson(dir);
    expect(json.findings.map((f) => `${f.line} ${f.level} ${f.rule}`)).toEqual(['2 warning apk-not-pinned', '2 warning apk-not-pinned', '2 info unsorted-packages']);
    expect(code).toBe(0);
  });

  test('an unknown rule id in the config is a config error: exit 2 naming the key', async () => {
    const dir = await makeRepo({ 'Dockerfile': 'FROM alpine:3.20\n', '.github/repro-pins.yml': 'rules:\n  pipe-to-sh: off\n' });
    const run = await runRepoPins(['scan', dir, '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('.github/repro-pins.yml:2: rules.pipe-to-sh: unknown rule "pipe-to-sh"');
  });

  test('a binary file without an extension is passed over, not reported', async () => {
    const dir = await makeRepo({ 'bin/.keep': '', 'run': '#!/bin/sh\nnpm install\n' });
    // An ELF header and bytes that are not UTF-8.
    await writeFile(join(dir, 'bin/tool'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0xff, 0xfe, 0x00]));
    const { code, json } = await scanJson(dir);
    expect(json.errors).toEqual([]);
    expect(json.findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual(['run:2 npm-install']);
    expect(code).toBe(1);
  });
});
