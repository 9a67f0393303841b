import { findingsOf, lines, linesOf } from '../lint-test-kit.js';

describe('apk-not-pinned', () => {
  test('each package without =version, at its own line, seen through sudo, env and continuations', () => {
    const text = lines(
      'FROM alpine:3.20',
      'run apk add --no-cache \\',
      '      ca-certificates=20240705-r0 \\',
      '      curl \\',
      '      "jq~1.7"',
      'RUN env APK_OPTS=x sudo apk add -U --virtual .build-deps gcc=13.2.1_git20240309-r0 musl-dev',
      'RUN apk add $EXTRA_PACKAGES so:libc.musl-x86_64.so.1 ./local.apk',
      'RUN apk del curl && apk info',
    );
    const findings = findingsOf('apk-not-pinned', 'Dockerfile', text);
    expect(findings.map((f) => f.line)).toEqual([4, 5, 6]);
    expect(findings[0]!.fix).toBe('curl=<version> (repro-pins pin writes the version Alpine v3.20 has now)');
    expect(findings[1]!.message).toContain('jq~1.7 accepts a range of versions');
  });

  test('scripts and workflow steps install on the runner, not into an image: not read', () => {
    expect(linesOf('apk-not-pinned', 'build.sh', 'apk add curl\n')).toEqual([]);
  });
});

describe('apt-not-pinned', () => {
  test('apt-get install and apt install without =version; removals, local .debs and pinned words pass', () => {
    const text = lines(
      'FROM debian:bookworm',
      'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\',
      '      ca-certificates=20230311 curl \\',
      '      ./vendor/tool_1.0_amd64.deb nano- \\',
      ' && apt install -qqy git',
      'RUN ["apt-get", "install", "-y", "make=4.3-4.1"]',
    );
    const findings = findingsOf('apt-not-pinned', 'Dockerfile', text);
    expect(findings.map((f) => f.line)).toEqual([3, 5]);
    expect(findings[0]).toMatchObject({ level: 'error', message: 'apt-get install curl names no version, so the build takes whichever the archive holds that day' });
    expect(findings[0]!.fix).toBe('curl=<version> (repro-pins pin writes the version Debian bookworm has now)');
  });
});

describe('unsorted-packages', () => {
  test('an info finding at the first word out of order, in apk and apt lists, also in exec form and sh -c', () => {
    const text = lines(
      'FROM alpine:3.20',
      'RUN apk add --no-cache \\',
      '      jq=1.7.1-r0 \\',
      '      curl=8.9.1-r2',
      'RUN apk add --no-cache bash=5.2.26-r0 curl=8.9.1-r2 jq=1.7.1-r0',
      'RUN ["sh", "-c", "apk add zlib=1.3.1-r1 busybox=1.36.1-r29"]',
      'FROM debian:bookworm',
      'RUN sh -c "apt-get install -y tar=1.34+dfsg-1.2 gzip=1.12-1"',
    );
    const findings = findingsOf('unsorted-packages', 'Dockerfile', text);
    expect(findings.map((f) => [f.line, f.level])).toEqual([
      [4, 'info'],
      [6, 'info'],
      [8, 'info'],
    ]);
    expect(findings[0]!.fix).toBe('list the packages sorted: curl=8.9.1-r2 jq=1.7.1-r0 (repro-pins pin keeps the lists it pins sorted)');
  });
});

describe('apt-no-snapshot', () => {
  test('a stage that installs from the live archive: one warning, at its first install', () => {
    const text = lines('FROM debian:bookworm-20240311-slim', 'RUN apt-get update', 'RUN apt-get install -y curl=7.88.1-10+deb12u5', 'RUN apt-get install -y jq=1.6-2.1');
    const findings = findingsOf('apt-no-snapshot', 'Dockerfile', text);
    expect(findings.map((f) => [f.line, f.level])).toEqual([[3, 'warning']]);
    expect(findings[0]!.fix).toContain('http://snapshot.debian.org/archive/debian/20240311T000000Z bookworm main');
  });

  test('a snapshot source written by a RUN, apt --snapshot, or sources copied in, in the stage or the one it builds on', () => {
    const snapshotRun = lines(
      'FROM debian:bookworm AS base',
      "RUN echo 'deb [check-valid-until=no] http://snapshot.debian.org/archive/debian/20240301T000000Z bookworm main' > /etc/apt/sources.list \\",
      '    && rm /etc/apt/sources.list.d/debian.sources',
      'FROM base AS build',
      'RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u5',
    );
    expect(linesOf('apt-no-snapshot', 'Dockerfile', snapshotRun)).toEqual([]);
    const ubuntu = lines('FROM ubuntu:24.04', 'RUN apt-get update --snapshot 20240301T030400Z && apt-get install -y curl=8.5.0-2ubuntu10.1');
    expect(linesOf('apt-no-snapshot', 'Dockerfile', ubuntu)).toEqual([]);
    const copied = lines('FROM debian:bookworm', 'COPY snapshot.sources /etc/apt/sources.list.d/debian.sources', 'RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u5');
    expect(linesOf('apt-no-snapshot', 'Dockerfile', copied)).toEqual([]);
  });

  test('each stage answers for itself, and a snapshot configured after the install does not count', () => {
    const text = lines(
      'FROM debian:bookworm AS one',
      'RUN apt-get install -y curl=7.88.1-10+deb12u5',
      "RUN sed -i 's|deb.debian.org|snapshot.debian.org/archive|' /etc/apt/sources.list.d/debian.sources",
      'FROM ubuntu:24.04 AS two',
      'RUN apt-get install -y jq=1.7.1-3build1',
    );
    const findings = findingsOf('apt-no-snapshot', 'Dockerfile', text);
    expect(findings.map((f) => f.line)).toEqual([2, 5]);
    expect(findings[1]!.fix).toContain('apt-get update --snapshot');
  });
});
