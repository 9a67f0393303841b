import { findingsOf, lines, linesOf } from '../lint-test-kit.js';

describe('go-install-unpinned', () => {
  test('@latest, a branch or version query, no version, and go get -u', () => {
    const text = lines(
      'FROM golang:1.23',
      'RUN go install golang.org/x/tools/cmd/stringer@latest',
      'RUN go install -ldflags="-s -w" github.com/acme/tool/cmd/tool@main',
      'RUN CGO_ENABLED=0 go install honnef.co/go/tools/cmd/staticcheck@v0.5',
      'RUN go install github.com/acme/gen',
      'RUN go get -u ./...',
      'RUN go get github.com/acme/lib@master',
    );
    const findings = findingsOf('go-install-unpinned', 'Dockerfile', text);
    expect(findings.map((f) => f.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(findings[0]!.fix).toBe('name an exact version: golang.org/x/tools/cmd/stringer@v<x.y.z> (a release tag or a pseudo-version)');
  });

  test('exact versions, pseudo-versions, commits and local packages are fine', () => {
    const text = lines(
      'FROM golang:1.23',
      'RUN go install golang.org/x/tools/cmd/stringer@v0.28.0',
      'RUN go install github.com/acme/gen@v0.0.0-20240101120000-abcdef123456',
      'RUN go install github.com/acme/x@bc6afccdf79d4faf612cb27b623e4283a312a265',
      'RUN go install ./cmd/... && go install . && go get example.com/old@none',
      'RUN go mod download && go version',
    );
    expect(linesOf('go-install-unpinned', 'Dockerfile', text)).toEqual([]);
  });
});

describe('go-build-flags', () => {
  test('go build without -trimpath or without -buildid= in -ldflags', () => {
    const text = lines(
      'FROM golang:1.23',
      'RUN go build -o /app ./cmd/app',
      'RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /app .',
      "RUN go build -ldflags '-buildid= -s' ./...",
    );
    const findings = findingsOf('go-build-flags', 'Dockerfile', text);
    expect(findings.map((f) => [f.line, f.level])).toEqual([
      [2, 'warning'],
      [3, 'warning'],
      [4, 'warning'],
    ]);
    expect(findings[0]!.message).toContain('without -trimpath and without -buildid= in -ldflags');
    expect(findings[1]!.fix).toBe('go build -trimpath -ldflags="-s -w -buildid=" …');
  });

  test('both flags on the command line, in GOFLAGS from ENV, env: or an export', () => {
    const dockerfile = lines(
      'FROM golang:1.23 AS build',
      'RUN go build -trimpath -ldflags="-s -w -buildid=" -o /app ./cmd/app',
      'RUN go build -trimpath -ldflags -buildid= ./...',
      'ENV GOFLAGS="-trimpath -ldflags=-buildid="',
      'RUN go build ./...',
      'FROM build',
      'RUN go build ./cmd/other',
    );
    expect(linesOf('go-build-flags', 'Dockerfile', dockerfile)).toEqual([]);
    const script = lines('#!/usr/bin/env bash', 'export GOFLAGS="-trimpath -ldflags=-buildid="', 'go build ./...');
    expect(linesOf('go-build-flags', 'build', script)).toEqual([]);
    const workflow = lines(
      'on: push',
      'env:',
      '  GOFLAGS: -trimpath -ldflags=-buildid=',
      'jobs:',
      '  b:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: go build ./...',
    );
    expect(linesOf('go-build-flags', '.github/workflows/go.yml', workflow)).toEqual([]);
  });
});

describe('go-install-unpinned and Go 1.24 tools', () => {
  test('go install tool and go tool x take their versions from go.mod; a named tool without a version still does not', () => {
    const text = lines('FROM golang:1.24', 'RUN go install tool', 'RUN go tool stringer ./... && go install -v tool', 'RUN go install golang.org/x/tools/cmd/stringer');
    expect(linesOf('go-install-unpinned', 'Dockerfile', text)).toEqual([4]);
  });
});

