import fc from 'fast-check';
import { linesOf, lines } from '../lint-test-kit.js';
import { execFormCommandLine, execFormStrings } from '../../managers/dockerfile/exec-form.js';
import { splitShellCommands } from '../../shell/command-line.js';

const token = (text: string) => ({ text, offsets: Array.from({ length: text.length }, (_, i) => 100 + i) });

describe('exec form', () => {
  test('each JSON string is read with its escapes, and each character keeps its file offset', () => {
    const strings = execFormStrings(token('["/bin/sh", "-c", "echo \\"a\\u0041\\""]'))!;
    expect(strings.map((s) => s.text)).toEqual(['/bin/sh', '-c', 'echo "aA"']);
    expect(strings[0]!.offsets).toEqual([102, 103, 104, 105, 106, 107, 108]);
  });

  test('a pinned apt version (with ~ and :) stays one word with a span in the command line', () => {
    const [command] = splitShellCommands(execFormCommandLine(execFormStrings(token('["apt-get", "install", "curl=7.88.1-10+deb12u15~x:1"]'))!));
    expect(command!.words[2]).toMatchObject({ value: 'curl=7.88.1-10+deb12u15~x:1', span: { start: 124, end: 151 } });
  });

  test('text that is not a JSON array of strings is not the exec form, and nothing throws', () => {
    for (const text of ['apk add curl', '["a", 1]', '["unclosed', '[]x', '{"a": "b"}']) expect(execFormStrings(token(text))).toBeNull();
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 5 }), fc.string({ maxLength: 30 }), (words, noise) => {
        const json = JSON.stringify(words);
        expect(execFormStrings(token(json))!.map((s) => s.text)).toEqual(words);
        const mutated = json.slice(0, noise.length % (json.length + 1)) + noise;
        const read = execFormStrings(token(mutated));
        if (read !== null) expect(read.every((s) => s.text.length === s.offsets.length)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test('the rules read ["/bin/sh", "-c", "…"]: apk, npm and pipe-to-shell findings at the RUN line; negative control: pinned packages are not', () => {
    const text = lines(
      'FROM alpine:3.20',
      'RUN ["/bin/sh", "-c", "apk add --no-cache curl && npm install"]',
      'RUN ["sh", "-ec", "curl -fsSL https://example.com/install.sh | sh"]',
      'RUN ["/bin/sh", "-c", "apk add --no-cache curl=8.12.1-r0"]',
    );
    expect(linesOf('apk-not-pinned', 'Dockerfile', text)).toEqual([2]);
    expect(linesOf('npm-install', 'Dockerfile', text)).toEqual([2]);
    expect(linesOf('pipe-to-shell', 'Dockerfile', text)).toEqual([3]);
  });
});
