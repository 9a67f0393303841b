import nock from 'nock';
import { APK_TEST_KEYS_DIR, fixtureText, serveAlpineV320 } from '../../../../test/support/package-indexes.js';
import { defaultConfig, type RepoConfig } from '../../config.js';
import { alpineDatasource } from '../../datasources/alpine/index.js';
import { extractReferences, planPins } from '../../plan.js';
import type { DependencyRef, ManagerName, SourceFile } from '../../reference.js';
import { dockerfileManager } from '../dockerfile/index.js';
import type { Manager } from '../manager.js';
import { alpineBranchOf } from './branch.js';
import { apkManager } from './index.js';
import { useNock } from '../../../../test/support/nock.js';

const MIRROR = 'https://alpine.mirror.test/alpine';
const config = (extra: Partial<RepoConfig> = {}): RepoConfig => ({ ...defaultConfig, ...extra });
const extract = (text: string, cfg = config()) => apkManager.extract({ path: 'Dockerfile', text }, cfg);
const summary = (refs: DependencyRef[]) => refs.map((r) => [r.line, r.name, r.value, r.skipped === null ? r.context?.branch : r.skipped]);
const managers = new Map<ManagerName, Manager>([['dockerfile', dockerfileManager], ['apk', apkManager]]);

/** Runs the planner over one Dockerfile with the apk manager and a nock-served mirror. */
async function pin(text: string, cfg = config()) {
  const files: SourceFile[] = [{ path: 'Dockerfile', text }];
  const readers = new Map([['Dockerfile', [apkManager]]]);
  const { refs } = extractReferences(files, readers, cfg);
  const plan = await planPins(files, refs, { alpine: alpineDatasource({ mirror: MIRROR, keysDir: APK_TEST_KEYS_DIR }) }, managers, cfg);
  return { ...plan, text: plan.files.get('Dockerfile') ?? text };
}

const serveV320 = (options?: { community: boolean }) => serveAlpineV320(MIRROR, options);

useNock();

describe('apk manager', () => {
  test('reads every apk add of a multi-stage Dockerfile: virtual names and apk del are not packages; the exec form’s are', () => {
    const { refs, problems } = extract(fixtureText('apk/python-alpine.Dockerfile'));
    expect(problems).toEqual([]);
    expect(summary(refs)).toEqual([
      [5, 'openssl-dev', null, 'v3.20'],
      [6, 'gcc', null, 'v3.20'],
      [7, 'musl-dev', null, 'v3.20'],
      [13, 'openssl', '3.3.2-r1', 'v3.20'],
      [14, 'curl', null, 'v3.20'],
      [15, 'ca-certificates', null, 'v3.20'],
      [19, 'jq', null, 'v3.20'],
      [19, 'bash', null, 'v3.20'],
      [21, 'git', null, 'v3.20'],
    ]);
    expect(refs[3]).toMatchObject({ pinned: true, site: { raw: 'openssl=3.3.2-r1' } });
    expect(refs[7]!.context).toMatchObject({ constraint: '~5.2' });
  });

  test('pins `apk add curl openssl` to the served versions in a sorted list, every other byte unchanged', async () => {
    serveV320();
    const text = 'FROM alpine:3.20\nRUN apk add --no-cache curl openssl && rm -rf /tmp/*\n';
    const plan = await pin(text);
    expect(plan.problems).toEqual([]);
    expect(plan.text).toBe('FROM alpine:3.20\nRUN apk add --no-cache curl=8.12.1-r0 openssl=3.3.3-r0 && rm -rf /tmp/*\n');
    // Both lookups shared one download of main; community was never needed.
    expect(plan.lookups).toBe(2);
  });

  test('a package only community has is found there', async () => {
    serveV320({ community: true });
    const plan = await pin('FROM alpine:3.20\nRUN apk add yq-go shellcheck\n');
    expect(plan.text).toBe('FROM alpine:3.20\nRUN apk add shellcheck=0.10.0-r1 yq-go=4.44.1-r2\n');
  });

  test('pins the fixture: lists sorted in place across continuations, a vanished version re-pinned with a note', async () => {
    serveV320();
    const text = fixtureText('apk/python-alpine.Dockerfile');
    const plan = await pin(text);
    expect(plan.problems).toEqual([]);
    const expected = text
      .replace('        openssl-dev \\\n        gcc \\\n        musl-dev \\', '        gcc=13.2.1_git20240309-r0 \\\n        musl-dev=1.2.5-r0 \\\n        openssl-dev=3.3.3-r0 \\')
      .replace('      openssl=3.3.2-r1 \\\n      curl \\\n      ca-certificates \\', '      ca-certificates=20241121-r1 \\\n      curl=8.12.1-r0 \\\n      openssl=3.3.3-r0 \\')
      .replace('apk -U add jq "bash~5.2"', 'apk -U add bash=5.2.26-r0 jq=1.7.1-r0')
      .replace('"apk add --no-cache git"', '"apk add --no-cache git=2.45.3-r0"');
    expect(plan.text).toBe(expected);
    expect(plan.changes.find((c) => c.name === 'openssl')).toEqual({
      file: 'Dockerfile',
      line: 13,
      manager: 'apk',
      name: 'openssl',
      value: '3.3.2-r1',
      from: '3.3.2-r1',
      to: '3.3.3-r0',
      note: 'openssl=3.3.2-r1 is gone from Alpine v3.20, which keeps only the newest version of a package; re-pinned to 3.3.3-r0',
    });
    // Pinning again changes nothing: every pin is current.
    serveV320();
    const again = await pin(plan.text);
    expect(again.files.size).toBe(0);
    expect(again.current).toHaveLength(9);
  });

  test('a package in neither repository is a problem naming file, line and package; the rest is still pinned', async () => {
    serveV320({ community: true });
    const plan = await pin('FROM alpine:3.20\nRUN apk add \\\n    curl \\\n    no-such-package\n');
    expect(plan.problems).toEqual([{ file: 'Dockerfile', line: 4, dependency: 'no-such-package', message: 'package "no-such-package" is not in Alpine v3.20 (main, community; x86_64)' }]);
    expect(plan.text).toBe('FROM alpine:3.20\nRUN apk add \\\n    curl=8.12.1-r0 \\\n    no-such-package\n');
  });

  test.each([
    ['alpine:3.20', 'v3.20'],
    ['alpine:3.20.3', 'v3.20'],
    ['docker.io/library/alpine:3.19.1@sha256:' + 'a'.repeat(64), 'v3.19'],
    ['alpine:edge', 'edge'],
    ['python:3.12-alpine3.20', 'v3.20'],
    ['node:20.15-alpine3.19', 'v3.19'],
    ['ghcr.io/acme/base:1.0-alpine3.21', 'v3.21'],
    ['golang:1.23-alpine3.20.1', 'v3.20'],
  ])('%s is built on Alpine %s', (image, branch) => {
    expect(alpineBranchOf(image)).toEqual({ branch });
  });

  test.each(['node:20-alpine', 'alpine', 'alpine:latest', 'alpine:3', 'debian:bookworm', 'scratch'])('%s names no Alpine branch', (image) => {
    expect(alpineBranchOf(image)).toEqual({ unknown: expect.stringContaining('set alpine.branch in .github/repro-pins.yml') });
  });

  test('a base image without a release is skipped with the reason, unless alpine.branch is configured', () => {
    const text = 'FROM node:20-alpine\nRUN apk add curl\n';
    expect(summary(extract(text).refs)).toEqual([[2, 'curl', null, 'node:20-alpine does not say which Alpine release it is built on: name the release in the tag (alpine:3.20, python:3.12-alpine3.20) or set alpine.branch in .github/repro-pins.yml']]);
    expect(summary(extract(text, config({ alpine: { branch: 'v3.21' } })).refs)).toEqual([[2, 'curl', null, 'v3.21']]);
    expect(extract('ARG BASE\nFROM ${BASE}\nRUN apk add curl\n').refs[0]!.skipped).toContain('ARG BASE has no default value');
  });

  test('options: -U, --update, -t/--virtual values, -X repositories; version operators; words that are not packages', () => {
    const text = [
      'FROM alpine:3.20',
      "RUN apk --update add -t .deps 'curl>8' musl-dev\\",
      '  && apk add -U --virtual=.x git=2.45.3-r0 cmd:bash so:libz.so.1 ./local.apk /tmp/x.apk $EXTRA "${MORE}" !busybox-extras \\',
      '  && apk add -X https://dl-cdn.alpinelinux.org/alpine/edge/testing hadolint && apk add curl@edge',
      '',
    ].join('\n');
    const refs = extract(text).refs;
    expect(refs.map((r) => [r.name, r.value, r.skipped ?? 'pinnable'])).toEqual([
      ['curl', null, 'pinnable'],
      ['musl-dev', null, 'pinnable'],
      ['git', '2.45.3-r0', 'pinnable'],
      ['cmd:bash', null, 'names something packages provide (cmd:…), not a package'],
      ['so:libz.so.1', null, 'names something packages provide (so:…), not a package'],
      ['busybox-extras', null, 'is a conflict (`!name`), which installs nothing'],
      ['$EXTRA', null, 'names its packages through a shell variable or pattern, so they are only known at build time'],
      ['"${MORE}"', null, 'names its packages through a shell variable or pattern, so they are only known at build time'],
      ['hadolint', null, 'is installed with --repository https://dl-cdn.alpinelinux.org/alpine/edge/testing, which repro-pins does not read'],
      ['curl', null, 'comes from the tagged repository @edge, which repro-pins does not read'],
    ]);
    expect(refs[0]!.context).toMatchObject({ constraint: '>8' });
  });

  test('instructions in any case, sudo and env in front, RUN heredocs and the exec form are read', () => {
    const text = 'from alpine:3.20\nrun sudo -E env A=1 apk add curl\nRun <<EOF\napk add jq\nEOF\nRUN ["apk", "add", "git"]\n';
    expect(summary(extract(text).refs)).toEqual([[2, 'curl', null, 'v3.20'], [4, 'jq', null, 'v3.20'], [6, 'git', null, 'v3.20']]);
  });

  test('exec-form RUNs, direct or through ["/bin/sh", "-c", "…"] (whatever SHELL says), are pinned inside their JSON strings', () => {
    const text = [
      'FROM alpine:3.20',
      'RUN ["apk", "add", "git", "curl"]',
      'RUN ["/bin/sh", "-c", "apk add --no-cache jq bash && echo \\"done\\""]',
      'SHELL ["pwsh", "-Command"]',
      'RUN ["sh", "-ec", "apk add make"]',
      '',
    ].join('\n');
    const { refs } = extract(text);
    expect(refs.map((r) => [r.line, r.name])).toEqual([[2, 'git'], [2, 'curl'], [3, 'jq'], [3, 'bash'], [5, 'make']]);
    const out = apkManager.replaceAll!(text, refs.map((ref) => ({ ref, pin: { version: `${ref.name}-1` } })));
    expect(out.split('\n').slice(1, 5)).toEqual([
      'RUN ["apk", "add", "curl=curl-1", "git=git-1"]',
      'RUN ["/bin/sh", "-c", "apk add --no-cache bash=bash-1 jq=jq-1 && echo \\"done\\""]',
      'SHELL ["pwsh", "-Command"]',
      'RUN ["sh", "-ec", "apk add make=make-1"]',
    ]);
  });

  test('pins land on the right words after the image digest was written earlier in the same file', () => {
    const text = 'FROM alpine:3.20\nRUN apk add openssl curl\n';
    const { refs } = extract(text);
    // What the dockerfile manager's edit does first: the FROM line grows by a digest.
    const withDigest = text.replace('alpine:3.20', `alpine:3.20@sha256:${'b'.repeat(64)}`);
    const out = apkManager.replaceAll!(withDigest, refs.map((ref) => ({ ref, pin: { version: `${ref.name}-1` } })));
    expect(out).toBe(`FROM alpine:3.20@sha256:${'b'.repeat(64)}\nRUN apk add curl=curl-1 openssl=openssl-1\n`);
  });
});
