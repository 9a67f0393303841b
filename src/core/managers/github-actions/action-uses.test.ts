import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { DependencyRef, Pin } from '../../reference.js';
import { defaultConfig } from '../../config.js';
import { lint } from '../../lint/lint-test-kit.js';
import { githubActionsManager } from './index.js';

const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const shaOf = (label: string) => createHash('sha1').update(label).digest('hex');
// Fixtures write commits as SHA(label) and digests as DIGEST(label): no made-up hex string anywhere.
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../fixtures/github-actions/${name}`, import.meta.url), 'utf8')
    .replace(/DIGEST\(([^)]*)\)/g, (_, label: string) => digestOf(label))
    .replace(/SHA\(([^)]*)\)/g, (_, label: string) => shaOf(label));

const extract = (path: string, text: string) => githubActionsManager.extract({ path, text }, defaultConfig);
const summary = (refs: DependencyRef[]) =>
  refs.map(({ line, datasource, name, value, digest, pinned, skipped, site }) => ({ line, datasource, name, value, digest, pinned, skipped, raw: site?.raw ?? null }));

/** Applies pins last span first, as the planner does. */
function pinEach(text: string, edits: [DependencyRef, Pin][]): string {
  return [...edits].sort(([a], [b]) => b.site!.span.start - a.site!.span.start).reduce((out, [ref, pin]) => githubActionsManager.replace(out, ref, pin), text);
}

const EXPRESSION = 'the action uses a GitHub Actions expression (${{ ... }}), so it is only known when the workflow runs';
const action = (line: number, name: string, value: string | null, raw: string, digest: string | null = null) => ({
  line,
  datasource: 'github-tags',
  name,
  value,
  digest,
  pinned: digest !== null,
  skipped: null,
  raw,
});

describe('github-actions manager: uses: owner/repo[/path]@ref', () => {
  const ci = fixture('node-ci.yml');
  const codeql = shaOf('github/codeql-action v3.27.5');

  it('finds step actions, reusable workflows and docker:// steps; leaves local actions and workflows alone', () => {
    const { refs, problems } = extract('.github/workflows/ci.yml', ci);
    expect(problems).toEqual([]);
    expect(summary(refs)).toEqual([
      action(21, 'actions/checkout', 'v4', 'v4'),
      action(24, 'actions/setup-node', 'v4', 'v4 # v4.0.0'),
      action(29, 'actions/cache', 'v4', "v4'"),
      action(34, 'actions/upload-artifact', 'v4', 'v4"'),
      action(41, 'github/codeql-action/init', 'v3.27.5', `${codeql} # v3.27.5`, codeql),
      action(48, 'actions/checkout', 'v4', 'v4'),
      { line: 49, datasource: 'docker', name: 'hadolint/hadolint', value: 'v2.12.0', digest: null, pinned: false, skipped: null, raw: 'hadolint/hadolint:v2.12.0' },
      action(56, 'octo-org/shared-workflows/.github/workflows/npm-publish.yml', 'v2', 'v2'),
    ]);
    for (const ref of refs) expect(ref.site && ci.slice(ref.site.span.start, ref.site.span.end)).toBe(ref.site?.raw);
  });

  it('writes <sha> # <tag> over the ref and its old version comment, after the closing quote, keeping every other byte', () => {
    const { refs } = extract('.github/workflows/ci.yml', ci);
    const tags: Record<string, string> = { checkout: 'v4.2.2', 'setup-node': 'v4.1.0', cache: 'v4.1.2', 'upload-artifact': 'v4.4.3', 'shared-workflows': 'v2.3.0' };
    const edits = refs.flatMap((ref): [DependencyRef, Pin][] => {
      if (ref.datasource === 'docker') return [[ref, { digest: digestOf(`${ref.name}:${ref.value}`) }]];
      if (ref.digest !== null) return []; // current: the planner leaves it alone
      const repository = ref.name.split('/').slice(0, 2).join('/');
      const tag = tags[repository.split('/')[1]!]!;
      return [[ref, { digest: shaOf(`${repository} ${tag}`), tag }]];
    });
    expect(pinEach(ci, edits)).toBe(fixture('node-ci.pinned.yml'));
  });

  it('reads the pinned file back as SHAs with their tags', () => {
    const { refs, problems } = extract('.github/workflows/ci.yml', fixture('node-ci.pinned.yml'));
    expect(problems).toEqual([]);
    expect(refs.filter((r) => r.datasource === 'github-tags').map((r) => [r.name, r.value, r.digest, r.pinned])).toEqual([
      ['actions/checkout', 'v4.2.2', shaOf('actions/checkout v4.2.2'), true],
      ['actions/setup-node', 'v4.1.0', shaOf('actions/setup-node v4.1.0'), true],
      ['actions/cache', 'v4.1.2', shaOf('actions/cache v4.1.2'), true],
      ['actions/upload-artifact', 'v4.4.3', shaOf('actions/upload-artifact v4.4.3'), true],
      ['github/codeql-action/init', 'v3.27.5', codeql, true],
      ['actions/checkout', 'v4.2.2', shaOf('actions/checkout v4.2.2'), true],
      ['octo-org/shared-workflows/.github/workflows/npm-publish.yml', 'v2.3.0', shaOf('octo-org/shared-workflows v2.3.0'), true],
    ]);
  });

  it("reads a composite action's steps: actions, sub-path actions and docker:// images", () => {
    const text = fixture('composite-action.yml');
    const { refs, problems } = extract('.github/actions/setup/action.yml', text);
    expect(problems).toEqual([]);
    expect(summary(refs)).toEqual([
      action(11, 'actions/setup-python', 'v5', 'v5'),
      action(14, 'actions/cache/restore', 'v4', 'v4'),
      { line: 19, datasource: 'docker', name: 'ghcr.io/astral-sh/uv', value: '0.4.30', digest: null, pinned: false, skipped: null, raw: 'ghcr.io/astral-sh/uv:0.4.30' },
    ]);
    expect(refs.every((r) => r.file === '.github/actions/setup/action.yml' && r.manager === 'github-actions')).toBe(true);
  });

  it("reads a Docker container action's runs.image when it is pulled (docker://), not when it is built", () => {
    const { refs } = extract('action.yml', fixture('docker-action.yml'));
    expect(summary(refs)).toEqual([
      { line: 10, datasource: 'docker', name: 'hadolint/hadolint', value: 'v2.12.0-debian', digest: null, pinned: false, skipped: null, raw: 'hadolint/hadolint:v2.12.0-debian' },
    ]);
    expect(extract('action.yml', 'runs:\n  using: docker\n  image: Dockerfile\n')).toEqual({ refs: [], problems: [] });
    // Workflow keys mean nothing in action metadata, and action keys nothing in a workflow.
    expect(extract('action.yml', 'jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n').refs).toEqual([]);
    expect(extract('.github/workflows/ci.yml', 'runs:\n  steps:\n    - uses: actions/checkout@v4\n').refs).toEqual([]);
  });

  it('recognises version comments as Renovate and pinact write them, and nothing that merely starts with a digit', () => {
    const sha = shaOf('pinned');
    const lines = [
      `- uses: a/one@${sha} # v1.2.3`,
      `- uses: a/two@${sha} #v1.2.3`,
      `- uses: a/three@${sha} # tag=v1.2.3`,
      `- uses: a/four@${sha} # pin @v1.2.3`,
      `- uses: a/five@${sha}   # 1.2.3   # and a note`,
      `- uses: a/six@${sha} # pinned for safety`,
      `- uses: a/seven@${sha} # 2024 fix`,
      `- uses: a/eight@${sha}`,
      `- uses: a/nine@${sha.toUpperCase()} # v9`,
    ];
    const text = `jobs:\n  a:\n    steps:\n${lines.map((l) => `      ${l}`).join('\n')}\n`;
    const { refs } = extract('.github/workflows/ci.yml', text);
    expect(refs.map((r) => [r.name, r.value, r.digest, r.site?.raw])).toEqual([
      ['a/one', 'v1.2.3', sha, `${sha} # v1.2.3`],
      ['a/two', 'v1.2.3', sha, `${sha} #v1.2.3`],
      ['a/three', 'v1.2.3', sha, `${sha} # tag=v1.2.3`],
      ['a/four', 'v1.2.3', sha, `${sha} # pin @v1.2.3`],
      ['a/five', '1.2.3', sha, `${sha}   # 1.2.3`],
      ['a/six', null, sha, sha],
      ['a/seven', null, sha, sha],
      ['a/eight', null, sha, sha],
      ['a/nine', 'v9', sha.toUpperCase(), `${sha.toUpperCase()} # v9`],
    ]);
    const fresh = shaOf('fresh');
    const out = pinEach(
      text,
      refs.map((ref) => [ref, { digest: fresh, tag: 'v1.3.0' }]),
    );
    expect(out.split('\n').slice(3, -1).map((l) => l.trim())).toEqual([
      `- uses: a/one@${fresh} # v1.3.0`,
      `- uses: a/two@${fresh} #v1.3.0`,
      `- uses: a/three@${fresh} # tag=v1.3.0`,
      `- uses: a/four@${fresh} # pin @v1.3.0`,
      `- uses: a/five@${fresh}   # v1.3.0   # and a note`,
      `- uses: a/six@${fresh} # v1.3.0 # pinned for safety`,
      `- uses: a/seven@${fresh} # v1.3.0 # 2024 fix`,
      `- uses: a/eight@${fresh} # v1.3.0`,
      `- uses: a/nine@${fresh} # v1.3.0`,
    ]);
  });

  it("reads ratchet's and Renovate's comments as the version, and keeps each in its own spelling on rewrite", () => {
    const sha = shaOf('pinned');
    const lines = [
      `- uses: 'a/one@${sha}' # ratchet:a/one@v3`,
      `- uses: a/two/sub@${sha} # pinned by hand ratchet:A/Two/sub@v1.2 # note`,
      `- uses: a/three@${sha} # renovate: tag=v1.1.0`,
      `- uses: a/four@${sha} #renovate:v2`,
      `- uses: a/five@v5 # ratchet:a/five@v5`,
      `- uses: a/six@main # ratchet:a/six@v6`,
      `- uses: a/seven@${sha} # ratchet:a/seven@${shaOf('other')}`,
    ];
    const text = `jobs:\n  a:\n    steps:\n${lines.map((l) => `      ${l}`).join('\n')}\n`;
    const { refs, problems } = extract('.github/workflows/ci.yml', text);
    expect(problems).toEqual([]);
    expect(refs.map((r) => [r.name, r.value, r.digest, r.site?.raw])).toEqual([
      ['a/one', 'v3', sha, `${sha}' # ratchet:a/one@v3`],
      ['a/two/sub', 'v1.2', sha, `${sha} # pinned by hand ratchet:A/Two/sub@v1.2`],
      ['a/three', 'v1.1.0', sha, `${sha} # renovate: tag=v1.1.0`],
      ['a/four', 'v2', sha, `${sha} #renovate:v2`],
      ['a/five', 'v5', null, 'v5 # ratchet:a/five@v5'],
      ['a/six', 'main', null, 'main # ratchet:a/six@v6'],
      ['a/seven', null, sha, `${sha} # ratchet:a/seven@${shaOf('other')}`],
    ]);
    const fresh = shaOf('fresh');
    const out = pinEach(
      text,
      refs.map((ref) => [ref, { digest: fresh, tag: 'v9.9.9' }]),
    );
    expect(out.split('\n').slice(3, -1).map((l) => l.trim())).toEqual([
      `- uses: 'a/one@${fresh}' # ratchet:a/one@v3`,
      `- uses: a/two/sub@${fresh} # pinned by hand ratchet:A/Two/sub@v1.2 # note`,
      `- uses: a/three@${fresh} # renovate: tag=v9.9.9`,
      `- uses: a/four@${fresh} #renovate:v9.9.9`,
      `- uses: a/five@${fresh} # ratchet:a/five@v5`,
      // ratchet would refresh to what its comment names: the comment follows the ref that was pinned.
      `- uses: a/six@${fresh} # ratchet:a/six@main`,
      `- uses: a/seven@${fresh} # ratchet:a/seven@${shaOf('other')}`,
    ]);
  });

  it('a ratchet-commented SHA is current when it is the commit, whatever release the lookup names', () => {
    const sha = shaOf('ratchet current');
    const [ref] = extract('.github/workflows/ci.yml', `jobs:\n  a:\n    steps:\n      - uses: a/b@${sha} # ratchet:a/b@v4\n`).refs;
    expect(githubActionsManager.isCurrent!(ref!, { digest: sha, tag: 'v4.2.2' })).toBe(true);
    expect(githubActionsManager.isCurrent!(ref!, { digest: shaOf('moved'), tag: 'v4.3.0' })).toBe(false);
  });

  it('leaves alone, with the reason, what ratchet excluded and what a ratchet comment does not describe', () => {
    const sha = shaOf('x');
    const text = [
      'jobs:',
      '  a:',
      '    steps:',
      '      - uses: actions/cache@v4 # ratchet:exclude',
      `      - uses: actions/cache@${sha} # keep ratchet:exclude`,
      `      - uses: actions/checkout@${sha} # ratchet:actions/setup-node@v4`,
      `      - uses: actions/checkout@${sha} # ratchet:actions/checkout@v4..5`,
      `      - uses: actions/checkout@${sha} # ratchet:checkout`,
      '',
    ].join('\n');
    const { refs, problems } = extract('.github/workflows/ci.yml', text);
    expect(problems).toEqual([]);
    expect(refs.map((r) => [r.line, r.value, r.pinned, r.skipped, r.site])).toEqual([
      [4, 'v4', false, 'a `# ratchet:exclude` comment keeps it from being pinned', undefined],
      [5, null, true, 'a `# ratchet:exclude` comment keeps it from being pinned', undefined],
      [6, null, true, 'its `# ratchet:actions/setup-node@v4` comment names another action than actions/checkout; correct the comment or remove it to pin this reference', undefined],
      [7, null, true, 'its `# ratchet:actions/checkout@v4..5` comment names "v4..5", which is not a valid git tag, branch or commit name', undefined],
      [8, null, true, 'its `# ratchet:checkout` comment names another action than actions/checkout; correct the comment or remove it to pin this reference', undefined],
    ]);
  });

  it('a tag ratchet excluded is still reported by action-not-pinned, and silenced as any finding is', () => {
    const text = 'jobs:\n  a:\n    steps:\n      - uses: actions/cache@v4 # ratchet:exclude # repro-pins: ignore action-not-pinned\n      - uses: actions/cache@v4 # ratchet:exclude\n';
    expect(lint({ '.github/workflows/ci.yml': text }).map((f) => [f.rule, f.line])).toEqual([['action-not-pinned', 5]]);
  });

  it('writes no comment where none can go (a flow mapping that goes on), and keeps a comment when the pin names no tag', () => {
    const sha = shaOf('flow');
    const text = `jobs:\n  a:\n    steps:\n      - { uses: actions/checkout@v4, with: { fetch-depth: 0 } }\n      - {\n          uses: actions/cache@v4\n        }\n      - uses: a/b@${sha} # v1\n`;
    const { refs } = extract('.github/workflows/ci.yml', text);
    const out = pinEach(text, [
      [refs[0]!, { digest: sha, tag: 'v4.2.2' }],
      [refs[1]!, { digest: sha, tag: 'v4.1.2' }],
      [refs[2]!, { digest: sha }],
    ]);
    expect(out).toBe(`jobs:\n  a:\n    steps:\n      - { uses: actions/checkout@${sha}, with: { fetch-depth: 0 } }\n      - {\n          uses: actions/cache@${sha} # v4.1.2\n        }\n      - uses: a/b@${sha} # v1\n`);
    expect(parseDocument(out).errors).toEqual([]);
  });

  it('keeps CRLF line endings and a BOM', () => {
    const text = '\uFEFFjobs:\r\n  a:\r\n    steps:\r\n      - uses: actions/checkout@v4 # v4.0.0\r\n      - uses: actions/cache@v4\r\n';
    const { refs } = extract('.github/workflows/ci.yml', text);
    const sha = shaOf('crlf');
    expect(pinEach(text, refs.map((ref) => [ref, { digest: sha, tag: 'v4.2.2' }]))).toBe(
      `\uFEFFjobs:\r\n  a:\r\n    steps:\r\n      - uses: actions/checkout@${sha} # v4.2.2\r\n      - uses: actions/cache@${sha} # v4.2.2\r\n`,
    );
  });

  it('skips expressions with their reason, and reports what is not an action reference with its line', () => {
    const text = [
      'jobs:',
      '  a:',
      '    steps:',
      '      - uses: actions/checkout@${{ inputs.ref }}',
      '      - uses: actions@v4',
      '      - uses: actions/checkout',
      '      - uses: actions/checkout@v4..5',
      '      - uses: |',
      '          actions/cache@v4',
      '  b:',
      '    uses: octo-org/shared/.github/workflows/x.yml@${{ github.ref }}',
      '',
    ].join('\n');
    const { refs, problems } = extract('.github/workflows/ci.yml', text);
    expect(summary(refs)).toEqual([
      { line: 4, datasource: 'github-tags', name: 'actions/checkout@${{ inputs.ref }}', value: null, digest: null, pinned: false, skipped: EXPRESSION, raw: null },
      { line: 8, datasource: 'github-tags', name: 'actions/cache', value: 'v4', digest: null, pinned: false, skipped: 'the value is a block scalar (| or >); write it on one line to pin it', raw: null },
      { line: 11, datasource: 'github-tags', name: 'octo-org/shared/.github/workflows/x.yml@${{ github.ref }}', value: null, digest: null, pinned: false, skipped: EXPRESSION, raw: null },
    ]);
    const notAction = 'is not an action reference: `uses:` takes owner/repo[/path]@ref, ./local/path or docker://image';
    expect(problems).toEqual([
      { file: '.github/workflows/ci.yml', line: 5, dependency: 'actions@v4', message: notAction },
      { file: '.github/workflows/ci.yml', line: 6, dependency: 'actions/checkout', message: notAction },
      { file: '.github/workflows/ci.yml', line: 7, dependency: 'actions/checkout@v4..5', message: '"v4..5" is not a valid git tag, branch or commit name' },
    ]);
  });

  it('writes an anchored uses once, where the anchor is', () => {
    const text = 'x-checkout: &checkout actions/checkout@v4\njobs:\n  a:\n    steps:\n      - uses: *checkout\n  b:\n    steps:\n      - uses: *checkout\n';
    const { refs } = extract('.github/workflows/ci.yml', text);
    expect(refs.map((r) => [r.line, r.site?.raw])).toEqual([[1, 'v4']]);
  });

  it('is current when the SHA matches and the comment names the tag the lookup chose; SHAs compare without case', () => {
    const sha = shaOf('current');
    const [ref] = extract('.github/workflows/ci.yml', `jobs:\n  a:\n    steps:\n      - uses: a/b@${sha.toUpperCase()} # v4\n`).refs;
    expect(githubActionsManager.isCurrent!(ref!, { digest: sha, tag: 'v4' })).toBe(true);
    expect(githubActionsManager.isCurrent!(ref!, { digest: sha, tag: 'v4.2.2' })).toBe(false);
    expect(githubActionsManager.isCurrent!(ref!, { digest: shaOf('other'), tag: 'v4' })).toBe(false);
    expect(githubActionsManager.isCurrent!({ ...ref!, value: null }, { digest: sha })).toBe(true);
    const [unpinned] = extract('.github/workflows/ci.yml', 'jobs:\n  a:\n    steps:\n      - uses: a/b@v4\n').refs;
    expect(githubActionsManager.isCurrent!(unpinned!, { digest: sha, tag: 'v4' })).toBe(false);
  });

  it('refuses to write anything but a commit SHA, and a span whose text moved', () => {
    const text = 'jobs:\n  a:\n    steps:\n      - uses: a/b@v4\n';
    const [ref] = extract('.github/workflows/ci.yml', text).refs;
    expect(() => githubActionsManager.replace(text, ref!, { digest: digestOf('not a commit'), tag: 'v4' })).toThrow(/40-hex commit SHA/);
    expect(() => githubActionsManager.replace(text.replace('@v4', '@v5'), ref!, { digest: shaOf('x'), tag: 'v4' })).toThrow(/expected "v4"/);
  });
});
