import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DependencyRef } from '../../reference.js';
import fc from 'fast-check';
import { mutationOf } from '../../../../test/support/mutations.js';
import { defaultConfig } from '../../config.js';
import { selectFiles } from '../../plan.js';
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
    const variants = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yml', 'docker-compose.prod.yml', 'docker-compose-dev.yml', 'deploy/compose.prod.yaml'];
    for (const path of ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml', ...variants]) {
      expect(composeManager.matches(path)).toBe(true);
    }
    for (const path of ['compose.json', 'my-compose.yml', 'compose/app.yml', 'docker-compose.yml.bak', 'composer.yml', '.env']) {
      expect(composeManager.matches(path)).toBe(false);
    }
    expect(composeManager.companions?.('deploy/compose.prod.yaml')).toEqual(['deploy/.env']);
    expect(composeManager.companions?.('compose.yaml')).toEqual(['.env']);
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
      // No .env beside the file: the default is what compose pulls, pinned inside the braces.
      { line: 56, name: 'traefik', value: 'v3.1', digest: null, pinned: false, skipped: null, raw: 'traefik:v3.1' },
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

  it('reads a version 1 file, whose services sit at the top level', () => {
    const text = fixture('v1/docker-compose.yml');
    const { refs, problems } = composeManager.extract({ path: 'docker-compose.yml', text }, defaultConfig);
    expect(problems).toEqual([]);
    expect(summary(refs)).toEqual([
      { line: 4, name: 'postgres', value: '9.6', digest: null, pinned: false, skipped: null, raw: 'postgres:9.6' },
      { line: 8, name: 'redis', value: '3.2', digest: digestOf('redis:3.2 stale'), pinned: true, skipped: null, raw: `redis:3.2@${digestOf('redis:3.2 stale')}` },
    ]);
    expect(pinAll(text, refs)).toBe(text.replace('postgres:9.6', `postgres:9.6@${digestOf('postgres:9.6')}`).replace(digestOf('redis:3.2 stale'), digestOf('redis:3.2')));
  });

  it('does not read other YAML as a version 1 file', () => {
    const notCompose = [
      // A `version:` key: v2/v3 files keep their services under `services:`.
      'version: "3.8"\nweb:\n  image: nginx:1.27\n',
      // Top-level mappings that are not all services (settings a CI tool keeps in docker-compose.ci.yml).
      'web:\n  image: nginx:1.27\nsettings:\n  retries: 3\n',
      'images:\n  - image: nginx:1.27\n',
      'nginx:1.27\n',
    ];
    for (const text of notCompose) {
      expect(composeManager.extract({ path: 'docker-compose.ci.yml', text }, defaultConfig)).toEqual({ refs: [], problems: [] });
    }
  });

  it('resolves ${VAR} from the .env beside the file and pins there; pins a ${VAR:-default} inside the braces', () => {
    const text = fixture('env/compose.yaml');
    const env = fixture('env/.env');
    const { refs, problems } = composeManager.extract({ path: 'deploy/compose.yaml', text }, defaultConfig, new Map([['deploy/.env', env]]));
    const at = (file: string, raw: string) => ({ file, raw });
    expect(refs.map((r) => ({ line: r.line, name: r.name, value: r.value, skipped: r.skipped, site: r.site ? at(r.site.file ?? r.file, r.site.raw) : null }))).toEqual([
      { line: 3, name: 'postgres', value: '16.4-alpine', skipped: null, site: at('deploy/.env', 'postgres:16.4-alpine') },
      { line: 5, name: 'redis', value: '7.4-alpine', skipped: null, site: at('deploy/.env', 'redis:7.4-alpine') },
      { line: 7, name: 'nginx', value: '1.27.2', skipped: null, site: at('deploy/.env', 'nginx:1.27.2') },
      { line: 9, name: 'minio/minio', value: 'RELEASE.2024-10-13T13-34-11Z', skipped: null, site: at('deploy/.env', 'minio/minio:RELEASE.2024-10-13T13-34-11Z') },
      { line: 11, name: 'docker.elastic.co/elasticsearch/elasticsearch', value: '8.15.0', skipped: null, site: at('deploy/compose.yaml', 'docker.elastic.co/elasticsearch/elasticsearch:8.15.0') },
      { line: 13, name: 'busybox', value: '1.36', skipped: null, site: at('deploy/compose.yaml', 'busybox:1.36') },
      { line: 15, name: '${EMPTY_IMAGE-busybox:1.37}', value: null, skipped: 'EMPTY_IMAGE is empty in deploy/.env (line 8), so compose would have no image to pull', site: null },
      {
        line: 17,
        name: '${TEMPLATED_IMAGE}',
        value: null,
        skipped: 'TEMPLATED_IMAGE: its value in .env (line 9) interpolates a variable: REGISTRY is not set and has no default, so compose takes it from the environment it runs in',
        site: null,
      },
      { line: 19, name: 'traefik', value: 'v3.1', skipped: null, site: at('deploy/.env', 'traefik:v3.1') },
      {
        line: 21,
        name: '${APP_IMAGE}',
        value: null,
        skipped: 'APP_IMAGE is not set in deploy/.env and has no default, so the image cannot be known statically (compose reads it from the environment when it runs)',
        site: null,
      },
      // made of two variables, each with its default: the image is known, but no one place holds a digest
      { line: 23, name: 'ghcr.io/acme/worker', value: '1.0', skipped: expect.stringMatching(/^the image is made of several variables/), site: null },
    ]);
    // The .env lines compose would reject are named, with the file and the line.
    expect(problems).toEqual([
      { file: 'deploy/.env', line: 13, dependency: null, message: 'skipped: not a KEY=VALUE assignment' },
      { file: 'deploy/.env', line: 14, dependency: null, message: 'skipped: "2FA_IMAGE" is not a variable name (letters, digits and _, not starting with a digit)' },
    ]);
    for (const ref of refs) {
      if (!ref.site) continue;
      const source = ref.site.file === 'deploy/.env' ? env : text;
      expect(source.slice(ref.site.span.start, ref.site.span.end)).toBe(ref.site.raw);
    }
  });

  it('without a .env, ${VAR} is skipped and ${VAR-default} pins its default', () => {
    const text = 'services:\n  a:\n    image: ${A}\n  b:\n    image: "${B-redis:7.4}"\n';
    const { refs } = composeManager.extract({ path: 'compose.yaml', text }, defaultConfig);
    expect(summary(refs)).toEqual([
      { line: 3, name: '${A}', value: null, digest: null, pinned: false, skipped: expect.stringContaining('A is not set in .env and has no default'), raw: null },
      { line: 5, name: 'redis', value: '7.4', digest: null, pinned: false, skipped: null, raw: 'redis:7.4' },
    ]);
    expect(pinAll(text, refs)).toBe(`services:\n  a:\n    image: \${A}\n  b:\n    image: "\${B-redis:7.4@${digestOf('redis:7.4')}}"\n`);
  });

  it('has the .env beside a compose file read with it: not one elsewhere, not an ignored one, not when absent', () => {
    const paths = ['compose.yaml', '.env', 'deploy/compose.prod.yaml', 'other/.env', 'ignored/compose.yaml', 'ignored/.env', 'bare/compose.yml'];
    const selected = selectFiles(paths, [composeManager], { ...defaultConfig, ignorePaths: ['ignored/.env'] });
    expect([...selected].map(([path, readers]) => [path, readers.map((m) => m.name)])).toEqual([
      ['compose.yaml', ['compose']],
      ['deploy/compose.prod.yaml', ['compose']],
      ['ignored/compose.yaml', ['compose']],
      ['bare/compose.yml', ['compose']],
      ['.env', []],
    ]);
  });

  it('never throws and keeps every pin site on its own bytes, for mutated compose and .env files', () => {
    const compose = Buffer.from(fixture('env/compose.yaml'));
    const env = Buffer.from(fixture('env/.env'));
    fc.assert(
      fc.property(mutationOf([compose], 8192), mutationOf([env], 4096), (composeBytes, envBytes) => {
        const texts = new Map([['compose.yaml', composeBytes.toString('utf8')], ['.env', envBytes.toString('utf8')]]);
        const { refs } = composeManager.extract({ path: 'compose.yaml', text: texts.get('compose.yaml')! }, defaultConfig, new Map([['.env', texts.get('.env')!]]));
        for (const ref of refs.filter((r) => r.site)) {
          expect(texts.get(ref.site!.file ?? ref.file)!.slice(ref.site!.span.start, ref.site!.span.end)).toBe(ref.site!.raw);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reports invalid YAML as a problem, never a throw', () => {
    expect(composeManager.extract({ path: 'compose.yaml', text: 'services:\n  web:\n    image: "unterminated\n' }, defaultConfig)).toEqual({
      refs: [],
      problems: [{ file: 'compose.yaml', line: 3, dependency: null, message: expect.stringMatching(/^not valid YAML: /) }],
    });
  });
});
