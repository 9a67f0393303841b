import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DependencyRef } from '../../reference.js';
import { defaultConfig } from '../../config.js';
import { composeManager } from './index.js';

const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
// Fixtures write digests as DIGEST(label) so no test carries a made-up hex string.
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../fixtures/compose/${name}`, import.meta.url), 'utf8').replace(/DIGEST\(([^)]*)\)/g, (_, label: string) => digestOf(label));

/** Pins every pinnable reference, last span first so earlier spans stay valid. */
function pinAll(text: string, refs: DependencyRef[]): string {
  const pinnable = refs.filter((r) => r.site).sort((a, b) => b.site!.span.start - a.site!.span.start);
  return pinnable.reduce((out, ref) => composeManager.replace(out, ref, { digest: digestOf(`${ref.name}:${ref.value ?? 'latest'}`) }), text);
}

const summary = (refs: DependencyRef[]) => refs.map(({ line, name, value, digest, pinned, skipped, site }) => ({ line, name, value, digest, pinned, skipped, raw: site?.raw ?? null }));

describe('compose manager', () => {
  it('reads compose file names, overrides and variants at any depth', () => {
    for (const path of ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.override.yml', 'deploy/compose.prod.yaml']) {
      expect(composeManager.matches(path)).toBe(true);
    }
    for (const path of ['compose.json', 'my-compose.yml', 'compose/app.yml', 'docker-compose.yml.bak']) {
      expect(composeManager.matches(path)).toBe(false);
    }
  });

  it('finds services.*.image with its tag, digest and exact span, and leaves build-only and build-output services out', () => {
    const text = fixture('docker-compose.yml');
    const { refs, problems } = composeManager.extract({ path: 'docker-compose.yml', text }, defaultConfig);
    expect(problems).toEqual([]);
    expect(summary(refs)).toEqual([
      { line: 16, name: 'postgres', value: '16.4-alpine', digest: null, pinned: false, skipped: null, raw: 'postgres:16.4-alpine' },
      { line: 25, name: 'redis', value: '7.4-alpine', digest: null, pinned: false, skipped: null, raw: 'redis:7.4-alpine' },
      { line: 45, name: 'axllent/mailpit', value: 'v1.20', digest: null, pinned: false, skipped: null, raw: 'axllent/mailpit:v1.20' },
      { line: 49, name: 'docker.elastic.co/elasticsearch/elasticsearch', value: '7.17.4', digest: null, pinned: false, skipped: null, raw: 'docker.elastic.co/elasticsearch/elasticsearch:7.17.4' },
      {
        line: 53,
        name: 'registry.internal.example:5000/mirror/nginx',
        value: '1.27.2',
        digest: digestOf('nginx 1.27.2 stale'),
        pinned: true,
        skipped: null,
        raw: `registry.internal.example:5000/mirror/nginx:1.27.2@${digestOf('nginx 1.27.2 stale')}`,
      },
      {
        line: 56,
        name: '${PROXY_IMAGE:-traefik:v3.1}',
        value: null,
        digest: null,
        pinned: false,
        skipped: 'the image uses compose variable interpolation ($VAR or ${VAR}), so it is only known when compose runs',
        raw: null,
      },
      { line: 59, name: 'busybox', value: null, digest: null, pinned: false, skipped: null, raw: 'busybox' },
    ]);
    for (const ref of refs) {
      expect(ref).toMatchObject({ file: 'docker-compose.yml', manager: 'compose', datasource: 'docker' });
      if (ref.site) expect(text.slice(ref.site.span.start, ref.site.span.end)).toBe(ref.site.raw);
    }
  });

  it('writes each pin inside the quotes it found, replaces a stale digest and keeps every other byte', () => {
    const text = fixture('docker-compose.yml');
    const { refs } = composeManager.extract({ path: 'docker-compose.yml', text }, defaultConfig);
    expect(pinAll(text, refs)).toBe(fixture('docker-compose.pinned.yml'));
  });

  it('re-reads its own output as pinned', () => {
    const pinned = fixture('docker-compose.pinned.yml');
    const { refs } = composeManager.extract({ path: 'docker-compose.yml', text: pinned }, defaultConfig);
    expect(refs.filter((r) => !r.skipped).every((r) => r.pinned && r.digest === digestOf(`${r.name}:${r.value}`))).toBe(true);
  });

  it('reads every document of a multi-document file, reports a bad document and a malformed image as problems, and counts an anchored image once', () => {
    const text = fixture('compose.multi.yaml');
    const { refs, problems } = composeManager.extract({ path: 'stack/compose.multi.yaml', text }, defaultConfig);
    expect(summary(refs)).toEqual([
      { line: 4, name: 'memcached', value: '1.6.29', digest: null, pinned: false, skipped: null, raw: 'memcached:1.6.29' },
      { line: 8, name: 'rabbitmq', value: '3.13-management', digest: null, pinned: false, skipped: null, raw: 'rabbitmq:3.13-management' },
    ]);
    expect(problems).toEqual([
      { file: 'stack/compose.multi.yaml', line: 15, dependency: null, message: expect.stringMatching(/^not valid YAML: /) },
      {
        file: 'stack/compose.multi.yaml',
        line: 12,
        dependency: 'Redis:7',
        message: '"Redis" is not a valid image name (names are lowercase letters, digits and separators)',
      },
    ]);
  });

  it('keeps CRLF line endings and a BOM when pinning', () => {
    const text = '\uFEFFservices:\r\n  web:\r\n    image: nginx:1.27 # front\r\n';
    const { refs } = composeManager.extract({ path: 'compose.yaml', text }, defaultConfig);
    expect(refs).toHaveLength(1);
    expect(refs[0]).toMatchObject({ line: 3, site: { raw: 'nginx:1.27' } });
    expect(pinAll(text, refs)).toBe(`\uFEFFservices:\r\n  web:\r\n    image: nginx:1.27@${digestOf('nginx:1.27')} # front\r\n`);
  });

  it('reports a quoted image with escapes and a block scalar as skipped, with no pin site', () => {
    const text = 'services:\n  a:\n    image: "nginx\\x3a1"\n  b:\n    image: >-\n      redis:7\n';
    const { refs } = composeManager.extract({ path: 'compose.yaml', text }, defaultConfig);
    expect(summary(refs)).toEqual([
      {
        line: 3,
        name: 'nginx',
        value: '1',
        digest: null,
        pinned: false,
        skipped: 'the quoted value contains escape sequences or line breaks; write it on one line without escapes to pin it',
        raw: null,
      },
      { line: 5, name: 'redis', value: '7', digest: null, pinned: false, skipped: 'the value is a block scalar (| or >); write it on one line to pin it', raw: null },
    ]);
  });

  it('treats $$ as a literal dollar, not interpolation', () => {
    const { refs, problems } = composeManager.extract({ path: 'compose.yaml', text: 'services:\n  a:\n    image: $$nginx\n' }, defaultConfig);
    expect(refs).toEqual([]);
    expect(problems).toEqual([{ file: 'compose.yaml', line: 3, dependency: '$$nginx', message: expect.any(String) }]);
  });

  it('reports invalid YAML as a problem, never a throw', () => {
    expect(composeManager.extract({ path: 'compose.yaml', text: 'services:\n  web:\n    image: "unterminated\n' }, defaultConfig)).toEqual({
      refs: [],
      problems: [{ file: 'compose.yaml', line: 3, dependency: null, message: expect.stringMatching(/^not valid YAML: /) }],
    });
  });
});
