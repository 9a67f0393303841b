import fc from 'fast-check';
import { mutationsOf } from '../../test/support/mutations.js';
import { MAX_CONFIG_BYTES, parseRepoConfig } from './config.js';

// A repository's config is hostile input to the App: bounded work, errors as values.
const aliasBomb = (levels: number) => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < levels; i++) {
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  }
  return `${lines.join('\n')}\nignorePaths: *${String.fromCharCode(96 + levels)}\n`;
};

describe('hostile repository configs', () => {
  test('a YAML alias bomb is a config error with a sentence, not an exception', () => {
    const result = parseRepoConfig(aliasBomb(9));
    expect(result).toEqual({ errors: [expect.objectContaining({ file: '.github/repro-pins.yml', line: 1, message: expect.stringMatching(/aliases that expand too far/) })] });
  });

  test('a few aliases are fine', () => {
    const result = parseRepoConfig('base: &paths ["a/**"]\nignorePaths: *paths\n');
    expect(result).toEqual({ errors: [expect.objectContaining({ message: 'unknown key "base"' })] });
  });

  test('a config over 256 KiB is refused before it is parsed', () => {
    const text = `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`;
    expect(parseRepoConfig(text)).toEqual({ errors: [expect.objectContaining({ line: 1, message: expect.stringMatching(/at most 262144/) })] });
  });

  test('mutation fuzzing: a mutated config is a config or errors naming a line, never an exception', () => {
    const seeds = [
      'schedule: "0 6 * * 1"\ntimezone: UTC\nmanagers: [dockerfile, pip]\nignorePaths: ["test/**"]\nupdates: minor\n',
      'verify:\n  - dockerfile: Dockerfile\n    context: .\n    platforms: [linux/amd64]\nregistries:\n  registry.internal:5000: { insecure: true }\nrules: { apt-no-snapshot: off }\n',
      'python: { version: "3.12" }\nalpine: { mirror: "https://dl-cdn.alpinelinux.org/alpine", arch: x86_64 }\ndebian: { suite: bookworm }\n',
      aliasBomb(3),
    ];
    const fragments = ['&a ', '*a', '<<: *a', '!!binary ', '!!js/function ', '? ', '- ', ': ', '{', '}', '[', ']', '"', "'", '\t', '  ', '\n', '%YAML 1.1\n', '---\n', '...\n', '#'];
    fc.assert(
      fc.property(mutationsOf(seeds, fragments), (text) => {
        const result = parseRepoConfig(text);
        if ('errors' in result) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const error of result.errors) {
            expect(error.line).toBeGreaterThanOrEqual(1);
            expect(error.message).toMatch(/\S/);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
