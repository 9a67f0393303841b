import { fixtureText, serveDebianBookworm, serveUbuntuNoble, testKeyrings } from '../../../../test/support/package-indexes.js';
import { defaultConfig, type RepoConfig } from '../../config.js';
import { debianDatasource } from '../../datasources/debian/index.js';
import { extractReferences, planPins } from '../../plan.js';
import type { DependencyRef, ManagerName, SourceFile } from '../../reference.js';
import type { Manager } from '../manager.js';
import { aptManager } from './index.js';
import { debianSuiteOf, suiteForStage } from './suite.js';
import { useNock } from '../../../../test/support/nock.js';

const DEBIAN = 'https://deb.mirror.test/debian';
const SECURITY = 'https://security.mirror.test/debian-security';
const UBUNTU = 'http://ubuntu.mirror.test/ubuntu';
const config = (extra: Partial<RepoConfig> = {}): RepoConfig => ({ ...defaultConfig, ...extra });
const extract = (text: string, cfg = config()) => aptManager.extract({ path: 'Dockerfile', text }, cfg);
const summary = (refs: DependencyRef[]) => refs.map((r) => [r.line, r.name, r.value, r.skipped ?? `${r.context?.distro}/${r.context?.suite}${r.context?.arch ? `/${r.context.arch}` : ''}`]);

async function pin(text: string) {
  const files: SourceFile[] = [{ path: 'Dockerfile', text }];
  const { refs } = extractReferences(files, new Map([['Dockerfile', [aptManager]]]), config());
  const datasources = { debian: debianDatasource({ debian: { mirror: DEBIAN, securityMirror: SECURITY }, ubuntu: { mirror: UBUNTU }, keyrings: await testKeyrings() }) };
  const plan = await planPins(files, refs, datasources, new Map<ManagerName, Manager>([['apt', aptManager]]), config());
  return { ...plan, text: plan.files.get('Dockerfile') ?? text };
}

const serveBookworm = (options?: { i386: boolean }) => serveDebianBookworm(DEBIAN, SECURITY, options);

useNock();

describe('apt manager', () => {
  test('reads apt-get install and apt install with their flags, in every stage, with the suite of the stage', () => {
    const { refs, problems } = extract(fixtureText('apt/python-slim.Dockerfile'));
    expect(problems).toEqual([]);
    expect(summary(refs)).toEqual([
      [5, 'curl', null, 'debian/bookworm'],
      [6, 'ca-certificates', null, 'debian/bookworm'],
      [7, 'libc6', null, 'debian/bookworm/i386'],
      [13, 'git', '1:2.39.2-1.1', 'debian/bookworm'],
      [13, 'jq', null, 'debian/bookworm'],
      [17, 'openssl', null, 'ubuntu/noble'],
      [17, 'curl', null, 'ubuntu/noble'],
    ]);
  });

  test('pins `apt-get install curl ca-certificates` to the served versions, sorted, the security version winning', async () => {
    await serveBookworm();
    const text = 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*\n';
    const plan = await pin(text);
    expect(plan.problems).toEqual([]);
    expect(plan.text).toBe(
      'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates=20250419~deb12u2 curl=7.88.1-10+deb12u15 && rm -rf /var/lib/apt/lists/*\n',
    );
  });

  test('pins the fixture: continuations, ; chains, a foreign architecture, a vanished version noted, Debian and Ubuntu stages', async () => {
    await serveBookworm({ i386: true });
    await serveUbuntuNoble(UBUNTU);
    const text = fixtureText('apt/python-slim.Dockerfile');
    const plan = await pin(text);
    expect(plan.problems).toEqual([]);
    const expected = text
      .replace('        curl \\\n        ca-certificates \\\n        libc6:i386 \\', '        ca-certificates=20250419~deb12u2 \\\n        curl=7.88.1-10+deb12u15 \\\n        libc6:i386=2.36-9+deb12u14 \\')
      .replace('git=1:2.39.2-1.1 jq;', 'git=1:2.39.5-0+deb12u3 jq=1.6-2.1+deb12u3;')
      .replace('apt install -y openssl curl', 'apt install -y curl=8.5.0-2ubuntu10.16 openssl=3.0.13-0ubuntu3.16');
    expect(plan.text).toBe(expected);
    expect(plan.changes.find((c) => c.name === 'git')?.note).toBe('git=1:2.39.2-1.1 is no longer in bookworm, bookworm-updates or bookworm-security; re-pinned to 1:2.39.5-0+deb12u3');
  });

  test('a missing package is a problem naming file, line and package', async () => {
    await serveBookworm();
    const plan = await pin('FROM debian:12\nRUN apt-get install -y \\\n  curl \\\n  no-such-package\n');
    expect(plan.problems).toEqual([
      { file: 'Dockerfile', line: 4, dependency: 'no-such-package', message: 'package "no-such-package" is not in Debian bookworm for amd64 (searched bookworm/main, bookworm-updates/main, bookworm-security/main)' },
    ]);
    expect(plan.text).toBe('FROM debian:12\nRUN apt-get install -y \\\n  curl=7.88.1-10+deb12u15 \\\n  no-such-package\n');
  });

  test.each([
    ['debian:bookworm', 'debian', 'bookworm'],
    ['debian:12-slim', 'debian', 'bookworm'],
    ['debian:12.6', 'debian', 'bookworm'],
    ['debian:bookworm-20240612-slim', 'debian', 'bookworm'],
    ['debian:trixie', 'debian', 'trixie'],
    ['debian:11', 'debian', 'bullseye'],
    ['debian:stable-slim', 'debian', 'stable'],
    ['debian', 'debian', 'stable'],
    ['debian:unstable', 'debian', 'sid'],
    ['python:3.12-slim-bookworm', 'debian', 'bookworm'],
    ['node:20-bookworm-slim', 'debian', 'bookworm'],
    ['golang:1.22-bullseye', 'debian', 'bullseye'],
    ['python:3.12-slim', 'debian', 'trixie'],
    ['python:3.12', 'debian', 'trixie'],
    ['golang:1.23', 'debian', 'trixie'],
    ['ubuntu:24.04', 'ubuntu', 'noble'],
    ['ubuntu:noble', 'ubuntu', 'noble'],
    ['ubuntu:jammy-20240530', 'ubuntu', 'jammy'],
    ['ubuntu:22.04@sha256:' + 'c'.repeat(64), 'ubuntu', 'jammy'],
    ['eclipse-temurin:21-jdk-jammy', 'ubuntu', 'jammy'],
  ])('%s is %s %s', (image, distro, suite) => {
    expect(debianSuiteOf(image)).toEqual({ distro, suite });
  });

  test.each(['ubuntu:latest', 'ubuntu', 'node:20', 'python:3.12-alpine3.20', 'ghcr.io/acme/python:3.12-slim', 'alpine:3.20', 'debian:experimental'])('%s names no suite', (image) => {
    expect(debianSuiteOf(image)).toMatchObject({ unknown: expect.stringContaining('set debian.suite or ubuntu.suite') });
  });

  test('packages installed after the stage (or a stage it is built on) changes its apt sources are left unpinned, with the line', () => {
    const text = [
      'FROM debian:bookworm AS base',
      'RUN apt-get update && apt-get install -y curl gnupg \\',
      ' && echo "deb https://ppa.example/debian bookworm main" > /etc/apt/sources.list.d/ppa.list \\',
      ' && apt-get update && apt-get install -y ppa-tool',
      'FROM base AS build',
      'RUN apt-get install -y make',
      'FROM debian:bookworm',
      'RUN cat /etc/apt/sources.list.d/debian.sources && apt-get install -y jq',
      'RUN add-apt-repository -y ppa:deadsnakes/ppa && apt-get install -y python3.13',
      '',
    ].join('\n');
    const { refs } = aptManager.extract({ path: 'Dockerfile', text }, config({}));
    const reason = (line: number, program: string) => `is installed after ${program} changes the stage's apt sources (line ${line}), so the suite's index does not say which version apt takes`;
    expect(refs.map((r) => [r.name, r.skipped])).toEqual([
      ['curl', null],
      ['gnupg', null],
      ['ppa-tool', reason(3, 'echo')],
      ['make', reason(3, 'echo')],
      ['jq', null],
      ['python3.13', reason(9, 'add-apt-repository')],
    ]);
  });

  test('a tag that names Debian by number, anywhere, gives its release', () => {
    expect(debianSuiteOf('registry.example/base:debian13')).toEqual({ distro: 'debian', suite: 'trixie' });
    expect(debianSuiteOf('app:1.2-debian12-slim')).toEqual({ distro: 'debian', suite: 'bookworm' });
    expect(debianSuiteOf('foo:debian-12')).toEqual({ distro: 'debian', suite: 'bookworm' });
    expect(debianSuiteOf('foo:debian-99')).toEqual({ distro: null, unknown: expect.stringContaining('cannot tell which Debian or Ubuntu release') });
  });

  test('archived Debian releases are named, not taken for the current stable', () => {
    for (const image of ['python:3.7.10-slim-stretch', 'debian:stretch-slim', 'debian:9', 'node:8-jessie']) {
      expect(debianSuiteOf(image)).toEqual({ distro: 'debian', unknown: expect.stringContaining('only on archive.debian.org') });
    }
    // with the archive configured as the mirror and the suite set, they pin from there
    const stage = { index: 0, name: null, line: 1, baseImage: 'python:3.7-slim-stretch', unknownBase: null, parent: null, runs: [] };
    expect(suiteForStage(stage, config({ debian: { suite: 'stretch', mirror: 'http://archive.debian.org/debian' } }))).toEqual({ distro: 'debian', suite: 'stretch' });
  });

  test('config suites override the detected one for their distribution, and fill in when nothing is detected', () => {
    const stage = (baseImage: string | null) => ({ index: 0, name: null, line: 1, baseImage, unknownBase: baseImage ? null : 'ARG BASE has no default value', parent: null, runs: [] });
    const cfg = config({ debian: { suite: 'trixie' }, ubuntu: { suite: 'jammy' } });
    expect(suiteForStage(stage('debian:bookworm'), cfg)).toEqual({ distro: 'debian', suite: 'trixie' });
    expect(suiteForStage(stage('ubuntu:24.04'), cfg)).toEqual({ distro: 'ubuntu', suite: 'jammy' });
    expect(suiteForStage(stage('node:20'), cfg)).toEqual({ distro: 'debian', suite: 'trixie' });
    expect(suiteForStage(stage(null), config({ ubuntu: { suite: 'noble' } }))).toEqual({ distro: 'ubuntu', suite: 'noble' });
    expect(suiteForStage(stage('ubuntu:24.04'), config({ debian: { suite: 'trixie' } }))).toEqual({ distro: 'ubuntu', suite: 'noble' });
  });

  test('an image without a known release is skipped with the reason', () => {
    expect(summary(extract('FROM node:20\nRUN apt-get install -y curl\n').refs)).toEqual([
      [2, 'curl', null, 'cannot tell which Debian or Ubuntu release node:20 is built on: name the release in the tag (debian:bookworm-slim, python:3.12-slim-bookworm, ubuntu:24.04) or set debian.suite or ubuntu.suite in .github/repro-pins.yml'],
    ]);
  });

  test('flags with values, target releases, removals, local files, patterns and variables', () => {
    const text = [
      'FROM debian:bookworm',
      'RUN apt-get -qqy -o Acquire::Retries=3 -oDpkg::Use-Pty=0 --option=APT::Get::Assume-Yes=true install --no-install-recommends -- vim-tiny/bookworm-backports nano- ./local.deb /tmp/x.deb "lib*" $PKGS python3:any && \\',
      '    apt-get install -t bookworm-backports -y golang && \\',
      '    sudo DEBIAN_FRONTEND=noninteractive apt install --yes git && apt-get remove -y curl && apt-get source curl',
      '',
    ].join('\n');
    expect(extract(text).refs.map((r) => [r.name, r.skipped ?? 'pinnable', r.context?.arch ?? null])).toEqual([
      ['vim-tiny', 'is taken from the release bookworm-backports, which repro-pins does not read', null],
      ['python3', 'pinnable', null],
      ['"lib*"', 'names its packages through a shell variable or pattern, so they are only known at build time', null],
      ['$PKGS', 'names its packages through a shell variable or pattern, so they are only known at build time', null],
      ['golang', 'is installed with --target-release bookworm-backports, which repro-pins does not read', null],
      ['git', 'pinnable', null],
    ]);
  });

  test('a `:any` qualifier is kept when the pin is written', () => {
    const text = 'FROM debian:bookworm\nRUN apt-get install -y python3:any curl\n';
    const { refs } = extract(text);
    const out = aptManager.replaceAll!(text, refs.map((ref) => ({ ref, pin: { version: '1.0-1' } })));
    expect(out).toBe('FROM debian:bookworm\nRUN apt-get install -y curl=1.0-1 python3:any=1.0-1\n');
  });
});
