import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DependencyRef } from '../../reference.js';
import { defaultConfig } from '../../config.js';
import { koManager } from './index.js';

const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
// Fixtures write digests as DIGEST(label) so no test carries a made-up hex string.
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../fixtures/ko/${name}`, import.meta.url), 'utf8').replace(/DIGEST\(([^)]*)\)/g, (_, label: string) => digestOf(label));

/** Pins every pinnable reference, last span first so earlier spans stay valid. */
function pinAll(text: string, refs: DependencyRef[]): string {
  const pinnable = refs.filter((r) => r.site).sort((a, b) => b.site!.span.start - a.site!.span.start);
  return pinnable.reduce((out, ref) => koManager.replace(out, ref, { digest: digestOf(`${ref.name}:${ref.value ?? 'latest'}`) }), text);
}

const summary = (refs: DependencyRef[]) => refs.map(({ line, name, value, digest, pinned, skipped, site }) => ({ line, name, value, digest, pinned, skipped, raw: site?.raw ?? null }));

describe('ko manager', () => {
  it('reads .ko.yaml and .ko.yml in any directory', () => {
    for (const path of ['.ko.yaml', '.ko.yml', 'cmd/server/.ko.yaml']) expect(koManager.matches(path)).toBe(true);
    for (const path of ['ko.yaml', 'x.ko.yaml', '.ko.yaml.orig']) expect(koManager.matches(path)).toBe(false);
  });

  it('finds defaultBaseImage and every baseImageOverrides value, and nothing under builds', () => {
    const text = fixture('knative.ko.yaml');
    const { refs, problems } = koManager.extract({ path: '.ko.yaml', text }, defaultConfig);
    expect(problems).toEqual([]);
    expect(summary(refs)).toEqual([
      { line: 3, name: 'cgr.dev/chainguard/static', value: 'latest', digest: null, pinned: false, skipped: null, raw: 'cgr.dev/chainguard/static:latest' },
      { line: 11, name: 'gcr.io/distroless/static', value: 'nonroot', digest: null, pinned: false, skipped: null, raw: 'gcr.io/distroless/static:nonroot' },
      {
        line: 12,
        name: 'gcr.io/distroless/base-debian12',
        value: null,
        digest: digestOf('distroless base stale'),
        pinned: true,
        skipped: null,
        raw: `gcr.io/distroless/base-debian12@${digestOf('distroless base stale')}`,
      },
      { line: 13, name: 'cgr.dev/chainguard/git', value: 'latest-dev', digest: null, pinned: false, skipped: null, raw: 'cgr.dev/chainguard/git:latest-dev' },
      { line: 14, name: 'registry.local:5000/base/busybox', value: null, digest: null, pinned: false, skipped: null, raw: 'registry.local:5000/base/busybox' },
    ]);
    for (const ref of refs) {
      expect(ref).toMatchObject({ file: '.ko.yaml', manager: 'ko', datasource: 'docker' });
      if (ref.site) expect(text.slice(ref.site.span.start, ref.site.span.end)).toBe(ref.site.raw);
    }
  });

  it('pins every base image, replacing a stale digest and keeping comments and quoting', () => {
    const text = fixture('knative.ko.yaml');
    const { refs } = koManager.extract({ path: '.ko.yaml', text }, defaultConfig);
    expect(pinAll(text, refs)).toBe(fixture('knative.ko.pinned.yaml'));
  });

  it('keeps a BOM and CRLF line endings when pinning', () => {
    const text = fixture('windows-crlf.ko.yaml');
    const { refs, problems } = koManager.extract({ path: 'tools/.ko.yaml', text }, defaultConfig);
    expect(problems).toEqual([]);
    expect(summary(refs).map((r) => [r.line, r.raw])).toEqual([
      [2, 'gcr.io/distroless/static-debian12:nonroot'],
      [4, 'alpine:3.20'],
    ]);
    expect(pinAll(text, refs)).toBe(
      '\uFEFF# Saved by an editor on Windows: a BOM and CRLF line endings.\r\n' +
        `defaultBaseImage: "gcr.io/distroless/static-debian12:nonroot@${digestOf('gcr.io/distroless/static-debian12:nonroot')}"\r\n` +
        'baseImageOverrides:\r\n' +
        `  example.com/app/cmd/tool: alpine:3.20@${digestOf('alpine:3.20')} # needs a shell\r\n`,
    );
  });

  it('reports a malformed base image as a problem naming the line and the image', () => {
    const { refs, problems } = koManager.extract({ path: '.ko.yaml', text: 'defaultBaseImage: ubuntu:not a tag\n' }, defaultConfig);
    expect(refs).toEqual([]);
    expect(problems).toEqual([{ file: '.ko.yaml', line: 1, dependency: 'ubuntu:not a tag', message: '"not a tag" is not a valid tag' }]);
  });

  it('reports invalid YAML as a problem and ignores a file without base images', () => {
    expect(koManager.extract({ path: '.ko.yaml', text: 'defaultBaseImage: [\n' }, defaultConfig).problems).toEqual([
      { file: '.ko.yaml', line: 1, dependency: null, message: expect.stringMatching(/^not valid YAML: /) },
    ]);
    expect(koManager.extract({ path: '.ko.yaml', text: 'builds: []\n' }, defaultConfig)).toEqual({ refs: [], problems: [] });
    expect(koManager.extract({ path: '.ko.yaml', text: '' }, defaultConfig)).toEqual({ refs: [], problems: [] });
  });
});
