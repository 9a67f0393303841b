import fc from 'fast-check';
import { defaultConfig } from '../../src/core/config.js';
import { FINDING_LEVELS, lintSources, RULE_IDS, type Finding } from '../../src/core/lint/index.js';

/**
 * The scanner never throws, on any text, for every kind of file it reads; and every finding it
 * gives points at a line of the file with a known rule and level.
 */
const KINDS = [
  'Dockerfile',
  'build.Dockerfile',
  '.github/workflows/ci.yml',
  'action.yml',
  'scripts/build.sh',
  'hack/run',
  'requirements.txt',
  'compose.yaml',
  '.ko.yaml',
] as const;

// Pieces of every grammar the rules read, so random texts reach deep into each reader.
const PIECES = [
  'FROM ', 'RUN ', 'run ', 'ADD ', 'COPY --from=', 'ENV ', 'ARG ', 'SHELL ["pwsh"]\n', ' AS ', 'alpine', 'debian:bookworm', '@sha256:', '${', '}', '$X', '\\\n', '`', '\n', '\r\n',
  '<<EOF\n', 'EOF\n', '<<-', '"', "'", '[', ']', '", "', '#!/bin/sh\n', '# repro-pins: ignore ', 'pipe-to-shell', ',', '|', '||', '&&', ';', '(', ')', '<(', '$(', ' ',
  'curl https://x.example/a.sh', 'wget -qO-', 'sh', 'bash -c ', 'sudo ', 'env A=1 ', 'python3 -m pip install ', 'pip install -r r.txt', '--require-hashes', 'npm i', 'npm install -g x@1.2.3',
  'go install x@latest', 'go build', ' -ldflags=', '-trimpath', 'apk add ', 'apt-get install -y ', 'a=1', 'snapshot.debian.org', 'docker buildx build', 'buildah bud', '--push', '--output type=image',
  'on: push\n', 'jobs:\n', '  j:\n', '    steps:\n', '      - run: |\n', '          ', '      - uses: a/b@v1\n', 'shell: pwsh\n', 'env:\n', '  SOURCE_DATE_EPOCH: 0\n', 'GITHUB_ENV',
  'services:\n', '  db:\n', '    image: ', 'defaultBaseImage: ', 'flask==1.0', ' --hash=sha256:', '-e .', '&', '*', '{', ':', '>-\n', '\t', '\u0000', '\uFEFF', 'é',
];

const grammarText = fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }).map((parts) => parts.join(''));
const anyText = fc.string({ unit: 'binary', maxLength: 400 });

function checkFindings(path: string, text: string): void {
  const findings: Finding[] = lintSources([{ path, text }], defaultConfig);
  const lineCount = text.split('\n').length;
  for (const finding of findings) {
    expect(finding.file).toBe(path);
    expect(RULE_IDS).toContain(finding.rule);
    expect(FINDING_LEVELS).toContain(finding.level);
    expect(Number.isInteger(finding.line) && finding.line >= 1 && finding.line <= lineCount).toBe(true);
    expect(finding.message && finding.fix).toBeTruthy();
  }
}

describe('lint never throws on arbitrary text', () => {
  test.each(KINDS)('%s: arbitrary strings', (path) => {
    fc.assert(fc.property(anyText, (text) => checkFindings(path, text)), { numRuns: 300 });
  });

  test.each(KINDS)('%s: texts made of the pieces of every grammar the rules read', (path) => {
    fc.assert(fc.property(grammarText, (text) => checkFindings(path, text)), { numRuns: 400 });
  });

  test('a shebang script of random commands', () => {
    fc.assert(fc.property(grammarText, (text) => checkFindings('tools/x', `#!/usr/bin/env bash\n${text}`)), { numRuns: 400 });
  });
});

const shellLine = fc.array(fc.constantFrom(...PIECES.filter((p) => !p.includes('\n') && !p.includes('\r'))), { maxLength: 8 }).map((parts) => parts.join(''));

describe('workflow run: blocks with random scripts', () => {
  const style = fc.constantFrom('|', '|-', '>', '>-', '|+');
  const workflow = fc.tuple(fc.array(fc.tuple(style, fc.array(shellLine, { minLength: 1, maxLength: 6 })), { minLength: 1, maxLength: 4 }), fc.constantFrom('\n', '\r\n')).map(([steps, eol]) =>
    ['on: push', 'jobs:', '  j:', '    runs-on: ubuntu-24.04', '    steps:', ...steps.flatMap(([s, body]) => [`      - run: ${s}`, ...body.map((l) => (l.trim() ? `          ${l}` : ''))]), ''].join(eol),
  );

  test('never throw, and findings stay inside the file', () => {
    fc.assert(fc.property(workflow, (text) => checkFindings('.github/workflows/ci.yml', text)), { numRuns: 400 });
  });

  test('every command of a literal block is reported at the file line that holds it', () => {
    const body = fc.array(fc.constantFrom('', '# comment', '  nested', 'a && b', 'c | d'), { maxLength: 6 });
    fc.assert(
      fc.property(body, fc.constantFrom('|', '|-', '|+'), (rest, style) => {
        // The first line sets the block's indentation, so it is not a more-indented one.
        const lines = ['echo start', ...rest];
        const marked = lines.map((l, i) => (l === '' || l.startsWith('#') ? l : `${l}; npm install m${i}`));
        const text = ['on: push', 'jobs:', '  j:', '    runs-on: ubuntu-24.04', '    steps:', `      - run: ${style}`, ...marked.map((l) => (l ? `          ${l}` : '')), ''].join('\n');
        const findings = lintSources([{ path: '.github/workflows/ci.yml', text }], defaultConfig);
        const fileLines = text.split('\n');
        for (const finding of findings.filter((f) => f.rule === 'npm-install')) expect(fileLines[finding.line - 1]).toMatch(/m\d+/);
        expect(findings.filter((f) => f.rule === 'npm-install').length).toBe(marked.filter((l) => /m\d+/.test(l)).length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Dockerfiles with random RUN scripts', () => {
  const instruction = fc.oneof(
    shellLine.map((l) => `RUN ${l}`),
    fc.array(shellLine, { minLength: 1, maxLength: 4 }).map((ls) => `run ${ls.join(' \\\n    ')}`),
    fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }).map((words) => `RUN ${JSON.stringify(words)}`),
    fc.array(shellLine, { maxLength: 4 }).map((ls) => `RUN <<EOF\n${ls.join('\n')}\nEOF`),
    fc.constantFrom('FROM alpine:3.20', 'FROM debian:bookworm AS b', 'FROM b', 'ENV GOFLAGS=-trimpath', 'ADD https://x.example/a /a', 'SHELL ["pwsh", "-c"]', 'ARG X'),
  );
  const dockerfile = fc.array(instruction, { maxLength: 10 }).map((lines) => `${lines.join('\n')}\n`);

  test('never throw, and findings stay inside the file', () => {
    fc.assert(fc.property(dockerfile, (text) => checkFindings('Dockerfile', text)), { numRuns: 500 });
  });
});
