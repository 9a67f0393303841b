import { findingsOf, lines, linesOf } from '../lint-test-kit.js';

const workflow = (...run: string[]) =>
  lines('on: push', 'jobs:', '  image:', '    runs-on: ubuntu-24.04', '    steps:', '      - name: build', '        run: |', ...run.map((l) => `          ${l}`));

describe('build-no-epoch', () => {
  test('docker build, docker buildx build and buildah build/bud with no epoch, in workflows and scripts', () => {
    const script = lines(
      '#!/bin/sh',
      'docker build -t app .',
      'docker --context ci buildx build --push -t app .',
      'sudo docker image build .',
      'buildah bud -t app .',
      'buildah --storage-driver vfs build -f Containerfile .',
    );
    const findings = findingsOf('build-no-epoch', 'release', script);
    expect(findings.map((f) => f.line)).toEqual([2, 3, 4, 5, 6]);
    expect(findings[0]!.message).toBe("docker build runs with no SOURCE_DATE_EPOCH: the image's creation time and history are the build time, so no two builds match");
    expect(findings[3]!.fix).toContain('buildah build --timestamp');
    expect(linesOf('build-no-epoch', '.github/workflows/image.yml', workflow('docker buildx build --load .'))).toEqual([8]);
  });

  test('SOURCE_DATE_EPOCH inline, exported, as a build arg, in env: or written to $GITHUB_ENV by an earlier step', () => {
    const script = lines(
      'SOURCE_DATE_EPOCH=0 docker build .',
      'docker buildx build --build-arg SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)" .',
      'buildah build --timestamp 0 .',
      'buildah build --source-date-epoch=0 --rewrite-timestamp .',
      'SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)',
      'export SOURCE_DATE_EPOCH',
      'docker build .',
    );
    expect(linesOf('build-no-epoch', 'build.sh', script)).toEqual([]);
    expect(linesOf('build-no-epoch', 'unexported.sh', 'SOURCE_DATE_EPOCH=0\ndocker build .\n')).toEqual([2]);
    const env = lines('on: push', 'env:', '  SOURCE_DATE_EPOCH: 0', 'jobs:', '  b:', '    runs-on: ubuntu-24.04', '    steps:', '      - run: docker build .');
    expect(linesOf('build-no-epoch', '.github/workflows/a.yml', env)).toEqual([]);
    const githubEnv = lines(
      'on: push',
      'jobs:',
      '  b:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: echo "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)" >> "$GITHUB_ENV"',
      '      - run: docker build .',
      '  other-job:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: docker build .',
    );
    expect(linesOf('build-no-epoch', '.github/workflows/b.yml', githubEnv)).toEqual([11]);
  });

  test('a Dockerfile RUN is not an image build step', () => {
    expect(linesOf('build-no-epoch', 'Dockerfile', 'FROM docker:27\nRUN docker build .\n')).toEqual([]);
  });
});

describe('build-no-rewrite-timestamp', () => {
  test('buildx exporting an image with --push, --load, -o or --output type=image|oci|docker|registry without rewrite-timestamp=true', () => {
    const text = workflow(
      'docker buildx build --push -t ghcr.io/acme/app .',
      'docker buildx build --load .',
      'docker buildx build -o type=oci,dest=out.tar .',
      'docker buildx build --output=type=registry,name=ghcr.io/acme/app .',
    );
    const findings = findingsOf('build-no-rewrite-timestamp', '.github/workflows/image.yml', text);
    expect(findings.map((f) => [f.line, f.level])).toEqual([
      [8, 'warning'],
      [9, 'warning'],
      [10, 'warning'],
      [11, 'warning'],
    ]);
    expect(findings[0]!.fix).toBe('replace --push with --output type=image,push=true,rewrite-timestamp=true (with SOURCE_DATE_EPOCH set)');
    expect(findings[2]!.fix).toBe('add rewrite-timestamp=true to the output: --output type=oci,dest=out.tar,rewrite-timestamp=true');
  });

  test('rewrite-timestamp=true, local or tar exports, no export, and classic docker build are fine', () => {
    const text = workflow(
      'docker buildx build --output type=image,push=true,rewrite-timestamp=true .',
      'docker buildx build -o out/ .',
      'docker buildx build --output type=local,dest=out .',
      'docker buildx build --output type=tar,dest=fs.tar .',
      'docker buildx build -t app .',
      'docker build --push .',
    );
    expect(linesOf('build-no-rewrite-timestamp', '.github/workflows/image.yml', text)).toEqual([]);
  });
});

describe('build-attestations', () => {
  test('buildx exporting an image without --provenance=false', () => {
    const text = workflow('docker buildx build --push .', 'docker buildx build --provenance=true --output type=oci,dest=a.tar .', 'docker buildx build --provenance=mode=max --load .');
    const findings = findingsOf('build-attestations', '.github/workflows/image.yml', text);
    expect(findings.map((f) => [f.line, f.level])).toEqual([
      [8, 'warning'],
      [9, 'warning'],
      [10, 'warning'],
    ]);
    expect(findings[0]!.fix).toBe('add --provenance=false (publish provenance separately if you need it)');
  });

  test('--provenance=false, a disabled provenance attestation, BUILDX_NO_DEFAULT_ATTESTATIONS, or no image export', () => {
    const text = workflow(
      'docker buildx build --provenance=false --push .',
      'docker buildx build --attest type=provenance,disabled=true --load .',
      'BUILDX_NO_DEFAULT_ATTESTATIONS=1 docker buildx build --push .',
      'docker buildx build -o out/ .',
    );
    expect(linesOf('build-attestations', '.github/workflows/image.yml', text)).toEqual([]);
  });
});

describe('--flag=value spellings and folded outputs are not findings', () => {
  test('buildah --source-date-epoch=… and --timestamp=… with values known only at run time', () => {
    const script = lines(
      'buildah build --source-date-epoch=$(git log -1 --format=%ct) --rewrite-timestamp .',
      'buildah bud --timestamp=0 -f Containerfile .',
      'buildah build --timestamp="${SOURCE_DATE_EPOCH}" .',
      'docker buildx build --build-arg=SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)" --provenance=false --output=type=oci,dest=out.tar,rewrite-timestamp=true .',
    );
    expect(linesOf('build-no-epoch', 'build.sh', script)).toEqual([]);
    // Negative control: the same builds without the flag are still found.
    expect(linesOf('build-no-epoch', 'build.sh', lines('buildah build --squash=$SQUASH .', 'docker buildx build --build-arg=VERSION=$(cat VERSION) .'))).toEqual([1, 2]);
  });

  test('buildx --provenance=false and --output=type=…,rewrite-timestamp=true, also as -o=, with $VARS, or with --push folded in', () => {
    const script = lines(
      'export SOURCE_DATE_EPOCH=0',
      'docker buildx build --provenance=false --output=type=oci,rewrite-timestamp=true .',
      'docker buildx build --provenance=false -o=type=docker,rewrite-timestamp=true .',
      'docker buildx build --provenance=false --output=type=image,name=$IMAGE,push=true,rewrite-timestamp=true .',
      'docker buildx build --provenance=false --push --output=type=image,rewrite-timestamp=true -t app .',
    );
    expect(linesOf('build-no-rewrite-timestamp', 'build.sh', script)).toEqual([]);
    expect(linesOf('build-attestations', 'build.sh', script)).toEqual([]);
    // Negative controls: the real cases in the same spellings are still found.
    const bad = lines(
      'export SOURCE_DATE_EPOCH=0',
      'docker buildx build --output=type=oci,dest=$OUT .',
      'docker buildx build -o=type=image,name=$IMAGE,push=true .',
      'docker buildx build --push -t app .',
    );
    expect(linesOf('build-no-rewrite-timestamp', 'build.sh', bad)).toEqual([2, 3, 4]);
    expect(linesOf('build-attestations', 'build.sh', bad)).toEqual([2, 3, 4]);
  });
});

