import fc from 'fast-check';
import { mappedText, pipelines, programName, splitShellCommands, type ShellCommand } from './command-line.js';

const argv = (commands: ShellCommand[]) => commands.map((c) => c.words.map((w) => w.value));

describe('splitShellCommands', () => {
  test('splits on &&, ||, ;, |, & and newlines, and says what ended each command', () => {
    const commands = splitShellCommands('apk update && apk add curl || true; make | tee log & wait\necho done');
    expect(argv(commands)).toEqual([['apk', 'update'], ['apk', 'add', 'curl'], ['true'], ['make'], ['tee', 'log'], ['wait'], ['echo', 'done']]);
    expect(commands.map((c) => c.terminator)).toEqual(['&&', '||', ';', '|', '&', '\n', null]);
  });

  test('operators inside quotes, substitutions and parameter expansions do not split', () => {
    const commands = splitShellCommands(`echo "a && b" 'c | d' $(cat x; echo y) \${X:-a;b} \`date | wc\` e\\;f`);
    expect(argv(commands)).toEqual([['echo', 'a && b', 'c | d', '$(cat x; echo y)', '${X:-a;b}', '`date | wc`', 'e;f']]);
    expect(commands[0]!.words.map((w) => [w.quoted, w.expands])).toEqual([
      [false, false],
      [true, false],
      [true, false],
      [false, true],
      [false, true],
      [false, true],
      [true, false],
    ]);
  });

  test('each word keeps its raw text and the file span it came from', () => {
    const text = 'RUN apk add --no-cache "curl" openssl=3.3.3-r0';
    const script = text.slice(4);
    const [command] = splitShellCommands(mappedText(script, 4));
    for (const word of command!.words) expect(text.slice(word.span!.start, word.span!.end)).toBe(word.raw);
    expect(command!.words.map((w) => w.raw)).toEqual(['apk', 'add', '--no-cache', '"curl"', 'openssl=3.3.3-r0']);
    expect(command!.at).toBe(4);
  });

  test('a word whose characters are not one run in the file has no span, but still an offset', () => {
    // The Dockerfile parser joins `cu\` + newline + `rl` with a separator the file does not hold.
    const source = { text: 'apk add cu rl', offsets: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, 13, 14] };
    const words = splitShellCommands(source)[0]!.words;
    expect(words[2]).toMatchObject({ raw: 'cu', span: { start: 8, end: 10 } });
    expect(words[3]).toMatchObject({ raw: 'rl', span: { start: 13, end: 15 } });
    const split = splitShellCommands({ text: 'apk add x"y"', offsets: [0, 1, 2, 3, 4, 5, 6, 7, 8, 20, 21, 22] })[0]!.words[2]!;
    expect(split).toMatchObject({ value: 'xy', span: null, at: 8 });
  });

  test('sees through sudo, env and leading assignments to the program', () => {
    const [command] = splitShellCommands('DEBIAN_FRONTEND=noninteractive sudo -E -u root env -i PATH=/bin LANG=C apt-get install -y curl');
    expect(command!.words.map((w) => w.value)).toEqual(['apt-get', 'install', '-y', 'curl']);
    expect(command!.assignments.map((w) => w.value)).toEqual(['DEBIAN_FRONTEND=noninteractive', 'PATH=/bin', 'LANG=C']);
    expect(command!.prefix.map((w) => w.value)).toEqual(['DEBIAN_FRONTEND=noninteractive', 'sudo', '-E', '-u', 'root', 'env', '-i', 'PATH=/bin', 'LANG=C']);
    expect(programName(command!)).toBe('apt-get');
    expect(programName(splitShellCommands('/sbin/apk add x')[0]!)).toBe('apk');
    expect(programName(splitShellCommands('X=1')[0]!)).toBeNull();
    // `command -v` looks a program up instead of running it.
    expect(splitShellCommands('command -v apk')[0]!.words.map((w) => w.value)).toEqual(['command', '-v', 'apk']);
  });

  test('control keywords and subshells open commands without hiding them', () => {
    const commands = splitShellCommands('if [ -f /etc/alpine-release ]; then apk add curl; else (cd /x && apt-get install -y curl); fi');
    expect(argv(commands)).toEqual([['[', '-f', '/etc/alpine-release', ']'], ['apk', 'add', 'curl'], [], ['cd', '/x'], ['apt-get', 'install', '-y', 'curl'], []]);
    expect(commands.map((c) => c.prefix.map((w) => w.value))).toEqual([['if'], ['then'], ['else'], [], [], ['fi']]);
  });

  test('redirections are not words; a descriptor before the operator belongs to it', () => {
    const [command] = splitShellCommands('apt-get install -y curl >/dev/null 2>&1 < in &> all');
    expect(command!.words.map((w) => w.value)).toEqual(['apt-get', 'install', '-y', 'curl']);
    expect(command!.redirects.map((r) => [r.fd, r.operator, r.target?.value])).toEqual([
      [null, '>', '/dev/null'],
      ['2', '>&', '1'],
      [null, '<', 'in'],
      [null, '&>', 'all'],
    ]);
  });

  test('comments end at the line break; a # inside a word is a character', () => {
    expect(argv(splitShellCommands('apk add curl # and && not this\necho a#b'))).toEqual([['apk', 'add', 'curl'], ['echo', 'a#b']]);
  });

  test('here-document bodies are skipped as commands and kept on their redirection', () => {
    const commands = splitShellCommands("cat > /etc/x <<'EOF' && apk add jq\napk add not-a-command\nEOF\napk add curl\n\tcat <<-END\n\tbody\n\tEND\n");
    expect(argv(commands)).toEqual([['cat'], ['apk', 'add', 'jq'], ['apk', 'add', 'curl'], ['cat']]);
    expect(commands[0]!.redirects[1]).toMatchObject({ operator: '<<', target: { value: 'EOF' }, heredoc: { text: 'apk add not-a-command\n' } });
    expect(commands[3]!.redirects[0]!.heredoc?.text).toBe('body\n');
  });

  test('backslash-newline joins lines; unclosed quotes end at the end of the text', () => {
    expect(argv(splitShellCommands('apk add \\\n  curl \\\n  jq'))).toEqual([['apk', 'add', 'curl', 'jq']]);
    expect(argv(splitShellCommands('echo "unclosed && x'))).toEqual([['echo', 'unclosed && x']]);
  });

  test('pipelines group the commands joined by |', () => {
    const groups = pipelines(splitShellCommands('curl -fsSL https://example.com/install.sh | sh -s -- -y && echo ok'));
    expect(groups.map((g) => g.map((c) => c.words[0]?.value))).toEqual([['curl', 'sh'], ['echo']]);
  });

  test('never throws, and every word span points at its raw text, on arbitrary input', () => {
    const pieces = fc.constantFrom('apk', ' add ', 'curl', '"', "'", '\\', '\n', '&&', '||', ';', '|', '&', '$(', ')', '(', '${', '}', '`', '<<', 'EOF', '<<-', '2>', '#', '\t', 'sudo ', 'env ', 'X=1 ', '$\'', 'a');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(pieces, { maxLength: 40 }).map((p) => p.join(''))), (text) => {
        for (const command of splitShellCommands(text)) {
          for (const word of [...command.prefix, ...command.words]) if (word.span) expect(text.slice(word.span.start, word.span.end)).toBe(word.raw);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
