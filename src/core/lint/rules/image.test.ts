import { findingsOf, lines, linesOf } from '../lint-test-kit.js';

// The fixture digest and commit (see fixtures/lint/README.md): no real image or commit.
const DIGEST = 'sha256:dad54bb84d4ce31900c09983df8393ce8e09950fc73318580a5c90e3504c92bf';
const SHA = 'bc6afccdf79d4faf612cb27b623e4283a312a265';

describe('image-not-pinned', () => {
  test('every image of a Dockerfile without a digest, in any case and form, and never scratch or a stage', () => {
    const text = lines(
      '# syntax=docker/dockerfile:1.7',
      'ARG PY=3.12',
      `from --platform=$BUILDPLATFORM golang:1.23@${DIGEST} as build`,
      'FROM python:${PY}-slim AS app',
      'COPY --from=build /out /usr/local/bin/',
      'copy --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx/',
      'RUN --mount=type=bind,from=busybox:1.36,source=/bin/busybox,target=/bb /bb true',
      'FROM scratch',
      'COPY --from=app /app /app',
    );
    expect(linesOf('image-not-pinned', 'Dockerfile', text)).toEqual([1, 4, 6, 7]);
  });

  test('the message names the image and the fix writes it with a digest', () => {
    const [finding] = findingsOf('image-not-pinned', 'Containerfile', 'FROM ghcr.io/acme/base:2.1\n');
    expect(finding).toMatchObject({ level: 'error', line: 1 });
    expect(finding!.message).toContain('ghcr.io/acme/base:2.1');
    expect(finding!.fix).toBe('ghcr.io/acme/base:2.1@sha256:<digest> (repro-pins pin looks up the digest and writes it)');
  });

  test('an image only known at build time is reported at warning at most, with the reason', () => {
    const text = lines('ARG BASE', `ARG TOOLS=alpine:3.20@${DIGEST}`, 'FROM ${BASE}', 'FROM ${TOOLS}');
    const findings = findingsOf('image-not-pinned', 'Dockerfile', text);
    expect(findings.map((f) => [f.line, f.level])).toEqual([[3, 'warning']]);
    expect(findings[0]!.message).toContain('ARG BASE has no default value');
  });

  test('compose, workflow and .ko.yaml images come from the managers', () => {
    const compose = lines('services:', '  db:', '    image: postgres:16', '  cache:', `    image: redis:7@${DIGEST}`, '  app:', '    build: .', '    image: acme/app:dev');
    expect(linesOf('image-not-pinned', 'compose.yaml', compose)).toEqual([3]);
    const workflow = lines(
      'on: push',
      'jobs:',
      '  test:',
      '    runs-on: ubuntu-24.04',
      '    container: node:22',
      '    services:',
      `      db: { image: "postgres:16@${DIGEST}" }`,
      '    steps:',
      '      - uses: docker://alpine:3.20',
      `      - uses: docker://alpine:3.20@${DIGEST}`,
    );
    expect(linesOf('image-not-pinned', '.github/workflows/ci.yml', workflow)).toEqual([5, 9]);
    const ko = lines('defaultBaseImage: cgr.dev/chainguard/static', 'baseImageOverrides:', `  example.com/cmd/app: gcr.io/distroless/static:nonroot@${DIGEST}`);
    expect(linesOf('image-not-pinned', '.ko.yaml', ko)).toEqual([1]);
  });

  test('ignoreDeps leaves an image out', () => {
    expect(linesOf('image-not-pinned', 'Dockerfile', 'FROM python:3.12\n', { ignoreDeps: ['docker.io/library/python'] })).toEqual([]);
  });
});

describe('image-latest', () => {
  test('no tag or the tag latest, with or without a digest; a digest alone is fine', () => {
    const text = lines('FROM ubuntu', 'FROM node:latest', `FROM alpine:latest@${DIGEST}`, `FROM debian@${DIGEST}`, 'FROM python:3.12', 'ARG X', 'FROM $X');
    const findings = findingsOf('image-latest', 'Dockerfile', text);
    expect(findings.map((f) => [f.line, f.level])).toEqual([
      [1, 'warning'],
      [2, 'warning'],
      [3, 'warning'],
    ]);
    expect(findings[0]!.message).toContain('ubuntu has no tag');
  });
});

describe('action-not-pinned', () => {
  test('tags and branches are reported; commit SHAs, local actions and docker:// images are not', () => {
    const text = lines(
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - uses: actions/checkout@v4',
      `      - uses: actions/setup-node@${SHA} # v4.1.0`,
      '      - uses: ./.github/actions/local',
      `      - uses: docker://alpine:3.20@${DIGEST}`,
      "      - uses: 'github/codeql-action/init@main'",
      '  release:',
      '    uses: acme/workflows/.github/workflows/release.yml@v2',
    );
    const findings = findingsOf('action-not-pinned', '.github/workflows/ci.yml', text);
    expect(findings.map((f) => f.line)).toEqual([6, 10, 12]);
    expect(findings[0]).toMatchObject({ level: 'error', message: 'actions/checkout@v4 is not pinned to a commit SHA: the owners of actions/checkout can move v4 to other code' });
    expect(findings[0]!.fix).toBe('actions/checkout@<40-hex commit SHA> # v4 (repro-pins pin resolves the tag and writes both)');
  });

  test('composite actions are read too', () => {
    const text = lines('runs:', '  using: composite', '  steps:', '    - uses: actions/cache@v4', '    - run: echo hi', '      shell: bash');
    expect(linesOf('action-not-pinned', 'action.yml', text)).toEqual([4]);
  });
});
