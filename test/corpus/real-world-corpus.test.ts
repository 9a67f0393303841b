import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { lintFiles } from '../../src/core/lint/index.js';
import type { DependencyRef } from '../../src/core/reference.js';
import { readLintFiles, scanDirectory } from '../../src/cli/repo-context.js';

/**
 * Real public files (fixtures/corpus, sources and licences in fixtures/corpus/SOURCES.md), each
 * project read as its own repository. The expectations below were written by reading the files,
 * not by running repro-pins: every reference a build takes, with the value the file gives it
 * (ARGs substituted, quotes removed, stages followed to their base image for the OS release),
 * and every finding, each checked to be true. A reference or finding that appears or vanishes
 * fails the test, so a regression in coverage or a new false positive is caught either way.
 */
const corpus = fileURLToPath(new URL('../../fixtures/corpus', import.meta.url));

/** One line per reference: `file:line manager what [release] [skipped]`. */
function show(ref: DependencyRef): string {
  const release = ref.context?.branch ?? (ref.context?.suite ? `${ref.context.distro} ${ref.context.suite}` : null);
  const what =
    ref.manager === 'pip' ? `${ref.name}==${ref.value}`
    : ref.manager === 'apk' || ref.manager === 'apt' ? `${ref.name}${ref.value === null ? '' : `=${ref.value}`}${release ? ` (${release})` : ''}`
    : ref.datasource === 'github-tags' ? `${ref.name}@${ref.digest ?? ref.value}${ref.digest ? ` # ${ref.value}` : ''}`
    : `${ref.name}${ref.value === null ? '' : `:${ref.value}`}${ref.digest === null ? '' : `@${ref.digest}`}`;
  return `${ref.file}:${ref.line} ${ref.manager} ${what}${ref.skipped === null ? '' : ' skipped'}`;
}

async function read(project: string): Promise<{ refs: string[]; findings: string[]; problems: unknown[] }> {
  const scan = await scanDirectory(join(corpus, project), null);
  const findings = lintFiles(await readLintFiles(scan), scan.refs, scan.config);
  return { refs: scan.refs.map(show).sort(), findings: findings.map((f) => `${f.file}:${f.line} ${f.rule}`).sort(), problems: scan.problems };
}

/** `lines(file, line, manager, 'a b c', suffix)`: one expected package reference per word. */
const packages = (file: string, line: number, manager: 'apk' | 'apt', names: string, suffix: string): string[] =>
  names.split(' ').map((name) => `${file}:${line} ${manager} ${name} ${suffix}`);

const at = (file: string, line: number, rest: string) => `${file}:${line} ${rest}`;
const image = (file: string, line: number, manager: string, ref: string) => `${file}:${line} ${manager} ${ref}`;
const rules = (file: string, line: number, ...ids: string[]) => ids.map((id) => `${file}:${line} ${id}`);
const sorted = (items: string[]) => [...items].sort();

describe('real public files (fixtures/corpus)', () => {
  test('moby/buildkit Dockerfile: automatic platform ARGs name stages, apk pins follow the stage chain to alpine 3.19', async () => {
    const f = 'Dockerfile';
    const v319 = '(v3.19)';
    const xx = '(v3.19) skipped'; // xx-apk installs for the target architecture; not pinned through the wrapper
    const got = await read('moby-buildkit');
    expect(got.problems).toEqual([]);
    expect(got.refs).toEqual(sorted([
      image(f, 1, 'dockerfile', 'docker/dockerfile-upstream:master'),
      image(f, 26, 'dockerfile', 'minio/minio:RELEASE.2022-05-03T20-36-08Z'),
      image(f, 27, 'dockerfile', 'minio/mc:RELEASE.2022-05-04T06-07-55Z'),
      ...[31, 32, 33, 34, 35, 46, 167, 211].map((line) => image(f, line, 'dockerfile', 'alpine:3.19')),
      image(f, 36, 'dockerfile', 'alpine:edge@sha256:2d01a16bab53a8405876cec4c27235d47455a7b72b75334c614f2fb0968b3f90'),
      image(f, 40, 'dockerfile', 'tonistiigi/xx:1.4.0'),
      image(f, 43, 'dockerfile', 'golang:1.21-alpine3.19'),
      image(f, 191, 'dockerfile', 'tonistiigi/binfmt:buildkit-v7.1.0-30@sha256:45dd57b4ba2f24e2354f71f1e4e51f073cb7a28fd848ce6f5f2a7701142a6bf0'),
      ...packages(f, 47, 'apk', 'git', v319),
      ...packages(f, 51, 'apk', 'file bash clang lld musl-dev pkgconfig git make', v319),
      ...packages(f, 74, 'apk', 'musl-dev gcc libseccomp-dev libseccomp-static', xx),
      ...packages(f, 168, 'apk', 'curl', v319),
      ...packages(f, 212, 'apk', 'tar gzip', v319),
      // buildkit-export <- alpinebase <- alpine-$TARGETARCH = alpine-amd64 <- alpine:3.19
      ...packages(f, 223, 'apk', 'fuse3 git openssh pigz xz iptables ip6tables', v319),
      ...packages(f, 236, 'apk', 'musl-dev gcc', xx),
      ...packages(f, 385, 'apk', 'shadow shadow-uidmap sudo vim iptables ip6tables dnsmasq fuse curl git-daemon openssh-client slirp4netns iproute2', v319),
      ...packages(f, 396, 'apk', 'nodejs npm', v319),
      ...packages(f, 433, 'apk', 'fuse3 fuse-overlayfs git openssh pigz shadow-uidmap xz', v319),
    ]));
    expect(got.findings).toEqual(sorted([
      ...[1, 26, 27, 31, 32, 33, 34, 35, 40, 43, 46, 167, 211].flatMap((line) => rules(f, line, 'image-not-pinned')),
      // every unpinned apk add word, the xx-apk ones included
      ...[47, ...Array(8).fill(51), ...Array(4).fill(74), 168, 212, 212, ...Array(7).fill(223), 236, 236, ...Array(13).fill(385), 396, 396, ...Array(7).fill(433)].flatMap((line) => rules(f, line, 'apk-not-pinned')),
      ...[51, 74, 212, 223, 236, 385, 433].flatMap((line) => rules(f, line, 'unsorted-packages')),
    ]));
  });

  test('moby/moby Dockerfile: quoted ARG defaults built from other ARGs, bookworm from the golang tag, third-party apt sources and xx-apt-get left alone', async () => {
    const f = 'Dockerfile';
    const bookworm = '(debian bookworm)';
    const xx = '(debian bookworm) skipped';
    const got = await read('moby-moby');
    expect(got.problems).toEqual([]);
    expect(got.refs).toEqual(sorted([
      image(f, 1, 'dockerfile', 'docker/dockerfile:1.7'),
      image(f, 34, 'dockerfile', 'tonistiigi/xx:1.4.0'),
      image(f, 38, 'dockerfile', 'busybox'),
      // ARG GOLANG_IMAGE="golang:${GO_VERSION}-${BASE_DEBIAN_DISTRO}"
      image(f, 44, 'dockerfile', 'golang:1.21.12-bookworm'),
      image(f, 95, 'dockerfile', 'distribution/distribution:2.8.3'),
      image(f, 124, 'dockerfile', 'debian:bookworm'),
      image(f, 423, 'dockerfile', 'djs55/vpnkit:0.5.0'),
      image(f, 424, 'dockerfile', 'djs55/vpnkit:0.5.0'),
      image(f, 456, 'dockerfile', 'docker/buildx-bin:0.13.1'),
      image(f, 457, 'dockerfile', 'docker/compose-bin:v2.25.0'),
      ...packages(f, 47, 'apt', 'file', bookworm),
      // the same RUN adds download.opensuse.org's criu repository: Debian's index does not say which criu that installs
      ...packages(f, 57, 'apt', 'criu', xx),
      ...packages(f, 128, 'apt', 'ca-certificates', bookworm),
      ...packages(f, 129, 'apt', 'curl', bookworm),
      ...packages(f, 130, 'apt', 'jq', bookworm),
      ...[[208, 'gcc'], [209, 'libbtrfs-dev'], [210, 'libsecret-1-dev'], [211, 'pkg-config']].flatMap(([line, name]) => packages(f, line as number, 'apt', name as string, xx)),
      ...[[299, 'dpkg-dev'], [300, 'gcc'], [301, 'libc6-dev'], [302, 'libseccomp-dev'], [303, 'pkg-config']].flatMap(([line, name]) => packages(f, line as number, 'apt', name as string, xx)),
      ...packages(f, 332, 'apt', 'cmake', bookworm),
      ...[[337, 'gcc'], [338, 'libc6-dev'], [339, 'pkg-config']].flatMap(([line, name]) => packages(f, line as number, 'apt', name as string, xx)),
      ...[[368, 'gcc'], [369, 'libc6-dev'], [370, 'pkg-config']].flatMap(([line, name]) => packages(f, line as number, 'apt', name as string, xx)),
      ...'autoconf automake build-essential libcap-dev libprotobuf-c-dev libseccomp-dev libsystemd-dev libtool libudev-dev libyajl-dev python3'.split(' ').flatMap((name, i) => packages(f, 395 + i, 'apt', name, bookworm)),
      ...[[439, 'gcc'], [440, 'g++'], [441, 'libc6-dev'], [442, 'pkg-config']].flatMap(([line, name]) => packages(f, line as number, 'apt', name as string, xx)),
      ...'dbus dbus-user-session systemd systemd-sysv'.split(' ').flatMap((name, i) => packages(f, 501 + i, 'apt', name, bookworm)),
      ...'apparmor bash-completion bzip2 inetutils-ping iproute2 iptables jq libcap2-bin libnet1 libnl-3-200 libprotobuf-c1 libyajl2 net-tools patch pigz sudo systemd-journal-remote thin-provisioning-tools uidmap vim vim-common xfsprogs xz-utils zip zstd'
        .split(' ').flatMap((name, i) => packages(f, 526 + i, 'apt', name, bookworm)),
      ...'gcc pkg-config dpkg-dev libapparmor-dev libseccomp-dev libsecret-1-dev libsystemd-dev libudev-dev yamllint'.split(' ').flatMap((name, i) => packages(f, 559 + i, 'apt', name, bookworm)),
      ...'clang lld llvm'.split(' ').flatMap((name, i) => packages(f, 579 + i, 'apt', name, bookworm)),
      ...'dpkg-dev gcc libapparmor-dev libc6-dev libseccomp-dev libsecret-1-dev libsystemd-dev libudev-dev pkg-config'.split(' ').flatMap((name, i) => packages(f, 586 + i, 'apt', name, xx)),
    ]));
    const aptWords = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
    expect(got.findings).toEqual(sorted([
      ...[1, 34, 38, 44, 95, 124, 423, 424, 456, 457].flatMap((line) => rules(f, line, 'image-not-pinned')),
      ...rules(f, 38, 'image-latest'),
      ...rules(f, 52, 'add-url-no-checksum'),
      ...rules(f, 255, 'go-install-unpinned'),
      // once per stage, xx-apt-get's stages too: it installs from the same live archive
      ...[47, 57, 127, 207, 298, 332, 367, 394, 438, 500, 525, 578].flatMap((line) => rules(f, line, 'apt-no-snapshot')),
      ...rules(f, 440, 'unsorted-packages'), // g++ after gcc
      ...rules(f, 561, 'unsorted-packages'),
      ...[47, 57, 128, 129, 130, ...aptWords(208, 4), ...aptWords(299, 5), 332, ...aptWords(337, 3), ...aptWords(368, 3), ...aptWords(395, 11), ...aptWords(439, 4), ...aptWords(501, 4), ...aptWords(526, 25), ...aptWords(559, 9), ...aptWords(579, 3), ...aptWords(586, 9)]
        .flatMap((line) => rules(f, line, 'apt-not-pinned')),
    ]));
  });
  test('docker/cli Dockerfile.dev: golang:…-alpine3.20 gives the apk branch', async () => {
    const f = 'dockerfiles/Dockerfile.dev';
    const got = await read('docker-cli');
    expect(got.problems).toEqual([]);
    expect(got.refs).toEqual(sorted([
      image(f, 1, 'dockerfile', 'docker/dockerfile:1'),
      image(f, 7, 'dockerfile', 'docker/buildx-bin:0.12.1'),
      image(f, 9, 'dockerfile', 'golang:1.21.12-alpine3.20'),
      ...'bash build-base ca-certificates coreutils curl git jq nano'.split(' ').flatMap((name, i) => packages(f, 37 + i, 'apk', name, '(v3.20)')),
    ]));
    // `go install pkg@${VERSION}` with an exact ARG default is pinned: not a finding
    expect(got.findings).toEqual(sorted([
      ...[1, 7, 9].flatMap((line) => rules(f, line, 'image-not-pinned')),
      ...[37, 38, 39, 40, 41, 42, 43, 44].flatMap((line) => rules(f, line, 'apk-not-pinned')),
    ]));
  });

  test('prometheus: SHA-pinned actions keep their version comments, job containers are images, local actions are not looked up', async () => {
    const ci = '.github/workflows/ci.yml';
    const checkout = 'actions/checkout@a5ac7e51b41094c92402da3b24376905380afc29 # v4.1.6';
    const promci = 'prometheus/promci@3cb0c3871f223bd5ce1226995bd52ffb314798b6 # v0.1.0';
    const setupGo = 'actions/setup-go@cdcb36043654635271a94b9a6d1392de5bb323a7 # v5.0.1';
    const got = await read('prometheus');
    expect(got.problems).toEqual([]);
    expect(got.refs).toEqual(sorted([
      image('Dockerfile', 3, 'dockerfile', 'quay.io/prometheus/busybox-linux-amd64:latest'),
      ...[14, 28, 57, 92].map((line) => image(ci, line, 'github-actions', 'quay.io/prometheus/golang-builder:1.22-base')),
      image(ci, 44, 'github-actions', 'quay.io/prometheus/golang-builder:1.21-base'),
      ...[16, 30, 46, 60, 77, 94, 117, 140, 151, 164, 190, 204, 219].map((line) => at(ci, line, `github-actions ${checkout}`)),
      ...[17, 31, 61, 118, 141, 191, 205, 220].map((line) => at(ci, line, `github-actions ${promci}`)),
      ...[78, 153, 166].map((line) => at(ci, line, `github-actions ${setupGo}`)),
      at(ci, 173, 'github-actions golangci/golangci-lint-action@a4f60bb28d35aeee14e6880718e0c85ff1882e64 # v6.0.1'),
      at(ci, 222, 'github-actions actions/setup-node@60edb5dd545a775178f52524783378180af0d1f8 # v4.0.2'),
      at(ci, 226, 'github-actions actions/cache@0c45773b623bea8c8e75f6c82b208c3cf94ea4f9 # v4.0.2'),
    ]));
    expect(got.findings).toEqual(sorted([
      ...rules('Dockerfile', 3, 'image-not-pinned', 'image-latest'),
      ...[14, 28, 44, 57, 92].flatMap((line) => rules(ci, line, 'image-not-pinned')),
      // `go install ./cmd/promtool/.` (line 95) builds local code: not a finding
      ...[96, 97, 98].flatMap((line) => rules(ci, line, 'go-install-unpinned')),
    ]));
  });

  test('docker/compose 1.29: v1 services at the top level, ${IMAGE:-alpine}, requirement markers, an archived Debian release', async () => {
    const got = await read('docker-compose-v1');
    expect(got.problems).toEqual([]);
    const f = 'Dockerfile';
    const requirements = [
      'backports.shutil_get_terminal_size==1.0.0', 'cached-property==1.5.1', 'certifi==2020.6.20', 'chardet==3.0.4', 'colorama==0.4.3', 'distro==1.5.0',
      'docker==5.0.0', 'docker-pycreds==0.4.0', 'dockerpty==0.4.1', 'docopt==0.6.2', 'idna==2.10', 'ipaddress==1.0.23', 'jsonschema==3.2.0',
      'paramiko==2.7.1', 'PySocks==1.7.1', 'python-dotenv==0.17.0', 'pywin32==227', 'PyYAML==5.4.1', 'requests==2.24.0', 'texttable==1.6.2',
      'urllib3==1.25.10', 'websocket-client==0.57.0',
    ];
    expect(got.refs).toEqual(sorted([
      image(f, 14, 'dockerfile', 'docker:19.03'),
      image(f, 16, 'dockerfile', 'python:3.7.10-alpine3.12'),
      image(f, 34, 'dockerfile', 'python:3.7.10-slim-stretch'),
      image(f, 47, 'dockerfile', 'centos:7'),
      image(f, 93, 'dockerfile', 'alpine:3.12'),
      image(f, 94, 'dockerfile', 'debian:stretch-slim'),
      image(f, 95, 'dockerfile', 'centos:7'),
      ...'bash build-base ca-certificates curl gcc git libc-dev libffi-dev libgcc make musl-dev openssl openssl-dev zlib-dev'.split(' ').flatMap((name, i) => packages(f, 18 + i, 'apk', name, '(v3.12)')),
      // Debian 9 is only on archive.debian.org: named, not guessed as the current stable
      ...'curl gcc git libc-dev libffi-dev libgcc-6-dev libssl-dev make openssl zlib1g-dev'.split(' ').map((name, i) => at(f, 36 + i, `apt ${name} skipped`)),
      ...requirements.map((requirement, i) => at('requirements.txt', 1 + i, `pip ${requirement}`)),
      image('tests/fixtures/environment-interpolation-with-defaults/docker-compose.yml', 6, 'compose', 'alpine'),
      ...[2, 4, 8].map((line) => image('tests/fixtures/v1-config/docker-compose.yml', line, 'compose', 'busybox')),
    ]));
    const interpolation = 'tests/fixtures/environment-interpolation-with-defaults/docker-compose.yml';
    expect(got.findings).toEqual(sorted([
      ...[14, 16, 34, 47, 93, 94, 95].flatMap((line) => rules(f, line, 'image-not-pinned')),
      ...Array.from({ length: 14 }, (_, i) => 18 + i).flatMap((line) => rules(f, line, 'apk-not-pinned')),
      ...Array.from({ length: 10 }, (_, i) => 36 + i).flatMap((line) => rules(f, line, 'apt-not-pinned')),
      ...rules(f, 35, 'apt-no-snapshot'),
      ...rules(f, 63, 'pipe-to-shell'),
      ...rules(f, 70, 'pip-no-require-hashes'),
      ...rules(f, 76, 'pip-no-require-hashes'),
      ...requirements.flatMap((_, i) => rules('requirements.txt', 1 + i, 'requirements-not-hashed')),
      ...rules(interpolation, 6, 'image-not-pinned', 'image-latest'),
      ...[2, 4, 8].flatMap((line) => rules('tests/fixtures/v1-config/docker-compose.yml', line, 'image-not-pinned', 'image-latest')),
    ]));
  });

  test('docker/compose 2.26: images from .env, its values interpolated with defaults as compose does', async () => {
    const got = await read('docker-compose-v2');
    expect(got.problems).toEqual([]);
    const dotenv = 'pkg/e2e/fixtures/dotenv/development/compose.yaml';
    const plain = 'pkg/e2e/fixtures/environment/env-interpolation-default-value/compose.yaml';
    expect(got.refs).toEqual(sorted([
      // image: $IMAGE_NAME:$IMAGE_TAG with IMAGE_NAME="${IMAGE_NAME:-backend}" and IMAGE_TAG="${IMAGE_TAG:-latest}" in .env;
      // two variables make one image, so there is no one place to write a digest
      image(dotenv, 3, 'compose', 'backend:latest skipped'),
      image(plain, 3, 'compose', 'bash'),
    ]));
    expect(got.findings).toEqual(sorted([
      ...rules(dotenv, 3, 'image-not-pinned', 'image-latest'),
      ...rules(plain, 3, 'image-not-pinned', 'image-latest'),
    ]));
  });
});
