import { findingsOf, lines, linesOf } from '../lint-test-kit.js';

const SHA256 = 'bc020240d625f888ed5f07648b7c6bc73b0e58cc64904f857cd9b01b313363d0';

describe('add-url-no-checksum', () => {
  test('ADD of an http(s) URL without --checksum=sha256:, in any case and in the JSON form; git sources without a commit', () => {
    const text = lines(
      'FROM alpine:3.20',
      'ADD https://github.com/acme/tool/releases/download/v1.2.0/tool.tar.gz /tmp/',
      'add --chown=1000:1000 http://example.com/data.bin /data/',
      'ADD ["https://example.com/a b.txt", "/srv/"]',
      'ADD https://github.com/moby/buildkit.git#v0.19.0 /src',
      'ADD --link \\',
      '    https://example.com/continued.tgz /opt/',
    );
    const findings = findingsOf('add-url-no-checksum', 'Dockerfile', text);
    expect(findings.map((f) => f.line)).toEqual([2, 3, 4, 5, 7]);
    expect(findings[0]!.fix).toBe('ADD --checksum=sha256:<sha256 of the file> https://github.com/acme/tool/releases/download/v1.2.0/tool.tar.gz … (BuildKit then refuses any other content)');
    expect(findings[3]!.fix).toBe('pin the commit: ADD https://github.com/moby/buildkit.git#<40-hex commit> (or --checksum=<40-hex commit>)');
  });

  test('a checksum, a pinned commit, local sources, COPY and here-documents are fine', () => {
    const text = lines(
      'FROM alpine:3.20',
      `ADD --checksum=sha256:${SHA256} https://example.com/tool.tar.gz /tmp/`,
      'ADD https://github.com/moby/buildkit.git#bc6afccdf79d4faf612cb27b623e4283a312a265 /src',
      'ADD vendor.tar.gz /opt/',
      'COPY https-notes.txt /docs/',
      'ADD <<EOF /etc/motd',
      'https://example.com is not fetched',
      'EOF',
    );
    expect(linesOf('add-url-no-checksum', 'Dockerfile', text)).toEqual([]);
  });
});
