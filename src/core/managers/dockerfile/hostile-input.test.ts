import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { mutationsOf } from '../../../../test/support/mutations.js';
import { lintSources } from '../../lint/index.js';
import { defaultConfig } from '../../config.js';
import { lineAt } from '../../reference.js';
import { dockerfileManager } from './index.js';
import { parseDockerfile } from './instructions.js';
import { dockerfileStages } from './stages.js';

// Big and hostile Dockerfiles: correct results on inputs that were quadratic (speed is shown by
// `npm run bench:hostile`, never timed here), and mutation fuzzing of real-shaped files.
const fixture = (name: string) => readFileSync(new URL(`../../../../fixtures/dockerfile/${name}`, import.meta.url), 'utf8');
const extract = (text: string) => dockerfileManager.extract({ path: 'Dockerfile', text }, defaultConfig);

describe('a 512 KiB Dockerfile of RUN lines, the largest read', () => {
  const runs = 30_000;
  const text = `FROM alpine:3.20\n${'RUN apk add curl\n'.repeat(runs)}`;

  test('every RUN is read, at its own line, and every unpinned apk add is found once', () => {
    const stages = dockerfileStages(text);
    expect(stages).toHaveLength(1);
    expect(stages[0]!.runs).toHaveLength(runs);
    expect(stages[0]!.runs[runs - 1]!.line).toBe(runs + 1);
    expect(stages[0]!.runs.every((run, i) => run.line === i + 2)).toBe(true);
    const findings = lintSources([{ path: 'Dockerfile', text }], defaultConfig).filter((f) => f.rule === 'apk-not-pinned');
    expect(findings).toHaveLength(runs);
    expect(findings[runs - 1]!.line).toBe(runs + 1);
  });

  test('line numbers agree with counting newlines, for offsets in any order', () => {
    const count = (offset: number) => text.slice(0, offset).split('\n').length;
    for (const offset of [text.length, 0, 17, 18, 1000, text.length - 1, 500_000]) expect(lineAt(text, offset)).toBe(count(offset));
  });

  test('a larger one is reported at once, naming its size, and nothing of it is read', () => {
    const big = `FROM alpine:3.20\n${'RUN apk add curl\n'.repeat(65_536)}`;
    expect(extract(big)).toEqual({ refs: [], problems: [{ file: 'Dockerfile', line: 1, dependency: null, message: expect.stringMatching(/^the Dockerfile is 1088 Ki characters, over the 512 Ki repro-pins reads/) }] });
    expect(dockerfileStages(big)).toEqual([]);
    expect(lintSources([{ path: 'Dockerfile', text: big }], defaultConfig)).toEqual([]);
  });
});

describe('long lines that made regexes backtrack', () => {
  test('a continuation line of 100k spaces ends where it should', () => {
    const text = `FROM alpine:3.20\nRUN echo a${' '.repeat(100_000)}b \\\n    && echo c\n`;
    const [, run] = parseDockerfile(text).instructions;
    expect(run!.args.map((t) => t.text)).toEqual(['echo', 'a', 'b', '&&', 'echo', 'c']);
  });

  test('a directive with 100k spaces before more text is not a directive value with trailing spaces', () => {
    const text = `# syntax=docker/dockerfile:1${' '.repeat(100_000)}\nFROM alpine:3.20\n`;
    expect(parseDockerfile(text).directives).toEqual([{ key: 'syntax', value: 'docker/dockerfile:1', start: 9 }]);
  });

  test('COPY with 100k operands keeps its flags and its destination', () => {
    const text = `FROM alpine:3.20\nADD --checksum=sha256:${'a'.repeat(64)} ${'./f '.repeat(100_000)}/dst\n`;
    const findings = lintSources([{ path: 'Dockerfile', text }], defaultConfig).filter((f) => f.rule === 'add-url-no-checksum');
    expect(findings).toEqual([]);
  });
});

describe('Dockerfile mutation fuzzing', () => {
  const seeds = ['go-multistage.Dockerfile', 'python-heredoc.Dockerfile', 'unresolvable.Dockerfile', 'windows-crlf.Dockerfile'].map(fixture);
  const fragments = ['FROM ', 'RUN ', 'ARG ', 'COPY --from=', '${', '}', ':-', '\\\n', '`', '<<EOF\n', '\nEOF\n', ' AS ', '@sha256:', '# escape=`\n', '["sh", "-c", "', '"]', '\r\n', '\uFEFF', '| sh', 'apk add ', 'apt-get install -y '];

  test('extraction and the rules give references and problems as values, never an exception', () => {
    fc.assert(
      fc.property(mutationsOf(seeds, fragments), (text) => {
        const { refs, problems } = extract(text);
        const lines = text.split('\n').length;
        for (const item of [...refs, ...problems]) {
          expect(item.file).toBe('Dockerfile');
          expect(item.line).toBeGreaterThanOrEqual(1);
          expect(item.line).toBeLessThanOrEqual(lines);
        }
        for (const problem of problems) expect(problem.message).toMatch(/\S/);
        for (const finding of lintSources([{ path: 'Dockerfile', text }], defaultConfig)) expect(finding.line).toBeLessThanOrEqual(lines);
      }),
      { numRuns: 400 },
    );
  });
});
