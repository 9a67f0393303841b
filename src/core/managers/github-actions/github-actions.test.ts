import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DependencyRef } from '../../reference.js';
import { defaultConfig } from '../../config.js';
import { githubActionsManager } from './index.js';

const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const shaOf = (label: string) => createHash('sha1').update(label).digest('hex');
// Fixtures write digests as DIGEST(label) and commits as SHA(label) so no test carries a made-up hex string.
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../fixtures/github-actions/${name}`, import.meta.url), 'utf8')
    .replace(/DIGEST\(([^)]*)\)/g, (_, label: string) => digestOf(label))
    .replace(/SHA\(([^)]*)\)/g, (_, label: string) => shaOf(label));

/** Pins every pinnable reference, last span first so earlier spans stay valid; actions get v4.2.2 of their repository. */
function pinAll(text: string, refs: DependencyRef[]): string {
  const pinnable = refs.filter((r) => r.site).sort((a, b) => b.site!.span.start - a.site!.span.start);
  return pinnable.reduce((out, ref) => {
    const pin = ref.datasource === 'github-tags' ? { digest: shaOf(`${ref.name} v4.2.2`), tag: 'v4.2.2' } : { digest: digestOf(`${ref.name}:${ref.value ?? 'latest'}`) };
    return githubActionsManager.replace(out, ref, pin);
  }, text);
}

const summary = (refs: DependencyRef[]) => refs.map(({ line, name, value, digest, pinned, skipped, site }) => ({ line, name, value, digest, pinned, skipped, raw: site?.raw ?? null }));

const EXPRESSION = 'the image uses a GitHub Actions expression (${{ ... }}), so it is only known when the workflow runs';

describe('github-actions manager', () => {
  it('reads workflow files in .github/workflows at the repository root, and action metadata anywhere', () => {
    for (const path of ['.github/workflows/ci.yml', '.github/workflows/release.yaml', 'action.yml', '.github/actions/setup/action.yml', 'tools/lint/action.yaml']) {
      expect(githubActionsManager.matches(path)).toBe(true);
    }
    for (const path of ['.github/workflows/nested/ci.yml', 'sub/.github/workflows/ci.yml', '.github/dependabot.yml', '.github/workflows/ci.json', 'my-action.yml', 'action.yml.bak']) {
      expect(githubActionsManager.matches(path)).toBe(false);
    }
  });

  it('finds container, service and docker:// step images and step actions with exact spans', () => {
    const text = fixture('ci.yml');
    const { refs, problems } = githubActionsManager.extract({ path: '.github/workflows/ci.yml', text }, defaultConfig);
    expect(problems).toEqual([]);
    expect(summary(refs)).toEqual([
      { line: 17, name: 'python', value: '3.12-slim-bookworm', digest: null, pinned: false, skipped: null, raw: 'python:3.12-slim-bookworm' },
      { line: 21, name: 'postgres', value: '16', digest: null, pinned: false, skipped: null, raw: 'postgres:16' },
      { line: 28, name: 'redis', value: '7-alpine', digest: null, pinned: false, skipped: null, raw: 'redis:7-alpine' },
      { line: 32, name: 'actions/checkout', value: 'v4', digest: null, pinned: false, skipped: null, raw: 'v4' },
      { line: 34, name: 'koalaman/shellcheck', value: 'v0.10.0', digest: null, pinned: false, skipped: null, raw: 'koalaman/shellcheck:v0.10.0' },
      {
        line: 38,
        name: 'ghcr.io/hadolint/hadolint',
        value: 'v2.12.0',
        digest: digestOf('hadolint stale'),
        pinned: true,
        skipped: null,
        raw: `ghcr.io/hadolint/hadolint:v2.12.0@${digestOf('hadolint stale')}`,
      },
      { line: 48, name: '${{ matrix.image }}', value: null, digest: null, pinned: false, skipped: EXPRESSION, raw: null },
      { line: 54, name: 'node', value: '20', digest: null, pinned: false, skipped: null, raw: 'node:20' },
    ]);
    for (const ref of refs) {
      expect(ref).toMatchObject({ file: '.github/workflows/ci.yml', manager: 'github-actions', datasource: ref.name === 'actions/checkout' ? 'github-tags' : 'docker' });
      if (ref.site) expect(text.slice(ref.site.span.start, ref.site.span.end)).toBe(ref.site.raw);
    }
  });

  it('pins after docker:// and inside quotes, replacing a stale digest and keeping every other byte', () => {
    const text = fixture('ci.yml');
    const { refs } = githubActionsManager.extract({ path: '.github/workflows/ci.yml', text }, defaultConfig);
    expect(pinAll(text, refs)).toBe(fixture('ci.pinned.yml'));
  });

  it('skips expression and block-scalar images and reports malformed step images as problems', () => {
    const text = fixture('release.yml');
    const { refs, problems } = githubActionsManager.extract({ path: '.github/workflows/release.yml', text }, defaultConfig);
    expect(summary(refs)).toEqual([
      { line: 9, name: 'ghcr.io/acme/builder:${{ inputs.builder-tag }}', value: null, digest: null, pinned: false, skipped: EXPRESSION, raw: null },
      { line: 15, name: 'registry', value: '2', digest: null, pinned: false, skipped: null, raw: 'registry:2' },
      {
        line: 18,
        name: 'minio/minio',
        value: 'RELEASE.2024-10-13T13-34-11Z',
        digest: null,
        pinned: false,
        skipped: 'the value is a block scalar (| or >); write it on one line to pin it',
        raw: null,
      },
      { line: 22, name: 'alpine', value: '3.20', digest: null, pinned: false, skipped: null, raw: 'alpine:3.20' },
    ]);
    expect(problems).toEqual([
      {
        file: '.github/workflows/release.yml',
        line: 21,
        dependency: 'Alpine:3.20',
        message: '"Alpine" is not a valid image name (names are lowercase letters, digits and separators)',
      },
    ]);
  });

  it('leaves local actions, local reusable workflows and empty containers alone', () => {
    const text = [
      'jobs:',
      '  build:',
      "    container: ''",
      '    services:',
      '      cache: redis:7', // the string form GitHub rejects
      '    steps:',
      '      - uses: ./.github/actions/build',
      '      - uses: ../sibling',
      '      - uses:',
      '  call:',
      '    uses: ./.github/workflows/build.yml',
      '',
    ].join('\n');
    expect(githubActionsManager.extract({ path: '.github/workflows/ci.yml', text }, defaultConfig)).toEqual({ refs: [], problems: [] });
  });

  it('finds uses: in parallel groups, their sequential branches and groups nested in those, at their lines', () => {
    const text = fixture('parallel-steps.yml');
    const { refs, problems } = githubActionsManager.extract({ path: '.github/workflows/build.yml', text }, defaultConfig);
    expect(problems).toEqual([]);
    expect(summary(refs).map(({ line, name, value, raw }) => [line, name, value, raw])).toEqual([
      [12, 'actions/checkout', 'v4', 'v4'],
      [15, 'registry', '2', 'registry:2'],
      [19, 'actions/setup-node', 'v4', 'v4 # v4.0.0'],
      [22, 'actions/setup-python', 'v5', "v5'"],
      [26, 'actions/cache/restore', 'v4', 'v4'],
      [27, 'ghcr.io/astral-sh/uv', '0.4.30', 'ghcr.io/astral-sh/uv:0.4.30'],
      [29, 'hadolint/hadolint-action', 'v3.1.0', `${shaOf('hadolint/hadolint-action v3.1.0')} # renovate: tag=v3.1.0`],
    ]);
    expect(pinAll(text, refs)).toBe(fixture('parallel-steps.pinned.yml'));
  });

  it('reads a group aliased into itself once, without looping', () => {
    const text = 'jobs:\n  a:\n    steps: &steps\n      - uses: actions/checkout@v4\n      - parallel: *steps\n      - sequential:\n          - uses: docker://alpine:3.20\n';
    const { refs, problems } = githubActionsManager.extract({ path: '.github/workflows/ci.yml', text }, defaultConfig);
    expect(problems).toEqual([]);
    expect(refs.map((r) => [r.line, r.name])).toEqual([
      [4, 'actions/checkout'],
      [7, 'alpine'],
    ]);
  });

  it("reads ratchet's pinned images: the tag from the comment, the digest refreshed, the spelling and the comment kept", () => {
    const text = fixture('ratchet.yml');
    const { refs, problems } = githubActionsManager.extract({ path: '.github/workflows/test.yml', text }, defaultConfig);
    expect(problems).toEqual([]);
    const images = refs.filter((r) => r.datasource === 'docker');
    expect(summary(images)).toEqual([
      { line: 12, name: 'node', value: '22', digest: digestOf('node:22'), pinned: true, skipped: null, raw: `node@${digestOf('node:22')}` },
      { line: 15, name: 'postgres', value: '16', digest: digestOf('postgres:16'), pinned: true, skipped: null, raw: `postgres@${digestOf('postgres:16')}` },
      { line: 19, name: 'ubuntu', value: '20.04', digest: digestOf('ubuntu:20.04'), pinned: true, skipped: null, raw: `ubuntu@${digestOf('ubuntu:20.04')}` },
    ]);
    const fresh = (ref: DependencyRef) => digestOf(`${ref.name}:${ref.value} rebuilt`);
    const out = [...images].reverse().reduce((t, ref) => githubActionsManager.replace(t, ref, { digest: fresh(ref) }), text);
    expect(out).toBe(
      text
        .replace(`'node@${digestOf('node:22')}'`, `'node@${fresh(images[0]!)}'`)
        .replace(`'postgres@${digestOf('postgres:16')}'`, `'postgres@${fresh(images[1]!)}'`)
        .replace(`'docker://ubuntu@${digestOf('ubuntu:20.04')}'`, `'docker://ubuntu@${fresh(images[2]!)}'`),
    );
  });

  it('leaves images ratchet excluded, or whose ratchet comment names another image, with the reason', () => {
    const text = [
      'jobs:',
      '  a:',
      '    container: node:22 # ratchet:exclude',
      '    steps:',
      `      - uses: docker://ubuntu@${digestOf('ubuntu:22.04')} # ratchet:docker://debian:12`,
      `      - uses: docker://docker.io/library/alpine@${digestOf('alpine:3.20')} # ratchet:docker://alpine:3.20`,
      '',
    ].join('\n');
    const { refs } = githubActionsManager.extract({ path: '.github/workflows/ci.yml', text }, defaultConfig);
    expect(summary(refs).map(({ line, value, skipped, raw }) => [line, value, skipped, raw])).toEqual([
      [3, '22', 'a `# ratchet:exclude` comment keeps it from being pinned', null],
      [5, null, 'its `# ratchet:docker://debian:12` comment names another image than ubuntu; correct the comment or remove it to pin this reference', null],
      // Docker Hub's spellings of one image are the same image.
      [6, '3.20', null, `docker.io/library/alpine@${digestOf('alpine:3.20')}`],
    ]);
  });

  it('keeps CRLF line endings when pinning', () => {
    const text = 'jobs:\r\n  test:\r\n    container: "node:20"\r\n    steps:\r\n      - uses: docker://alpine # lint\r\n';
    const { refs } = githubActionsManager.extract({ path: '.github/workflows/ci.yml', text }, defaultConfig);
    expect(summary(refs).map((r) => [r.line, r.raw])).toEqual([
      [3, 'node:20'],
      [5, 'alpine'],
    ]);
    expect(pinAll(text, refs)).toBe(
      `jobs:\r\n  test:\r\n    container: "node:20@${digestOf('node:20')}"\r\n    steps:\r\n      - uses: docker://alpine:latest@${digestOf('alpine:latest')} # lint\r\n`,
    );
  });

  it('reports invalid YAML at the line of the error', () => {
    const text = 'jobs:\n  test:\n    container: node:20\n   steps: []\n';
    expect(githubActionsManager.extract({ path: '.github/workflows/ci.yml', text }, defaultConfig)).toEqual({
      refs: [],
      problems: [{ file: '.github/workflows/ci.yml', line: 4, dependency: null, message: expect.stringMatching(/^not valid YAML: /) }],
    });
  });
});
