import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { defaultConfig } from '../../config.js';
import type { DependencyRef, Pin } from '../../reference.js';
import { mutationOf } from '../../../../test/support/mutations.js';
import { workflowScripts } from '../../lint/sources/workflow.js';
import { COMMIT_SHA } from './action-uses.js';
import { githubActionsManager } from './index.js';

const shaOf = (label: string) => createHash('sha1').update(label).digest('hex');
const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;

// Fragments that steer random text into the parser states and walks the extractor cares about.
const fragments = [
  'jobs:', 'runs:', 'steps:', 'uses: ', 'image: ', 'docker://', 'actions/checkout@v4', 'a/b/c@', shaOf('x'), ' # v4.2.2', '#v1', ' # tag=v2',
  './local', '${{ inputs.ref }}', '\n', '\r\n', '  ', '    ', '- ', ': ', '"', "'", '\\', '#', '&a ', '*a', '<<: ', '[', ']', '{', '}', ',', '|', '>-',
  '---', '@', '..', '\uFEFF', '\t', '~', 'null', '? ', '!!str ',
  'parallel:', 'sequential:', 'background: true', ' # ratchet:', 'a/b@v3', 'ratchet:exclude', 'docker://ubuntu:20.04', ' # renovate: tag=', 'renovate:',
];
const yamlish = fc.array(fc.constantFrom(...fragments), { maxLength: 60 }).map((parts) => parts.join(''));

describe('github-actions manager properties', () => {
  it.each(['.github/workflows/ci.yml', '.github/actions/setup/action.yml'])('%s: extract never throws, and every span holds its raw text', (path) => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), yamlish), (text) => {
        const { refs, problems } = githubActionsManager.extract({ path, text }, defaultConfig);
        for (const ref of refs) if (ref.site) expect(text.slice(ref.site.span.start, ref.site.span.end)).toBe(ref.site.raw);
        expect(Array.isArray(problems)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  // Mutation fuzzing seeded with every real-shaped fixture: parallel groups, ratchet and Renovate comments, quoting, CRLF.
  const fixtures = new URL('../../../../fixtures/github-actions/', import.meta.url);
  const seeds = readdirSync(fixtures).map((name) => readFileSync(new URL(name, fixtures)));

  it('mutated fixtures: extraction gives references and problems as values, every span holds its raw text and takes a pin, and the run: steps are read without an exception', () => {
    fc.assert(
      fc.property(mutationOf(seeds, 1 << 14), fc.boolean(), (bytes, metadata) => {
        const text = bytes.toString('utf8');
        const path = metadata ? 'action.yml' : '.github/workflows/ci.yml';
        const { refs, problems } = githubActionsManager.extract({ path, text }, defaultConfig);
        for (const ref of refs) if (ref.site) expect(text.slice(ref.site.span.start, ref.site.span.end)).toBe(ref.site.raw);
        // Every reference with a site takes a pin there, and only there.
        let out = text;
        for (const ref of refs.filter((r) => r.site).sort((a, b) => b.site!.span.start - a.site!.span.start)) {
          const before = out;
          out = githubActionsManager.replace(before, ref, ref.datasource === 'github-tags' ? { digest: shaOf('fuzz'), tag: 'v1.0.0' } : { digest: digestOf('fuzz') });
          expect(out.slice(0, ref.site!.span.start)).toBe(before.slice(0, ref.site!.span.start));
          expect(out.slice(out.length - (before.length - ref.site!.span.end))).toBe(before.slice(ref.site!.span.end));
        }
        for (const problem of problems) expect([problem.file, typeof problem.line, typeof problem.message]).toEqual([path, 'number', 'string']);
        expect(Array.isArray(workflowScripts({ path, text }, metadata ? 'action' : 'workflow'))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  const actionName = fc
    .record({
      owner: fc.constantFrom('actions', 'github', 'octo-org', 'a-b.c_d'),
      repo: fc.constantFrom('checkout', 'codeql-action', 'shared', 'x.y'),
      path: fc.constantFrom('', '/init', '/cache/restore', '/.github/workflows/ci.yml'),
    })
    .map(({ owner, repo, path }) => `${owner}/${repo}${path}`);
  const gitRef = fc.constantFrom('v4', 'v4.2', 'v1.0.0-rc.1', 'main', 'release/v1', shaOf('old pin'));
  const use = fc.record({
    name: actionName,
    ref: gitRef,
    quote: fc.constantFrom('', "'", '"'),
    // RATCHET stands for ratchet's comment naming the same action: ` # ratchet:<name>@v3`.
    comment: fc.constantFrom('', ' # v4.1.0', '  #v1', ' # tag=v2.0.0', ' # keep this', '   # v3 # note', ' # renovate: tag=v1.1.0', 'RATCHET'),
    form: fc.constantFrom('step', 'named-step', 'flow-step', 'parallel-step', 'reusable'),
  });
  type Use = typeof use extends fc.Arbitrary<infer T> ? T : never;
  const layout = fc.record({ indent: fc.integer({ min: 1, max: 4 }), eol: fc.constantFrom('\n', '\r\n'), bom: fc.boolean(), metadata: fc.boolean() });

  /** A workflow (or composite action) with the generated `uses:` in order, a local action and a docker:// step between them; a parallel step sits in a sequential branch of a parallel group. */
  function render(uses: Use[], { indent, eol, bom, metadata }: { indent: number; eol: string; bom: boolean; metadata: boolean }): string {
    const ind = (n: number) => ' '.repeat(indent * n);
    const value = (u: Use) => `${u.quote}${u.name}@${u.ref}${u.quote}`;
    const comment = (u: Use) => (u.comment === 'RATCHET' ? ` # ratchet:${u.name}@v3` : u.comment);
    const step = (u: Use, pad: string): string[] => {
      if (u.form === 'flow-step') return [`${pad}- { uses: ${value(u)}, with: { fetch-depth: 0 } }`];
      if (u.form === 'named-step') return [`${pad}- name: step`, `${pad}  uses: ${value(u)}${comment(u)}`, `${pad}  with: { a: 1 }`];
      if (u.form === 'parallel-step') {
        const branch = `${pad}  ${ind(1)}`;
        return [`${pad}- parallel:`, `${branch}- uses: ./local`, `${branch}- sequential:`, ...step({ ...u, form: 'step' }, `${branch}  ${ind(1)}`)];
      }
      return [`${pad}- uses: ${value(u)}${comment(u)}`];
    };
    const lines: string[] = [];
    if (metadata) {
      lines.push('name: generated', 'runs:', `${ind(1)}using: composite`, `${ind(1)}steps:`);
      for (const u of uses) lines.push(...step(u, ind(2)), `${ind(2)}- uses: ./local`, `${ind(2)}- uses: docker://alpine:3.20`);
    } else {
      lines.push('on: push', 'jobs:');
      uses.forEach((u, i) => {
        if (u.form === 'reusable') lines.push(`${ind(1)}call${i}:`, `${ind(2)}uses: ${value(u)}${comment(u)}`, `${ind(2)}secrets: inherit`);
        else lines.push(`${ind(1)}job${i}:`, `${ind(2)}runs-on: ubuntu-24.04`, `${ind(2)}steps:`, ...step(u, ind(3)), `${ind(3)}- uses: ./local`, `${ind(3)}- uses: docker://alpine:3.20`);
      });
    }
    return `${bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
  }

  it('pinning changes only bytes inside the recorded spans, the YAML still parses, and the pins read back', () => {
    fc.assert(
      fc.property(fc.array(use, { minLength: 1, maxLength: 5 }), layout, (generated, l) => {
        // A reusable workflow is a job, not a step: in action metadata it is a plain step.
        const uses = l.metadata ? generated.map((u): Use => (u.form === 'reusable' ? { ...u, form: 'step' } : u)) : generated;
        const path = l.metadata ? 'action.yml' : '.github/workflows/ci.yml';
        const text = render(uses, l);
        const { refs, problems } = githubActionsManager.extract({ path, text }, defaultConfig);
        expect(problems).toEqual([]);
        const actions = refs.filter((r): r is DependencyRef & { site: NonNullable<DependencyRef['site']> } => r.datasource === 'github-tags' && r.site !== undefined);
        expect(actions.map((r) => r.name)).toEqual(uses.map((u) => u.name));

        const fresh = shaOf('fresh pin');
        let out = text;
        const pinnable = refs.filter((r) => r.site).sort((a, b) => b.site!.span.start - a.site!.span.start);
        for (const ref of pinnable) {
          const pin: Pin = ref.datasource === 'github-tags' ? { digest: fresh, tag: 'v9.9.9' } : { digest: digestOf('alpine') };
          const before = out;
          out = githubActionsManager.replace(before, ref, pin);
          expect(out.slice(0, ref.site!.span.start)).toBe(before.slice(0, ref.site!.span.start));
          expect(out.slice(out.length - (before.length - ref.site!.span.end))).toBe(before.slice(ref.site!.span.end));
        }

        expect(parseAllDocuments(out).flatMap((d) => d.errors)).toEqual([]);
        const again = githubActionsManager.extract({ path, text: out }, defaultConfig);
        expect(again.problems).toEqual([]);
        const pinned = again.refs.filter((r) => r.datasource === 'github-tags');
        expect(pinned.map((r) => [r.name, r.digest])).toEqual(uses.map((u) => [u.name, fresh]));
        // The tag comment is written wherever a comment can go: not inside a flow mapping that goes on.
        // ratchet's comment is kept, naming the ref that was pinned: v3 for a SHA, else the ref itself.
        const expected = (u: Use) => (u.form === 'flow-step' ? null : u.comment !== 'RATCHET' ? 'v9.9.9' : COMMIT_SHA.test(u.ref) ? 'v3' : u.ref);
        expect(pinned.map((r) => r.value)).toEqual(uses.map(expected));
      }),
      { numRuns: 300 },
    );
  });
});
