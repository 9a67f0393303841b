import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { dockerfileManager } from './index.js';
import { expand, pinSpot, type BuildArg, type Scope } from './variables.js';

const scope = (values: Record<string, string | null>): Scope =>
  new Map(Object.entries(values).map(([name, value]): [string, BuildArg] => [name, { name, value, site: null }]));
const fixture = (name: string) => ({ path: name, text: readFileSync(new URL(`../../../../fixtures/dockerfile/${name}`, import.meta.url), 'utf8') });
const extract = (text: string) => dockerfileManager.extract({ path: 'Dockerfile', text }, undefined as never);
const digest = `sha256:${'c'.repeat(64)}`;

describe('BuildKit word expansion (frontend/dockerfile/shell/lex.go)', () => {
  test.each([
    ['"gcr.io/x:tag"', 'gcr.io/x:tag'],
    ["'alpine:${NOT_EXPANDED}'", 'alpine:${NOT_EXPANDED}'],
    ['${REF:-"gcr.io/x:tag@sha256:abc"}', 'gcr.io/x:tag@sha256:abc'],
    ["${REF-'a b'}", 'a b'],
    ['alpine:"3.${MINOR}"', 'alpine:3.20'],
    ['"a\\"b\\$c\\d"', 'a"b$c\\d'],
    ['a\\$b\\:c', 'a$b:c'],
    ['${MINOR:+"set"}${EMPTY:+x}${EMPTY-unused}', 'set'],
    ['${MINOR:?must be given}', '20'],
    ['"${MINOR:-"nested"}"', '20'],
    ['$', '$'],
  ])('%s → %s', (written, value) => {
    expect(expand(written, scope({ MINOR: '20', EMPTY: '' }), '\\')).toEqual({ value });
  });

  test('the escape directive changes the escape character inside and outside quotes', () => {
    expect(expand('"a`"b" c`$d', scope({}), '`')).toEqual({ value: 'a"b c$d' });
  });

  test('unset names, open quotes, a missing } and forms it does not evaluate are unresolved, with the reason', () => {
    expect(expand('${NOPE}', scope({}), '\\')).toEqual({ unresolved: 'NOPE is not declared with ARG before it is used, so the image is only known at build time' });
    expect(expand('$BASE', scope({ BASE: null }), '\\')).toEqual({ unresolved: 'ARG BASE has no default value, so the image is only known at build time' });
    expect(expand('"alpine', scope({}), '\\')).toEqual({ unresolved: '""alpine": a double quote is never closed, so BuildKit rejects it' });
    expect(expand("'alpine", scope({}), '\\')).toEqual({ unresolved: `"'alpine": a single quote is never closed, so BuildKit rejects it` });
    expect(expand('${X:-a', scope({}), '\\')).toEqual({ unresolved: '"${X:-a": a ${…} is missing its closing }, so BuildKit rejects it' });
    expect(expand('${X%.*}', scope({ X: '1.2' }), '\\')).toEqual({ unresolved: '"${X%.*}" uses a variable form repro-pins cannot evaluate statically' });
    expect(expand('${X:?}', scope({}), '\\')).toEqual({ unresolved: 'X must be given at build time (${X:?…}), so the image is only known then' });
  });

  test('the pin spot is inside the quotes, inside the word of an unset ${X:-…}, or the ARG a sole variable names', () => {
    const args = scope({ SET: 'alpine:3' });
    expect(pinSpot('"gcr.io/x:tag"', args, '\\')).toEqual({ from: 1, to: 13 });
    expect(pinSpot('${REF:-"gcr.io/x:tag"}', args, '\\')).toEqual({ from: 8, to: 20 });
    expect(pinSpot('alpine:"3.20"', args, '\\')).toEqual({ from: 0, to: 12 });
    expect(pinSpot('${SET:-"other"}', args, '\\')).toBeNull();
    expect(pinSpot('"open', args, '\\')).toBeNull();
  });
});

describe('quoted ARG defaults in a Dockerfile', () => {
  test('every reference of the fixture is found with its quotes removed', () => {
    const { refs, problems } = dockerfileManager.extract(fixture('quoted-defaults.Dockerfile'), undefined as never);
    expect(problems).toEqual([]);
    expect(refs.map((r) => [r.line, r.name, r.value, r.site?.raw])).toEqual([
      [1, 'docker/dockerfile', '1', 'docker/dockerfile:1'],
      [12, 'tonistiigi/xx', '1.6.1', 'tonistiigi/xx:${XX_VERSION}'],
      [13, 'golang', '1.23.7-bookworm', 'golang:${GO_VERSION}-${BASE_DEBIAN_DISTRO}'],
      [16, 'ghcr.io/acme/tool', '1.4', 'ghcr.io/acme/tool:1.4'],
      [18, 'gcr.io/distroless/static-debian12', 'nonroot', 'gcr.io/distroless/static-debian12:nonroot'],
    ]);
  });

  test('the digest is written inside the quotes, and a stale one inside them is replaced', () => {
    const text = 'ARG REF=${REF:-"gcr.io/x/app:1.0@sha256:' + 'a'.repeat(64) + '"}\nARG X="alpine:3.20"\nARG Y=\'python:3.12\'\nFROM $REF\nFROM ${X}\nFROM $Y\n';
    const { refs, problems } = extract(text);
    expect(problems).toEqual([]);
    expect(refs.map((r) => [r.name, r.value, r.digest])).toEqual([
      ['gcr.io/x/app', '1.0', `sha256:${'a'.repeat(64)}`],
      ['alpine', '3.20', null],
      ['python', '3.12', null],
    ]);
    let out = text;
    for (const ref of [...refs].reverse()) out = dockerfileManager.replace(out, ref, { digest });
    expect(out.split('\n').slice(0, 3)).toEqual([`ARG REF=\${REF:-"gcr.io/x/app:1.0@${digest}"}`, `ARG X="alpine:3.20@${digest}"`, `ARG Y='python:3.12@${digest}'`]);
    expect(extract(out).refs.map((r) => r.digest)).toEqual([digest, digest, digest]);
  });

  test('negative control: an unclosed quote in a default is still reported, not pinned', () => {
    const { refs } = extract('ARG X="alpine:3.20\nFROM $X\n');
    expect(refs).toEqual([expect.objectContaining({ line: 2, skipped: 'ARG X: ""alpine:3.20": a double quote is never closed, so BuildKit rejects it' })]);
  });

  test('expansion and pin spots never throw and stay inside the word, whatever the text', () => {
    const piece = fc.constantFrom('$', '{', '}', ':-', '-', ':+', '?', '"', "'", '\\', '`', 'X', 'alpine', ':3', '@', ' ', '%');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.constantFrom('\\', '`'), (parts, escape) => {
        const written = parts.join('');
        const expanded = expand(written, scope({ X: 'x', E: '' }), escape);
        expect('value' in expanded || typeof expanded.unresolved === 'string').toBe(true);
        const spot = pinSpot(written, scope({ X: 'x' }), escape);
        if (spot && 'from' in spot) expect(0 <= spot.from && spot.from <= spot.to && spot.to <= written.length).toBe(true);
        void extract(`ARG A=${written}\nFROM $A\nFROM ${written}\n`);
      }),
      { numRuns: 2000 },
    );
  });
});
