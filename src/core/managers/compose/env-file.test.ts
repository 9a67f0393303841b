import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { mutationOf } from '../../../../test/support/mutations.js';
import { readEnvFile, type EnvFile } from './env-file.js';

const envFixture = readFileSync(new URL('../../../../fixtures/compose/env/.env', import.meta.url), 'utf8');
const values = (file: EnvFile) => Object.fromEntries([...file.entries.values()].map((e) => [e.name, e.value]));

describe('.env reader', () => {
  it('reads values as compose does: quotes, export, comments after a blank or after the quote', () => {
    // The examples of https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/#env-file-syntax
    const text = [
      '# a comment line',
      '',
      'VAR=VAL',
      'QUOTED="VAL"',
      "SINGLE='VAL'",
      'COMMENT=VAL # comment',
      'NOT_COMMENT=VAL# not a comment',
      'QUOTED_HASH="VAL # not a comment"',
      'QUOTED_COMMENT="VAL" # comment',
      "LITERAL='$OTHER'",
      "ESCAPED_SINGLE='Let\\'s go!'",
      'ESCAPED_DOUBLE="{\\"hello\\": \\"json\\"}"',
      'export EXPORTED=yes',
      '  SPACED = around  ',
      'EMPTY=',
      'VAR=later wins',
    ].join('\n');
    const file = readEnvFile(text);
    expect(file.problems).toEqual([]);
    expect(values(file)).toEqual({
      VAR: 'later wins',
      QUOTED: 'VAL',
      SINGLE: 'VAL',
      COMMENT: 'VAL',
      NOT_COMMENT: 'VAL# not a comment',
      QUOTED_HASH: 'VAL # not a comment',
      QUOTED_COMMENT: 'VAL',
      LITERAL: '$OTHER',
      ESCAPED_SINGLE: "Let's go!",
      ESCAPED_DOUBLE: '{"hello": "json"}',
      EXPORTED: 'yes',
      SPACED: 'around',
      EMPTY: '',
    });
    // Escapes make the bytes differ from the value: nowhere to splice a pin.
    expect(file.entries.get('ESCAPED_DOUBLE')?.site).toBeNull();
    expect(file.entries.get('VAR')).toMatchObject({ line: 16 });
  });

  it('records where each value is, inside its quotes, across CRLF, a BOM and a value over two lines', () => {
    const text = '\uFEFFA="nginx:1.27"\r\nB="two\r\nlines" # note\r\nC=redis:7 # cache\r\n';
    const file = readEnvFile(text);
    expect(file.problems).toEqual([]);
    const a = file.entries.get('A')!;
    const c = file.entries.get('C')!;
    expect(text.slice(a.site!.start, a.site!.end)).toBe('nginx:1.27');
    expect([a.line, file.entries.get('B')!.line, c.line]).toEqual([1, 2, 4]);
    expect(text.slice(c.site!.start, c.site!.end)).toBe('redis:7');
    expect(file.entries.get('B')!.value).toBe('two\r\nlines');
  });

  it('marks an interpolated value as unknown, and a single-quoted one as literal', () => {
    const file = readEnvFile('A=${REGISTRY}/x:1\nB="$HOST/y"\nC=\'${Z}\'\n');
    expect(file.entries.get('A')).toMatchObject({ value: null, unknown: expect.stringContaining('line 1') });
    expect(file.entries.get('B')).toMatchObject({ value: null, unknown: expect.stringContaining('line 2') });
    expect(file.entries.get('C')).toMatchObject({ value: '${Z}', unknown: null });
  });

  it('interpolates defaults and earlier lines as compose does, with no place left to write a pin', () => {
    const file = readEnvFile('NAME="${NAME:-backend}"\nREG=ghcr.io\nIMAGE=${REG}/${NAME}:${TAG-1.0}\nCOST=$$5\nALT=${REG:+mirror.example}\n');
    expect(file.entries.get('NAME')).toMatchObject({ value: 'backend', site: null, unwritable: expect.stringContaining('line 1') });
    expect(file.entries.get('IMAGE')).toMatchObject({ value: 'ghcr.io/backend:1.0', site: null });
    expect(file.entries.get('COST')).toMatchObject({ value: '$5' });
    expect(file.entries.get('ALT')).toMatchObject({ value: 'mirror.example' });
  });

  it('reads a bare KEY as taken from the environment, so unknown', () => {
    expect(readEnvFile('IMAGE\n').entries.get('IMAGE')).toMatchObject({ line: 1, value: null, unknown: expect.stringContaining('from the environment') });
  });

  it('skips lines compose would reject, each with its line and reason, and reads on', () => {
    const file = readEnvFile('just words\n1X=a\nA="open\nB=\'x\' trailing\n=nothing\nOK=yes\n');
    expect(file.problems).toEqual([
      { line: 1, message: 'skipped: not a KEY=VALUE assignment' },
      { line: 2, message: 'skipped: "1X" is not a variable name (letters, digits and _, not starting with a digit)' },
      { line: 3, message: 'skipped: A: the double quote opened here is never closed' },
      { line: 4, message: 'skipped: B: text after the closing quote' },
      { line: 5, message: 'skipped: "" is not a variable name (letters, digits and _, not starting with a digit)' },
    ]);
    expect(values(file)).toEqual({ OK: 'yes' });
  });
});

describe('.env reader under mutation', () => {
  const seeds = [Buffer.from(envFixture), Buffer.from('export A="x:1" # c\r\nB=\'y\'\nC=z # d\nD="multi\nline"\n')];
  const lineCount = (text: string) => text.split('\n').length;

  it('returns only its own skipped-line values, with lines inside the file, and spans that hold the value', () => {
    fc.assert(
      fc.property(mutationOf(seeds, 4096), (bytes) => {
        const text = bytes.toString('utf8');
        const file = readEnvFile(text);
        for (const problem of file.problems) {
          expect(Object.keys(problem).sort()).toEqual(['line', 'message']);
          expect(problem.message).toMatch(/^skipped: /);
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.line).toBeLessThanOrEqual(lineCount(text));
        }
        for (const entry of file.entries.values()) {
          expect(entry.line).toBeLessThanOrEqual(lineCount(text));
          if (entry.site) {
            expect(text.slice(entry.site.start, entry.site.end)).toBe(entry.site.raw);
            expect(entry.site.raw).toBe(entry.value);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a pin spliced into one value changes that value and no other', () => {
    const digest = `sha256:${createHash('sha256').update('env fuzz pin').digest('hex')}`;
    fc.assert(
      fc.property(mutationOf(seeds, 4096), fc.nat(), (bytes, pick) => {
        const text = bytes.toString('utf8');
        const before = readEnvFile(text);
        const pinnable = [...before.entries.values()].filter((e) => e.site);
        if (pinnable.length === 0) return;
        const entry = pinnable[pick % pinnable.length]!;
        const pinned = `${entry.site!.raw}@${digest}`;
        const after = readEnvFile(text.slice(0, entry.site!.start) + pinned + text.slice(entry.site!.end));
        expect(values(after)).toEqual({ ...values(before), [entry.name]: pinned });
      }),
      { numRuns: 1000 },
    );
  });
});
