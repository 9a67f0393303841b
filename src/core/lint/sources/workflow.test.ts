import { readFileSync } from 'node:fs';
import { lines, linesOf } from '../lint-test-kit.js';
import { workflowScripts } from './workflow.js';
import { lineAt } from '../../reference.js';

/** Each command of each run: step as `line: words`, lines being the file's. */
function commands(text: string, kind: 'workflow' | 'action' = 'workflow'): string[][] {
  return workflowScripts({ path: '.github/workflows/x.yml', text }, kind).map((script) =>
    script.steps.map(({ command, at }) => `${lineAt(text, at)}: ${command.words.map((w) => w.value).join(' ')}`),
  );
}

describe('workflow run: steps', () => {
  test('literal and folded block scalars, and plain and quoted scalars, map back to the file lines', () => {
    const text = lines(
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: |-',
      '          echo one',
      '',
      '            echo indented \\',
      '              continued',
      '          echo two && echo three',
      '      - run: >',
      '          docker build',
      '          --pull .',
      '',
      '          echo after',
      '      - run: echo plain',
      "      - run: 'echo quoted'",
      '      - run: "echo \\"escaped\\""',
    );
    expect(commands(text)).toEqual([
      ['7: echo one', '9: echo indented continued', '11: echo two', '11: echo three'],
      ['13: docker build --pull .', '16: echo after'],
      ['17: echo plain'],
      ['18: echo quoted'],
      ['19: echo escaped'],
    ]);
  });

  test('steps a POSIX shell does not run are not read: shell: pwsh or python, Windows runners by default', () => {
    const text = lines(
      'on: push',
      'jobs:',
      '  win:',
      '    runs-on: windows-latest',
      '    steps:',
      '      - run: npm install',
      '      - run: echo bash',
      '        shell: bash',
      '  linux:',
      '    runs-on: ubuntu-24.04',
      '    defaults:',
      '      run:',
      '        shell: pwsh',
      '    steps:',
      '      - run: npm install',
      '      - run: echo custom',
      "        shell: 'bash -eo pipefail {0}'",
      '      - run: print(1)',
      '        shell: python',
    );
    expect(commands(text)).toEqual([['7: echo bash'], ['16: echo custom']]);
  });

  test('composite actions: runs.steps', () => {
    const text = lines('name: x', 'runs:', '  using: composite', '  steps:', '    - run: echo hi', '      shell: bash');
    expect(commands(text, 'action')).toEqual([['5: echo hi']]);
  });

  test('environment: workflow, job and step env:, and $GITHUB_ENV writes of earlier steps in the same job', () => {
    const text = lines(
      'on: push',
      'env: { A: workflow }',
      'jobs:',
      '  j:',
      '    runs-on: ubuntu-24.04',
      '    env: { B: job }',
      '    steps:',
      '      - run: |',
      '          echo "C=from-step" >> "$GITHUB_ENV"',
      '          cat >> $GITHUB_ENV <<EOF',
      '          D=heredoc',
      '          EOF',
      '      - run: env',
      '        env: { E: step }',
    );
    const [, last] = workflowScripts({ path: '.github/workflows/x.yml', text }, 'workflow');
    expect(Object.fromEntries(last!.steps[0]!.env)).toEqual({ A: 'workflow', B: 'job', C: 'from-step', D: 'heredoc', E: 'step' });
  });
  test('run: steps inside parallel groups, their sequential branches and nested groups are read at their lines', () => {
    const text = lines(
      'on: push',
      'jobs:',
      '  j:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: echo before',
      '      - parallel:',
      '          - run: echo one',
      '          - sequential:',
      '              - run: echo two',
      '              - parallel:',
      '                  - run: echo three',
      '          - run: echo background',
      '            background: true',
      '      - wait-all:',
      '      - run: echo after',
    );
    expect(commands(text)).toEqual([['6: echo before'], ['8: echo one'], ['10: echo two'], ['12: echo three'], ['13: echo background'], ['16: echo after']]);
  });

  test('$GITHUB_ENV in parallel groups: items start together, so each sees what came before the group; the steps after see every write', () => {
    const text = lines(
      'on: push',
      'jobs:',
      '  j:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - run: echo "A=before" >> "$GITHUB_ENV"',
      '      - parallel:',
      '          - run: echo "B=one" >> "$GITHUB_ENV"',
      '          - sequential:',
      '              - run: echo "C=two" >> "$GITHUB_ENV"',
      '              - run: env',
      '          - run: env',
      '      - run: env',
    );
    const envs = workflowScripts({ path: '.github/workflows/x.yml', text }, 'workflow').map((script) => Object.fromEntries(script.steps[0]!.env));
    expect(envs.slice(3)).toEqual([{ A: 'before', C: 'two' }, { A: 'before' }, { A: 'before', B: 'one', C: 'two' }]);
  });

  test('pipe-to-shell finds curl | sh in a step of a sequential branch of a parallel group', () => {
    const text = readFileSync(new URL('../../../../fixtures/github-actions/parallel-steps.yml', import.meta.url), 'utf8');
    expect(linesOf('pipe-to-shell', '.github/workflows/build.yml', text)).toEqual([24]);
  });
});
