import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dockerfileManager } from './index.js';
import { parseDockerfile } from './instructions.js';
import type { DependencyRef } from '../../reference.js';

const fixture = (name: string) => ({ path: name, text: readFileSync(new URL(`../../../../fixtures/dockerfile/${name}`, import.meta.url), 'utf8') });
const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const extract = (text: string, path = 'Dockerfile') => dockerfileManager.extract({ path, text }, undefined as never);
const summary = (refs: DependencyRef[]) => refs.map((r) => ({ line: r.line, name: r.name, value: r.value, skipped: r.skipped }));

/** Pins every pinnable reference with a digest derived from its name, last site first. */
function pinAll(text: string, refs: DependencyRef[]): string {
  const sites = new Map(refs.filter((r) => r.site).map((r) => [r.site!.span.start, r]));
  let out = text;
  for (const ref of [...sites.values()].sort((a, b) => b.site!.span.start - a.site!.span.start)) {
    out = dockerfileManager.replace(out, ref, { digest: digestOf(ref.name) });
  }
  return out;
}

describe('dockerfile manager', () => {
  test('matches Dockerfile and Containerfile names', () => {
    for (const path of ['Dockerfile', 'app/Dockerfile', 'api.Dockerfile', 'Dockerfile.dev', 'Containerfile', 'x/Containerfile.arm64']) {
      expect(dockerfileManager.matches(path)).toBe(true);
    }
    for (const path of ['Dockerfile-notes.md/readme', 'dockerfile.txt', 'src/Dockerfiles/x.yml', 'README.md']) {
      expect(dockerfileManager.matches(path)).toBe(false);
    }
  });

  test('a multi-stage Go build yields the frontend, the bases and COPY --from images, never stage names', () => {
    const { refs, problems } = dockerfileManager.extract(fixture('go-multistage.Dockerfile'), undefined as never);
    expect(problems).toEqual([]);
    expect(summary(refs)).toEqual([
      { line: 1, name: 'docker/dockerfile', value: '1.7', skipped: null },
      { line: 6, name: 'golang', value: '1.22-bookworm', skipped: null },
      { line: 19, name: 'gcr.io/distroless/static-debian12', value: 'nonroot', skipped: null },
      { line: 21, name: 'docker.io/tonistiigi/xx', value: '1.4.0', skipped: null },
    ]);
  });

  test('an image that comes whole from a global ARG is pinned in the ARG default', () => {
    const file = fixture('go-multistage.Dockerfile');
    const { refs } = dockerfileManager.extract(file, undefined as never);
    const pinned = pinAll(file.text, refs);
    expect(pinned).toContain(`ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot@${digestOf('gcr.io/distroless/static-debian12')}\n`);
    expect(pinned).toContain('\nfrom ${RUNTIME_IMAGE}\n');
    expect(pinned).toContain(`FROM --platform=$BUILDPLATFORM golang:\${GO_VERSION}-bookworm@${digestOf('golang')} AS build\n`);
    expect(pinned).toContain(`# syntax=docker/dockerfile:1.7@${digestOf('docker/dockerfile')}\n`);
    expect(pinned).toContain(`COPY --from=docker.io/tonistiigi/xx:1.4.0@${digestOf('docker.io/tonistiigi/xx')} / /\n`);
  });

  test('heredoc bodies are not instructions, and the escape directive changes line continuation', () => {
    const { refs, problems } = dockerfileManager.extract(fixture('python-heredoc.Dockerfile'), undefined as never);
    expect(problems).toEqual([]);
    expect(summary(refs)).toEqual([
      { line: 2, name: 'python', value: '3.12-slim', skipped: null },
      { line: 7, name: 'ghcr.io/astral-sh/uv', value: '0.4.18', skipped: null },
    ]);
    expect(refs[0]!.digest).toBe(digestOf('repro-pins stale digest fixture'));
    expect(refs[0]!.pinned).toBe(true);
  });

  test('a stale digest is replaced and the stage alias kept', () => {
    const file = fixture('python-heredoc.Dockerfile');
    const { refs } = dockerfileManager.extract(file, undefined as never);
    const pinned = pinAll(file.text, refs);
    expect(pinned.split('\n')[1]).toBe(`FROM python:3.12-slim@${digestOf('python')} AS base`);
    expect(pinned.split('\n')[6]).toBe(`RUN --mount=type=bind,from=ghcr.io/astral-sh/uv:0.4.18@${digestOf('ghcr.io/astral-sh/uv')},source=/uv,target=/bin/uv \``);
  });

  test('ARG without default is reported as skipped with its reason; defaults and inline defaults resolve', () => {
    const { refs } = dockerfileManager.extract(fixture('unresolvable.Dockerfile'), undefined as never);
    expect(summary(refs)).toEqual([
      { line: 4, name: '${BASE}', value: null, skipped: 'ARG BASE has no default value, so the image is only known at build time' },
      { line: 5, name: 'alpine', value: '3.20', skipped: null },
      { line: 6, name: 'registry.example.com:5000/team/tool', value: '2.1', skipped: null },
      { line: 7, name: '${MISSING}', value: null, skipped: 'MISSING is not declared with ARG before it is used, so the image is only known at build time' },
      { line: 8, name: 'ubuntu', value: null, skipped: null },
    ]);
    expect(refs[0]!.site).toBeUndefined();
  });

  test('a quoted ARG default with a blank in it is one word, as BuildKit reads it', () => {
    const text = 'ARG OPTS="--a --b" IMG="alpine:3.20" NOTE=\'x y\'\nFROM ${IMG}\nLABEL description="a b"\n';
    expect(parseDockerfile(text).instructions.map((i) => i.args.map((t) => t.text))).toEqual([
      ['OPTS="--a --b"', 'IMG="alpine:3.20"', "NOTE='x y'"],
      ['${IMG}'],
      ['description="a b"'],
    ]);
    const { refs } = dockerfileManager.extract({ path: 'Dockerfile', text }, undefined as never);
    expect(summary(refs)).toEqual([{ line: 2, name: 'alpine', value: '3.20', skipped: null }]);
    expect(pinAll(text, refs).split('\n')[0]).toBe(`ARG OPTS="--a --b" IMG="alpine:3.20@${digestOf('alpine')}" NOTE='x y'`);
  });

  test("BuildKit's automatic platform ARGs name stages without an ARG; an image named by one is not pinnable by one digest", () => {
    const text = [
      'FROM alpine:3.20 AS base-amd64',
      'FROM debian:bookworm AS base-arm64',
      'FROM base-$TARGETARCH AS base',
      'ARG TARGETOS',
      'FROM tool-${TARGETOS} AS tools',
      'FROM base',
      'COPY --from=ghcr.io/acme/early-${TARGETARCH}:1 / /',
      'ARG TARGETARCH',
      'COPY --from=ghcr.io/acme/helper-${TARGETARCH}:1 / /',
      '',
    ].join('\n');
    const { refs } = dockerfileManager.extract({ path: 'Dockerfile', text }, undefined as never);
    expect(summary(refs)).toEqual([
      { line: 1, name: 'alpine', value: '3.20', skipped: null },
      { line: 2, name: 'debian', value: 'bookworm', skipped: null },
      { line: 5, name: 'tool-linux', value: null, skipped: 'the image depends on the target platform (tool-${TARGETOS}), so one digest cannot pin it for every platform' },
      // inside a stage, as in BuildKit, only after `ARG TARGETARCH` declares it there
      { line: 7, name: 'ghcr.io/acme/early-${TARGETARCH}:1', value: null, skipped: 'TARGETARCH is not declared with ARG before it is used, so the image is only known at build time' },
      { line: 9, name: 'ghcr.io/acme/helper-amd64', value: '1', skipped: 'the image depends on the target platform (ghcr.io/acme/helper-${TARGETARCH}:1), so one digest cannot pin it for every platform' },
    ]);
    expect(refs.filter((r) => r.skipped !== null).every((r) => r.site === undefined)).toBe(true);
  });

  test('an untagged image is pinned with the latest tag it resolved to', () => {
    const file = fixture('unresolvable.Dockerfile');
    const pinned = pinAll(file.text, dockerfileManager.extract(file, undefined as never).refs);
    expect(pinned).toContain(`\nFROM ubuntu:latest@${digestOf('ubuntu')}\n`);
    expect(pinned).toContain(`\nFROM \${REGISTRY}/team/tool:\${VERSION:-2.1}@${digestOf('registry.example.com:5000/team/tool')}\n`);
    expect(pinned.startsWith('ARG BASE\n')).toBe(true);
  });

  test('an untagged image behind a registry variable is pinned with its tag, so the next run can refresh it', () => {
    const text = 'ARG REGISTRY=registry.example.com\nFROM ${REGISTRY}/team/base\n';
    const pinned = pinAll(text, extract(text).refs);
    expect(pinned).toBe(`ARG REGISTRY=registry.example.com\nFROM \${REGISTRY}/team/base:latest@${digestOf('registry.example.com/team/base')}\n`);
    expect(extract(pinned).refs[0]).toMatchObject({ value: 'latest', pinned: true });
  });

  test('CRLF files keep their line endings and continuation lines resolve', () => {
    const file = fixture('windows-crlf.Dockerfile');
    const { refs } = dockerfileManager.extract(file, undefined as never);
    expect(summary(refs)).toEqual([
      { line: 1, name: 'node', value: '20-alpine', skipped: null },
      { line: 6, name: 'nginx', value: '1.27', skipped: null },
    ]);
    const pinned = pinAll(file.text, refs);
    expect(pinned).toBe(
      file.text.replace('node:20-alpine', `node:20-alpine@${digestOf('node')}`).replace('nginx:1.27', `nginx:1.27@${digestOf('nginx')}`),
    );
    expect(pinned.match(/\r\n/g)?.length).toBe(file.text.match(/\r\n/g)?.length);
  });

  test('instructions are case-insensitive and `scratch` is never a reference', () => {
    const { refs } = extract('from scratch\nFrom Busybox AS x\ncopy --FROM=x /a /b\nfrom alpine:3.20 as final\n');
    // Image names are lowercase by grammar, so `Busybox` is a malformed reference, not silently accepted.
    expect(summary(refs)).toEqual([{ line: 4, name: 'alpine', value: '3.20', skipped: null }]);
    expect(extract('From Busybox\n').problems[0]).toMatchObject({ line: 1, dependency: 'Busybox' });
  });

  test('a BOM and a lowercase syntax directive are handled', () => {
    const { refs } = extract('\uFEFF#syntax = docker/dockerfile:1\nFROM alpine:3.20\n');
    expect(summary(refs)).toEqual([
      { line: 1, name: 'docker/dockerfile', value: '1', skipped: null },
      { line: 2, name: 'alpine', value: '3.20', skipped: null },
    ]);
  });

  test('directives after the first comment are plain comments', () => {
    expect(extract('# hello\n# syntax=docker/dockerfile:1\nFROM alpine:3.20\n').refs.map((r) => r.name)).toEqual(['alpine']);
  });

  test('stage ARGs inherit the global default when redeclared without a value', () => {
    const text = 'ARG TOOLS=alpine/git:2.45.2\nFROM alpine:3.20\nARG TOOLS\nCOPY --from=${TOOLS} /usr/bin/git /usr/bin/git\n';
    const { refs } = extract(text);
    expect(summary(refs)[1]).toEqual({ line: 4, name: 'alpine/git', value: '2.45.2', skipped: null });
    expect(refs[1]!.site!.raw).toBe('alpine/git:2.45.2');
    expect(refs[1]!.site!.span.start).toBe(text.indexOf('alpine/git'));
  });

  test('a reference already pinned by digest alone has no tag to refresh', () => {
    const digest = digestOf('digest only');
    const { refs } = extract(`FROM alpine@${digest}\n`);
    expect(refs[0]).toMatchObject({ name: 'alpine', value: null, digest, pinned: true });
  });
});
