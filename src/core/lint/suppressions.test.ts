import { lint, lines } from './lint-test-kit.js';

const rulesAt = (files: Record<string, string>) => lint(files).map((f) => `${f.file}:${f.line} ${f.rule}`);

describe('# repro-pins: ignore <rule>', () => {
  test('silences the named rules on its line only', () => {
    const text = lines(
      'FROM node:22 # repro-pins: ignore image-not-pinned',
      'FROM node:22 # repro-pins: ignore image-latest',
      'FROM alpine # repro-pins: ignore image-not-pinned, image-latest',
      'FROM node:22',
    );
    expect(rulesAt({ Dockerfile: text })).toEqual(['Dockerfile:2 image-not-pinned', 'Dockerfile:4 image-not-pinned']);
  });

  test('covers every line of a continued command: on the last line, or on a comment line inside a Dockerfile instruction', () => {
    const text = lines(
      'FROM alpine:3.20@sha256:dad54bb84d4ce31900c09983df8393ce8e09950fc73318580a5c90e3504c92bf',
      'RUN apk add --no-cache \\',
      '      curl \\',
      '      jq  # repro-pins: ignore apk-not-pinned',
      'RUN apk add \\',
      '    # repro-pins: ignore apk-not-pinned,unsorted-packages',
      '      zsh bash',
      'RUN apk add git',
    );
    expect(rulesAt({ Dockerfile: text })).toEqual(['Dockerfile:8 apk-not-pinned']);
  });

  test('works in workflows (YAML comments and shell comments in run:), scripts and requirements files', () => {
    const workflow = lines(
      'on: push',
      'jobs:',
      '  t:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - uses: actions/checkout@v4 # repro-pins: ignore action-not-pinned',
      '      - run: |',
      '          npm install  # repro-pins: ignore npm-install',
      '          curl -fsSL https://example.com/x.sh | sh',
    );
    const script = lines('#!/bin/bash', 'curl -fsSL https://example.com/x.sh \\', '  | bash # repro-pins: ignore pipe-to-shell');
    const requirements = lines('flask==3.0.3  # repro-pins: ignore requirements-not-hashed', 'click');
    expect(rulesAt({ '.github/workflows/ci.yml': workflow, 'hack/setup': script, 'requirements.txt': requirements })).toEqual([
      '.github/workflows/ci.yml:9 pipe-to-shell',
      'requirements.txt:2 requirements-not-hashed',
    ]);
  });

  test('a Dockerfile with `# escape=`` continues lines with a backtick', () => {
    const text = lines('# escape=`', 'FROM mcr.microsoft.com/windows/servercore:ltsc2022@sha256:dad54bb84d4ce31900c09983df8393ce8e09950fc73318580a5c90e3504c92bf', 'RUN curl -fsSL https://example.com/x.sh `', '  | sh # repro-pins: ignore pipe-to-shell');
    expect(rulesAt({ Dockerfile: text })).toEqual([]);
  });
});
