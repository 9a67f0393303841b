import { dockerfileStages } from './stages.js';

const programs = (text: string) => dockerfileStages(text).map((s) => s.runs.map((r) => r.commands.map((c) => c.words.map((w) => w.value).join(' '))));

describe('dockerfileStages', () => {
  test('each stage carries its base image after ARG substitution, and a stage built on a stage carries that base', () => {
    const text = [
      'ARG ALPINE=3.20',
      'ARG UNSET',
      'FROM --platform=$BUILDPLATFORM alpine:${ALPINE} AS base',
      'from base as build',
      'FROM ${UNSET}',
      'FROM 0',
      'FROM scratch',
      '',
    ].join('\n');
    expect(dockerfileStages(text).map((s) => [s.index, s.name, s.line, s.baseImage, s.unknownBase])).toEqual([
      [0, 'base', 3, 'alpine:3.20', null],
      [1, 'build', 4, 'alpine:3.20', null],
      [2, null, 5, null, 'ARG UNSET has no default value, so the image is only known at build time'],
      [3, null, 6, 'alpine:3.20', null],
      [4, null, 7, 'scratch', null],
    ]);
  });

  test('RUN commands come with flags split off, continuations joined and spans into the file', () => {
    const text = 'FROM alpine:3.20\nrun --mount=type=cache,target=/var/cache/apk \\\n    apk add \\\n      curl \\\n      # a comment line\n      jq && echo ok\n';
    const [run] = dockerfileStages(text)[0]!.runs;
    expect(run!.flags.map((f) => f.text)).toEqual(['--mount=type=cache,target=/var/cache/apk']);
    expect(run!.line).toBe(2);
    expect(run!.commands.map((c) => c.words.map((w) => w.value))).toEqual([['apk', 'add', 'curl', 'jq'], ['echo', 'ok']]);
    for (const word of run!.commands[0]!.words) expect(text.slice(word.span!.start, word.span!.end)).toBe(word.raw);
  });

  test('here-documents run by the shell are split; data and other interpreters are not', () => {
    const text = [
      'FROM debian:bookworm',
      'RUN <<EOF',
      'apt-get update',
      'apt-get install -y curl',
      'EOF',
      'RUN bash -e <<-"SCRIPT"',
      '\tapt-get install -y jq',
      '\tSCRIPT',
      'RUN python3 <<EOF',
      'import os',
      'EOF',
      'RUN <<EOF',
      '#!/usr/bin/env python3',
      'print("apt-get install no")',
      'EOF',
      'RUN cat <<EOF > /etc/apt/sources.list',
      'deb http://example.invalid/debian bookworm main',
      'EOF',
      '',
    ].join('\n');
    expect(programs(text)).toEqual([[['', 'apt-get update', 'apt-get install -y curl'], ['bash -e', 'apt-get install -y jq'], ['python3'], [''], ['cat']]]);
    const jq = dockerfileStages(text)[0]!.runs[1]!.commands[1]!.words[3]!;
    expect(text.slice(jq.span!.start, jq.span!.end)).toBe('jq');
  });

  test('the exec form runs the script of sh -c; a non-POSIX SHELL is not read as shell', () => {
    const text = 'FROM alpine:3.20\nRUN ["sh", "-c", "apk add curl"]\nSHELL ["pwsh", "-Command"]\nRUN apk add jq\nSHELL ["/bin/bash", "-c"]\nRUN apk add git\n';
    const runs = dockerfileStages(text)[0]!.runs;
    expect(runs.map((r) => [r.form, r.commands.length])).toEqual([['exec', 1], ['shell', 0], ['shell', 1]]);
    expect(runs[0]!.commands[0]!.words.map((w) => w.value)).toEqual(['apk', 'add', 'curl']);
  });

  test('RUN before any FROM and malformed text never throw', () => {
    expect(dockerfileStages('RUN apk add x\nFROM\n')).toEqual([expect.objectContaining({ baseImage: null, runs: [] })]);
    expect(dockerfileStages('')).toEqual([]);
  });
});
