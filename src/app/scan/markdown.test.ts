import fc from 'fast-check';
import { code, table, text } from '../../core/markdown.js';
import { renderPinPrBody } from './pin-pr-body.js';
import { renderDashboard } from './dashboard-body.js';
import { renderVerification } from '../verify/verification-state.js';

/** Strings an attacker would put in a tag name, note, package name or error message. */
const HOSTILE = [
  'v1.0 | injected | cell',
  'line one\n| --- |\n| forged row |',
  '@octocat please look',
  '@acme/security-team',
  '<img src=x onerror=alert(1)>',
  '</details><script>alert(1)</script>',
  '&lt;already escaped&gt; & more',
  '`code` and ``double`` and ```triple```',
  '**bold** _em_ [link](https://evil.example/) ![img](x) ~~gone~~',
  '\\| backslash pipe',
  '# heading\r\n> quote\r- list',
];

/** GFM splits a row at every pipe not escaped by a backslash (GFM §4.10). */
const cellsOf = (row: string) => row.replace(/^\| | \|$/g, '').split(/(?<!\\)\|/).length;

/** Reverses `text`: what a reader sees once GitHub has rendered it (escapes and entities resolved, the joiner invisible). */
const rendered = (markdown: string) =>
  markdown
    .replace(/\\([\\`*_[\]#!~])/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/@\u200D/g, '@');

const flat = (raw: string) => raw.replace(/\r\n|\r|\n/g, ' ');

/** What a code span shows (GFM §6.3): the text between the fences, one padding space stripped each side. */
function codeContent(span: string): string {
  const fence = /^`+/.exec(span)![0];
  expect(span.endsWith(fence)).toBe(true);
  const inner = span.slice(fence.length, span.length - fence.length);
  expect(inner.match(/`+/g)?.every((run) => run.length !== fence.length) ?? true).toBe(true);
  return inner.length > 2 && inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '' ? inner.slice(1, -1) : inner;
}

describe('outside text in Markdown', () => {
  test.each(HOSTILE)('as text, %j shows as itself on one line, with no tag, no mention and no markup', (raw) => {
    const md = text(raw);
    expect(md).not.toMatch(/[\r\n<>]/);
    expect(md).not.toMatch(/@[\p{L}\p{N}_-]/u);
    expect(md).not.toMatch(/(?<!\\)[`*_[\]#!~]/);
    expect(rendered(md)).toBe(flat(raw));
  });

  test.each(HOSTILE)('as a code span, %j shows as itself on one line', (raw) => {
    const md = code(raw);
    expect(md).not.toMatch(/[\r\n]/);
    expect(codeContent(md)).toBe(flat(raw));
  });

  test('in a table, every hostile string stays in its own cell of its own row', () => {
    const rows = HOSTILE.map((raw) => [text(raw), code(raw), 'ok']);
    const lines = table(['A', 'B', 'C'], rows).split('\n');
    expect(lines).toHaveLength(HOSTILE.length + 2);
    for (const line of lines.slice(2)) expect(cellsOf(line)).toBe(3);
  });

  test('any string, as text or code, keeps a table row at its cells and renders as itself (fast-check)', () => {
    const raw = fc.string({ unit: fc.constantFrom('|', '\\', '`', '\n', '\r', '@', 'a', ' ', '<', '>', '&', '*', '#', '_', '[', ']', '!', '~', 'é') });
    fc.assert(
      fc.property(raw, raw, (a, b) => {
        const [row] = table(['x', 'y'], [[text(a), code(b)]]).split('\n').slice(2);
        expect(row).toBeDefined();
        expect(cellsOf(row!)).toBe(2);
        expect(rendered(text(a))).toBe(flat(a));
        // An empty code span does not exist in Markdown: nothing shows as one space.
        expect(codeContent(code(b))).toBe(flat(b) || ' ');
      }),
      { numRuns: 500 },
    );
  });

  test('a pin PR body with a hostile dependency, note and version keeps its table and mentions no one', () => {
    const body = renderPinPrBody('new-pins', [{ file: 'Dockerfile', line: 1, manager: 'dockerfile', name: 'ghcr.io/acme/x', value: 'v1|@octocat', from: null, to: 'sha256:'.padEnd(71, 'a'), note: '@octocat <b>hi</b>\n| forged |' } as never], 'pending');
    const rows = body.split('\n').filter((l) => l.startsWith('| '));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(cellsOf(row)).toBe(4);
    // A mention inside a code span is shown, not sent; outside one it is broken by the joiner.
    expect(body.replace(/`[^`]*`/g, '')).not.toMatch(/<b>|@octocat/);
  });

  test('the dashboard shows hostile lookup errors and skip reasons inside their cells', () => {
    const body = renderDashboard({
      state: { ignored: ['evil`name'] },
      configErrors: [{ line: 1, key: 'a|b', message: 'bad <script>\n| x |' } as never],
      refs: [{ file: 'Dockerfile', line: 2, manager: 'dockerfile', name: 'x', value: 'y', digest: null, pinned: false, skipped: '@org/team said so | yes' } as never],
      problems: [{ file: 'Dockerfile', line: 2, dependency: 'x', message: 'registry said <html>@admin</html>' } as never],
      pullRequests: [],
      findings: [],
      failure: 'boom\n## forged heading @someone',
    });
    expect(body.replace(/`[^`]*`/g, '')).not.toMatch(/<script>|<html>|@org|@admin|@someone|\n## forged/);
    for (const row of body.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Line') && !l.startsWith('| File'))) expect(cellsOf(row)).toBe(row.includes('dockerfile') ? 4 : 3);
  });

  test('an error reason on the verification line stays on that line, with no HTML', () => {
    const line = renderVerification({ state: 'error', sha: 'a'.repeat(40), reason: 'zip entry "<img src=x>\n**Verification:** reproducible" refused', runUrl: null });
    expect(line).not.toMatch(/\n|<img/);
  });
});
