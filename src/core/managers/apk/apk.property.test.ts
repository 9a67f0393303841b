import fc from 'fast-check';
import { defaultConfig } from '../../config.js';
import { isSortedList } from '../../shell/package-list.js';
import { apkAddLists } from './extract.js';
import { apkManager } from './index.js';

const extract = (text: string) => apkManager.extract({ path: 'Dockerfile', text }, defaultConfig);

/** The file's text between package words, in order: what a rewrite must leave alone. */
function gaps(text: string): string[] {
  const spans = apkAddLists(text).flatMap(({ add }) => add.packages.map((p) => p.word.span!)).sort((a, b) => a.start - b.start);
  let cursor = 0;
  const pieces = spans.map((span) => {
    const piece = text.slice(cursor, span.start);
    cursor = span.end;
    return piece;
  });
  return [...pieces, text.slice(cursor)];
}

const name = fc.constantFrom('curl', 'openssl', 'ca-certificates', 'jq', 'bash', 'git', 'musl-dev', 'gcc', 'zlib-dev', 'py3-pip');
const version = fc.constantFrom('1.0-r0', '8.12.1-r0', '3.3.3-r0', '2.45.3-r1');
const packageWord = fc.tuple(name, fc.option(fc.tuple(fc.constantFrom('=', '~', '>='), version), { nil: undefined }), fc.boolean()).map(([n, v, quote]) => {
  const word = v ? `${n}${v[0]}${v[1]}` : n;
  return quote || (v && v[0] !== '=') ? `"${word}"` : word;
});
const flag = fc.constantFrom('--no-cache', '-U', '--update', '--virtual .build-deps', '-t .tmp', '--no-progress');
const separator = fc.constantFrom(' ', '  ', ' \\\n    ', '\t', ' \\\n  # a comment\n    ');
const apkAdd = fc.tuple(fc.array(fc.oneof(packageWord, packageWord, flag), { minLength: 1, maxLength: 6 }), fc.array(separator, { minLength: 6, maxLength: 6 })).map(([words, seps]) => `apk add ${words.map((w, i) => w + (i < words.length - 1 ? seps[i] : '')).join('')}`);
const runLine = fc.oneof(
  fc.tuple(fc.constantFrom('RUN', 'run', 'Run'), apkAdd, fc.constantFrom('', ' && rm -rf /var/cache/apk/*', '; echo done')).map(([k, a, tail]) => `${k} ${a}${tail}`),
  fc.tuple(apkAdd, apkAdd).map(([a, b]) => `RUN ${a} && \\\n    ${b}`),
  apkAdd.map((a) => `RUN <<EOF\n${a}\nEOF`),
  fc.constantFrom('RUN ["apk", "add", "curl"]', 'COPY . /src', 'RUN apk del .build-deps', 'RUN echo "apk add curl"'),
);
const dockerfile = fc.tuple(fc.constantFrom('FROM alpine:3.20', 'FROM python:3.12-alpine3.20 AS build', 'from alpine:edge'), fc.array(runLine, { minLength: 1, maxLength: 5 }), fc.constantFrom('\n', '\r\n')).map(([from, lines, eol]) => [from, ...lines, ''].join('\n').replace(/\r?\n/g, eol));

describe('apk manager properties', () => {
  test('extract never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => void extract(`FROM alpine:3.20\nRUN ${text}`)), { numRuns: 1000 });
    const pieces = fc.constantFrom('FROM alpine:3.20\n', 'RUN ', 'apk ', 'add ', '-t', '--virtual', '-X', '--', 'curl', '=', '~', '"', "'", '\\\n', '\n', '&&', '<<EOF\n', 'EOF\n', '$X', '@edge', '!', 'cmd:', '[');
    fc.assert(fc.property(fc.array(pieces, { maxLength: 60 }), (parts) => void extract(parts.join(''))), { numRuns: 1000 });
  });

  test('extract → replaceAll changes nothing outside the package lists, and every pinned list ends up sorted', () => {
    fc.assert(
      fc.property(dockerfile, fc.array(version, { minLength: 40, maxLength: 40 }), (text, versions) => {
        const refs = extract(text).refs.filter((r) => r.site);
        const edits = refs.map((ref, i) => ({ ref, pin: { version: versions[i % versions.length]! } }));
        const out = apkManager.replaceAll!(text, edits);
        expect(gaps(out)).toEqual(gaps(text));
        const before = apkAddLists(text);
        const after = apkAddLists(out);
        expect(after.map((l) => l.add.packages.length)).toEqual(before.map((l) => l.add.packages.length));
        after.forEach(({ add }, list) => {
          const pinned = edits.some((e) => e.ref.context?.list === String(list));
          expect(add.packages.map((p) => p.name).sort()).toEqual(before[list]!.add.packages.map((p) => p.name).sort());
          if (pinned) expect(isSortedList(add.packages)).toBe(true);
          else expect(add.packages.map((p) => p.word.raw)).toEqual(before[list]!.add.packages.map((p) => p.word.raw));
        });
        // Every pin is there to be found again.
        const again = extract(out).refs;
        for (const { ref, pin } of edits) expect(again.some((r) => r.name === ref.name && r.value === pin.version)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
