import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { mutationsOf } from '../../../../test/support/mutations.js';
import { defaultConfig } from '../../config.js';
import { extractReferences, selectFiles } from '../../plan.js';
import { managers } from '../index.js';
import { pipManager } from './index.js';
import { parseRequirementsFile } from './requirements-file.js';

// Big and hostile requirements files: correct results on inputs that were quadratic or overflowed
// the stack (speed is shown by `npm run bench:hostile`, never timed here).
const fixture = (name: string) => readFileSync(new URL(`../../../../fixtures/pip/${name}`, import.meta.url), 'utf8');

describe('big requirements files', () => {
  test('a name followed by 100k spaces is one requirement, with no comment', () => {
    const { entries } = parseRequirementsFile(`flask${' '.repeat(100_000)}\n`);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'requirement', requirement: { name: 'flask', specifier: '' }, logical: { comment: null } });
  });

  test('the comment after 100k spaces starts at the first of them, as pip cuts it', () => {
    const text = `flask==3.0${' '.repeat(100_000)}# web`;
    const [entry] = parseRequirementsFile(text).entries;
    expect(entry!.logical.comment).toEqual({ start: 'flask==3.0'.length, end: text.length });
  });

  test('a line of 100k backslashes and spaces is read without backtracking into an error', () => {
    const text = `flask${' \\'.repeat(50_000)}x\n`;
    for (const entry of parseRequirementsFile(text).entries) expect(['requirement', 'unindexed', 'invalid']).toContain(entry.kind);
  });

  test('200k requirement lines give 200k references, in order (no stack overflow)', () => {
    const count = 200_000;
    const text = Array.from({ length: count }, (_, i) => `pkg${i}==1.${i}`).join('\n');
    const files = [{ path: 'requirements.txt', text }];
    const { refs, problems } = extractReferences(files, selectFiles(['requirements.txt'], managers, defaultConfig), defaultConfig);
    expect(problems).toEqual([]);
    expect(refs).toHaveLength(count);
    expect(refs[count - 1]).toMatchObject({ name: `pkg${count - 1}`, value: `1.${count - 1}`, line: count, pinned: false });
  });
});

describe('requirements mutation fuzzing', () => {
  const seeds = [fixture('requirements-mixed.txt'), fixture('constraints.txt')];
  const fragments = ['==', '>=', '~=', ',', ';', ' ; python_version < "3.9"', '[', ']', ' @ ', '-r ', '-c ', '--hash=sha256:', '--index-url ', '\\\n', '#', ' # x', '-e ', './', '"', "'", '\r\n', '\uFEFF', ' '.repeat(64), '\\'.repeat(16)];

  test('entries and problems are values naming their line, never an exception', () => {
    fc.assert(
      fc.property(mutationsOf(seeds, fragments), (text) => {
        const lines = text.split('\n').length;
        for (const entry of parseRequirementsFile(text).entries) {
          expect(entry.logical.line).toBeGreaterThanOrEqual(1);
          expect(entry.logical.line).toBeLessThanOrEqual(lines);
          if (entry.kind === 'invalid') expect(entry.message).toMatch(/\S/);
        }
        const { refs, problems } = pipManager.extract({ path: 'requirements.txt', text }, defaultConfig);
        for (const item of [...refs, ...problems]) expect(item.line).toBeLessThanOrEqual(lines);
      }),
      { numRuns: 500 },
    );
  });
});
