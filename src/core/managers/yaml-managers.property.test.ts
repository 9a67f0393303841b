import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { defaultConfig } from '../config.js';
import type { DependencyRef } from '../reference.js';
import type { Manager } from './manager.js';
import { composeManager } from './compose/index.js';
import { githubActionsManager } from './github-actions/index.js';
import { koManager } from './ko/index.js';

const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;

const yamlManagers: [string, Manager, string][] = [
  ['compose', composeManager, 'compose.yaml'],
  ['github-actions', githubActionsManager, '.github/workflows/ci.yml'],
  ['ko', koManager, '.ko.yaml'],
];

// Fragments that steer random text into the parser states and walks the managers care about.
const fragments = [
  'services:', 'jobs:', 'container:', 'services:', 'steps:', 'image:', 'uses: ', 'docker://', 'defaultBaseImage:', 'baseImageOverrides:',
  'build: .', '\n', '\r\n', '  ', '    ', '- ', ': ', '"', "'", '\\', '#', '&a ', '*a', '<<: ', '[', ']', '{', '}', ',', '|', '>-', '---',
  '${X}', '$$', '${{ matrix.image }}', 'nginx:1.27', 'ghcr.io/acme/api@', 'sha256:', '\uFEFF', '\t', '~', 'null', '? ', '!!str ',
];
const yamlish = fc.array(fc.constantFrom(...fragments), { maxLength: 60 }).map((parts) => parts.join(''));

const image = fc
  .record({
    registry: fc.constantFrom('', 'ghcr.io/', 'registry.example.com:5000/', 'localhost:5000/', 'docker.io/'),
    path: fc.constantFrom('nginx', 'library/redis', 'acme/api', 'team/sub/tool-x', 'a__b.c'),
    tag: fc.option(fc.constantFrom('1', '1.27.2', 'v3.1-alpine', 'latest', '3.12-slim-bookworm'), { nil: null }),
    stale: fc.option(fc.constantFrom('stale one', 'stale two'), { nil: null }),
  })
  .map(({ registry, path, tag, stale }) => `${registry}${path}${tag === null ? '' : `:${tag}`}${stale === null ? '' : `@${digestOf(stale)}`}`);

const style = fc.record({
  quote: fc.constantFrom('plain', 'single', 'double'),
  comment: fc.constantFrom('', ' # pinned weekly', '    #note', ' # "quoted" # twice: yes'),
  commentLine: fc.boolean(),
});
type Style = typeof style extends fc.Arbitrary<infer T> ? T : never;

const layout = fc.record({ indent: fc.integer({ min: 1, max: 4 }), eol: fc.constantFrom('\n', '\r\n'), bom: fc.boolean() });

const quote = (text: string, { quote: q }: Style) => (q === 'single' ? `'${text}'` : q === 'double' ? `"${text}"` : text);

interface Generated {
  lines: string[];
  /** Image texts in the order the manager walks them. */
  images: string[];
}

const entry = (s: Style, pad: string, line: string): string[] => [...(s.commentLine ? [`${pad}# about the next line`] : []), `${pad}${line}${s.comment}`];

const composeDoc = fc.tuple(fc.array(fc.tuple(image, style, fc.boolean()), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 4 })).map(([services, indent]): Generated => {
  const ind = ' '.repeat(indent);
  const lines = ['# generated compose file', 'services:'];
  services.forEach(([img, s, flow], i) => {
    if (flow) {
      lines.push(...entry(s, ind, `svc${i}: { image: ${quote(img, s)}, restart: always }`));
    } else {
      lines.push(`${ind}svc${i}:`, ...entry(s, ind.repeat(2), `image: ${quote(img, s)}`), `${ind.repeat(2)}restart: always`);
    }
  });
  // An unresolvable neighbour must stay as it is.
  lines.push(`${ind}dyn:`, `${ind.repeat(2)}image: \${REGISTRY}/app:\${TAG:-dev}`);
  return { lines, images: services.map(([img]) => img) };
});

const workflowDoc = fc
  .tuple(fc.array(fc.tuple(image, image, image, style, fc.boolean()), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 4 }))
  .map(([jobs, indent]): Generated => {
    const ind = (n: number) => ' '.repeat(indent * n);
    const lines = ['name: CI', 'on: [push]', 'jobs:'];
    const images: string[] = [];
    jobs.forEach(([container, service, step, s, mapping], i) => {
      lines.push(`${ind(1)}job${i}:`, `${ind(2)}runs-on: ubuntu-latest`);
      if (mapping) lines.push(`${ind(2)}container:`, ...entry(s, ind(3), `image: ${quote(container, s)}`));
      else lines.push(...entry(s, ind(2), `container: ${quote(container, s)}`));
      lines.push(`${ind(2)}services:`, `${ind(3)}db:`, ...entry(s, ind(4), `image: ${quote(service, s)}`));
      lines.push(`${ind(2)}steps:`, ...entry(s, ind(3), `- uses: ${quote(`docker://${step}`, s)}`), `${ind(3)}- run: echo \${{ matrix.x }}`);
      lines.push(`${ind(3)}- uses: actions/checkout@v4`, `${ind(3)}- uses: docker://\${{ matrix.image }}`);
      images.push(container, service, step);
    });
    return { lines, images };
  });

const koDoc = fc.tuple(image, fc.array(fc.tuple(image, style), { maxLength: 4 }), style, fc.integer({ min: 1, max: 4 })).map(([base, overrides, s, indent]): Generated => {
  const lines = [...entry(s, '', `defaultBaseImage: ${quote(base, s)}`), 'baseImageOverrides:'];
  overrides.forEach(([img, os], i) => lines.push(...entry(os, ' '.repeat(indent), `example.com/app/cmd/tool${i}: ${quote(img, os)}`)));
  lines.push('builds:', `${' '.repeat(indent)}- id: app`);
  return { lines, images: [base, ...overrides.map(([img]) => img)] };
});

const render = ({ lines }: Generated, { eol, bom }: { eol: string; bom: boolean }) => `${bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;

function checkPinRoundTrip(manager: Manager, path: string, generated: Generated, text: string): void {
  const { refs, problems } = manager.extract({ path, text }, defaultConfig);
  expect(problems).toEqual([]);
  // Images only: github-actions also pins `uses:` actions, which its own property test covers.
  const images = refs.filter((r) => r.datasource === 'docker');
  const pinnable = images.filter((r): r is DependencyRef & { site: NonNullable<DependencyRef['site']> } => r.site !== undefined);
  expect(pinnable.map((r) => r.site.raw)).toEqual(generated.images);

  const pinDigest = digestOf('fresh pin');
  let out = text;
  for (const ref of [...pinnable].sort((a, b) => b.site.span.start - a.site.span.start)) {
    const before = out;
    out = manager.replace(before, ref, { digest: pinDigest });
    expect(out.slice(0, ref.site.span.start)).toBe(before.slice(0, ref.site.span.start));
    expect(out.slice(out.length - (before.length - ref.site.span.end))).toBe(before.slice(ref.site.span.end));
  }

  const again = manager.extract({ path, text: out }, defaultConfig);
  expect(again.problems).toEqual([]);
  const imagesAgain = again.refs.filter((r) => r.datasource === 'docker');
  expect(imagesAgain.filter((r) => r.site).map((r) => r.digest)).toEqual(generated.images.map(() => pinDigest));
  expect(imagesAgain.filter((r) => r.skipped).map((r) => r.name)).toEqual(images.filter((r) => r.skipped).map((r) => r.name));
  expect(imagesAgain.filter((r) => r.site).map((r) => r.name)).toEqual(pinnable.map((r) => r.name));
}

describe('YAML image managers', () => {
  it.each(yamlManagers)('%s: extract never throws, whatever the text', (_name, manager, path) => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), yamlish), (text) => {
        const { refs, problems } = manager.extract({ path, text }, defaultConfig);
        for (const ref of refs) if (ref.site) expect(text.slice(ref.site.span.start, ref.site.span.end)).toBe(ref.site.raw);
        expect(Array.isArray(problems)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('compose: pinning changes only bytes inside the recorded spans, and the pins read back', () => {
    fc.assert(fc.property(composeDoc, layout, (doc, l) => checkPinRoundTrip(composeManager, 'compose.yaml', doc, render(doc, l))));
  });

  it('github-actions: pinning changes only bytes inside the recorded spans, and the pins read back', () => {
    fc.assert(fc.property(workflowDoc, layout, (doc, l) => checkPinRoundTrip(githubActionsManager, '.github/workflows/ci.yml', doc, render(doc, l))));
  });

  it('ko: pinning changes only bytes inside the recorded spans, and the pins read back', () => {
    fc.assert(fc.property(koDoc, layout, (doc, l) => checkPinRoundTrip(koManager, '.ko.yaml', doc, render(doc, l))));
  });
});
