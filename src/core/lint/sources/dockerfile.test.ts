import { lineAt } from '../../reference.js';
import { lines } from '../lint-test-kit.js';
import { dockerfileView, envPairs } from './dockerfile.js';

function runCommands(text: string): string[][] {
  return dockerfileView({ path: 'Dockerfile', text }).stages.flatMap((stage) =>
    stage.runs.map(({ script }) => script.steps.map(({ command, at }) => `${lineAt(text, at)}: ${command.words.map((w) => w.value).join(' ')}`)),
  );
}

describe('Dockerfile RUN commands as the rules see them', () => {
  test('exec form, sh -c strings (nested), heredocs and continuations, each at its line', () => {
    const text = lines(
      'FROM alpine:3.20',
      'RUN ["npm", "install", "--omit=dev"]',
      'RUN ["/bin/sh", "-c", "apk add curl && echo \\"done\\""]',
      'RUN sudo sh -c "bash -c \'go build ./...\'"',
      'RUN <<EOF',
      'set -e',
      'npm ci',
      'EOF',
      'RUN set -e; \\',
      '    echo a \\',
      '    && echo b',
    );
    expect(runCommands(text)).toEqual([
      ['2: npm install --omit=dev'],
      ['3: /bin/sh -c apk add curl && echo "done"', '3: apk add curl', '3: echo done'],
      ["4: sh -c bash -c 'go build ./...'", "4: bash -c go build ./...", '4: go build ./...'],
      ['5: ', '6: set -e', '7: npm ci'],
      ['9: set -e', '10: echo a', '11: echo b'],
    ]);
  });

  test('ENV, stage ARGs and ENV inherited from the stage built on are in a RUN environment', () => {
    const text = lines('ARG GLOBAL=g', 'FROM golang:1.23 AS base', 'ENV GOFLAGS=-trimpath A="x y"', 'ARG GLOBAL', 'ARG LOCAL=l', 'FROM base', 'ENV B b c', 'RUN true');
    const view = dockerfileView({ path: 'Dockerfile', text });
    expect(view.stages.map((s) => s.parent)).toEqual([null, 0]);
    expect(Object.fromEntries(view.stages[1]!.runs[0]!.script.steps[0]!.env)).toEqual({ GOFLAGS: '-trimpath', A: 'x y', B: 'b c' });
  });

  test('envPairs reads both ENV forms', () => {
    expect(envPairs('A=1 B="two words" C=\'x\'')).toEqual([['A', '1'], ['B', 'two words'], ['C', 'x']]);
    expect(envPairs('PATH /usr/local/bin:$PATH')).toEqual([['PATH', '/usr/local/bin:$PATH']]);
  });
});
