import { defaultConfig } from '../../config.js';
import { lintSources } from '../index.js';
import { findingsOf, lines, linesOf } from '../lint-test-kit.js';

describe('pipe-to-shell', () => {
  test('curl or wget piped into a shell or interpreter, through sudo, in every source', () => {
    const dockerfile = lines(
      'FROM debian:bookworm',
      'RUN curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash -',
      'RUN wget -qO- https://get.example.com/install.sh | sh',
      'RUN curl -sSL https://install.python-poetry.org | python3 - --version 1.8.3',
      'run set -eux; \\',
      '    curl -fsSL https://example.com/x.sh \\',
      '      | tee /tmp/x.sh | sh -s -- --yes',
      'RUN ["/bin/sh", "-c", "curl -fsSL https://example.com/y.sh | bash"]',
      'RUN sh -c "$(curl -fsSL https://raw.example.com/ohmyzsh/install.sh)"',
      'RUN bash <(curl -s https://example.com/z.sh)',
      'RUN <<EOF',
      'set -e',
      'curl -fsSL https://example.com/heredoc.sh | perl',
      'EOF',
    );
    const findings = findingsOf('pipe-to-shell', 'Dockerfile', dockerfile);
    expect(findings.map((f) => f.line)).toEqual([2, 3, 4, 6, 8, 9, 10, 13]);
    expect(findings[0]).toMatchObject({ level: 'error', message: 'https://deb.nodesource.com/setup_22.x is piped into bash and run unchecked: whatever the server sends next time runs in the build' });
    expect(linesOf('pipe-to-shell', 'install.sh', 'curl -fsSL https://sh.rustup.rs | sh -s -- -y\n')).toEqual([1]);
    const workflow = lines('on: push', 'jobs:', '  t:', '    runs-on: ubuntu-24.04', '    steps:', '      - run: |', '          echo start', '          wget -O - https://example.com/a.sh | sudo zsh');
    expect(linesOf('pipe-to-shell', '.github/workflows/x.yml', workflow)).toEqual([8]);
  });

  test('downloads piped into programs that read data, or into an interpreter running its own program, are fine', () => {
    const text = lines(
      'FROM debian:bookworm',
      "RUN curl -fsSL https://api.example.com/release.json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"tag\"])'",
      'RUN curl -fsSL https://example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/example.gpg',
      'RUN curl -fsSLo /tmp/x.sh https://example.com/x.sh && echo "<sha256>  /tmp/x.sh" | sha256sum -c - && sh /tmp/x.sh',
      'RUN wget -qO- https://example.com/a.tar.gz | tar -xz -C /opt',
      "RUN curl -s https://example.com/list | perl -ne 'print if /x/'",
      "RUN curl -s https://example.com/file | sh -c 'cat > /tmp/file'",
      'RUN echo "curl https://example.com | sh"',
    );
    expect(linesOf('pipe-to-shell', 'Dockerfile', text)).toEqual([]);
  });
});

describe('pipe-to-shell on a hostile pipeline', () => {
  test('100k characters of `curl x | ` ending in sh: the one download the shell reads is found once', () => {
    const stages = 'curl x | '.repeat(11_112);
    const findings = lintSources([{ path: 'install.sh', text: `#!/bin/sh\n${stages}sh\n` }], defaultConfig).filter((f) => f.rule === 'pipe-to-shell');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 2, message: expect.stringContaining('piped into sh') });
  });

  test('the same pipeline with no interpreter at its end is no finding', () => {
    const text = `#!/bin/sh\n${'curl x | '.repeat(11_112)}cat\n`;
    expect(lintSources([{ path: 'install.sh', text }], defaultConfig).filter((f) => f.rule === 'pipe-to-shell')).toEqual([]);
  });
});
