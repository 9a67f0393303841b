import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { dockerfileManager } from './index.js';

const digestOf = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const extract = (text: string) => dockerfileManager.extract({ path: 'Dockerfile', text }, undefined as never);

const name = fc.constantFrom('alpine', 'python', 'ghcr.io/acme/api', 'localhost:5000/team/tool', 'gcr.io/distroless/static');
const tag = fc.constantFrom('3.20', '1.22-bookworm', 'latest', 'v1.2.3');
const image = fc.tuple(name, fc.option(tag, { nil: undefined })).map(([n, t]) => (t ? `${n}:${t}` : n));
const keyword = (word: string) => fc.constantFrom(word, word.toLowerCase(), word[0] + word.slice(1).toLowerCase());
const space = fc.constantFrom(' ', '  ', '\t');
const line = fc.oneof(
  fc.tuple(keyword('FROM'), space, image, fc.constantFrom('', ' AS build', ' as final')).map(([k, s, i, a]) => `${k}${s}${i}${a}`),
  fc.tuple(keyword('COPY'), image).map(([k, i]) => `${k} --from=${i} /src /dst`),
  fc.tuple(keyword('RUN'), image).map(([k, i]) => `${k} --mount=type=bind,from=${i},target=/x \\\n    make build`),
  fc.constantFrom('RUN apk add --no-cache curl', '# a comment FROM alpine:3', 'WORKDIR /app', '', 'RUN <<EOF\nFROM not-an-image\nEOF', 'ARG X=1'),
);
const dockerfile = fc.tuple(fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n')).map(([lines, eol]) => lines.join('\n').replace(/\n/g, eol) + eol);

describe('dockerfile manager properties', () => {
  test('extract never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => void extract(text)), { numRuns: 2000 });
    fc.assert(fc.property(fc.array(fc.constantFrom('FROM ', 'ARG ', '${', '}', ':-', '\\', '\n', '`', '<<EOF', 'EOF', '--from=', ' AS ', 'a', '@', ':'), { maxLength: 60 }), (parts) => void extract(parts.join(''))), { numRuns: 2000 });
  });

  test('pinning changes only the bytes inside reference sites, and re-extraction sees the pins', () => {
    fc.assert(
      fc.property(dockerfile, (text) => {
        const { refs } = extract(text);
        const sites = [...new Map(refs.filter((r) => r.site).map((r) => [r.site!.span.start, r])).values()].sort((a, b) => b.site!.span.start - a.site!.span.start);
        let pinned = text;
        for (const ref of sites) pinned = dockerfileManager.replace(pinned, ref, { digest: digestOf(ref.name) });
        // Outside the sites, the pinned text is the original text, piece by piece.
        let cursor = 0;
        let rebuilt = '';
        let pinnedCursor = 0;
        for (const ref of [...sites].reverse()) {
          const keep = text.slice(cursor, ref.site!.span.start);
          expect(pinned.slice(pinnedCursor, pinnedCursor + keep.length)).toBe(keep);
          pinnedCursor += keep.length;
          const written = pinned.slice(pinnedCursor).match(/^[^\s,]*@sha256:[a-f0-9]{64}/)![0];
          pinnedCursor += written.length;
          rebuilt += keep + ref.site!.raw;
          cursor = ref.site!.span.end;
        }
        expect(pinned.slice(pinnedCursor)).toBe(text.slice(cursor));
        expect(rebuilt + text.slice(cursor)).toBe(text);
        const again = extract(pinned).refs;
        expect(again.map((r) => r.name)).toEqual(refs.map((r) => r.name));
        for (const ref of again) if (ref.site) expect(ref.digest).toBe(digestOf(ref.name));
      }),
      { numRuns: 500 },
    );
  });
});
