import fc from 'fast-check';
import { defaultConfig } from '../../config.js';
import { isSortedList } from '../../shell/package-list.js';
import { aptInstallLists } from './extract.js';
import { aptManager } from './index.js';

const extract = (text: string) => aptManager.extract({ path: 'Dockerfile', text }, defaultConfig);
const wordsOf = (text: string) => aptInstallLists(text).map(({ install }) => install.packages);

const name = fc.constantFrom('curl', 'ca-certificates', 'libc6', 'git', 'jq', 'openssl', 'python3', 'g++', 'libssl3');
const version = fc.constantFrom('1:2.39.5-0+deb12u3', '7.88.1-10+deb12u15', '20250419~deb12u2', '8.5.0-2ubuntu10.16');
const packageWord = fc.tuple(name, fc.constantFrom('', ':i386', ':amd64', ':any'), fc.option(version, { nil: undefined }), fc.constantFrom('', '"', "'")).map(([n, arch, v, q]) => `${q}${n}${arch}${v ? `=${v}` : ''}${q}`);
const flag = fc.constantFrom('-y', '-qq', '--no-install-recommends', '-o Dpkg::Options::=--force-confnew', '--yes', '-oAPT::Install-Suggests=0');
const separator = fc.constantFrom(' ', ' \\\n        ', '  ', '\t');
const install = fc.tuple(fc.constantFrom('apt-get', 'apt', 'DEBIAN_FRONTEND=noninteractive apt-get', 'sudo apt-get'), fc.array(fc.oneof(packageWord, packageWord, flag), { minLength: 1, maxLength: 6 }), fc.array(separator, { minLength: 6, maxLength: 6 })).map(([program, words, seps]) => `${program} install ${words.map((w, i) => w + (i < words.length - 1 ? seps[i] : '')).join('')}`);
const runLine = fc.oneof(
  fc.tuple(fc.constantFrom('RUN', 'run'), install).map(([k, i]) => `${k} apt-get update && ${i} && rm -rf /var/lib/apt/lists/*`),
  fc.tuple(install, install).map(([a, b]) => `RUN set -eux; \\\n    ${a}; \\\n    ${b}`),
  install.map((i) => `RUN <<EOF\napt-get update\n${i}\nEOF`),
  fc.constantFrom('RUN ["apt-get", "install", "-y", "curl"]', 'ENV DEBIAN_FRONTEND=noninteractive', 'RUN apt-get remove -y curl'),
);
const dockerfile = fc.tuple(fc.constantFrom('FROM debian:bookworm-slim', 'FROM ubuntu:24.04 AS build', 'FROM python:3.12-slim-bookworm'), fc.array(runLine, { minLength: 1, maxLength: 5 }), fc.constantFrom('\n', '\r\n')).map(([from, lines, eol]) => [from, ...lines, ''].join('\n').replace(/\r?\n/g, eol));

/** Everything between package words, in file order. */
function gaps(text: string): string[] {
  const spans = wordsOf(text).flat().map((p) => p.word.span!).sort((a, b) => a.start - b.start);
  const pieces: string[] = [];
  let cursor = 0;
  for (const span of spans) {
    pieces.push(text.slice(cursor, span.start));
    cursor = span.end;
  }
  return [...pieces, text.slice(cursor)];
}

describe('apt manager properties', () => {
  test('extract never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => void extract(`FROM debian:12\nRUN ${text}`)), { numRuns: 1000 });
    const pieces = fc.constantFrom('FROM debian:12\n', 'FROM ubuntu\n', 'RUN ', 'apt-get ', 'apt ', 'install ', '-o', '-t', '--', 'curl', ':i386', '=', '/', '"', '\\\n', '\n', ';', '&&', '<<EOF\n', 'EOF\n', '$P', '*', '-');
    fc.assert(fc.property(fc.array(pieces, { maxLength: 60 }), (parts) => void extract(parts.join(''))), { numRuns: 1000 });
  });

  test('extract → replaceAll changes nothing outside the package lists, and every pinned list ends up sorted', () => {
    fc.assert(
      fc.property(dockerfile, fc.array(version, { minLength: 40, maxLength: 40 }), (text, versions) => {
        const edits = extract(text).refs.filter((r) => r.site).map((ref, i) => ({ ref, pin: { version: versions[i]! } }));
        const out = aptManager.replaceAll!(text, edits);
        expect(gaps(out)).toEqual(gaps(text));
        const before = wordsOf(text);
        const after = wordsOf(out);
        expect(after.map((l) => l.map((p) => p.key).sort())).toEqual(before.map((l) => l.map((p) => p.key).sort()));
        after.forEach((packages, list) => {
          if (edits.some((e) => e.ref.context?.list === String(list))) expect(isSortedList(packages)).toBe(true);
          else expect(packages.map((p) => p.word.raw)).toEqual(before[list]!.map((p) => p.word.raw));
        });
        const again = extract(out).refs;
        for (const { ref, pin } of edits) expect(again.some((r) => r.name === ref.name && r.value === pin.version)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
