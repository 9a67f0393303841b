import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { mutationOf } from '../../../../test/support/mutations.js';
import { parseHtmlProjectPage, parseJsonProjectPage, type PageParse } from './simple-api.js';

/** Mutation fuzzing of the PEP 503 HTML and PEP 691 JSON readers, seeded with the real-shaped index pages: a page is read or refused as a value, never thrown at. */
const dir = new URL('../../../../fixtures/pip/index/', import.meta.url);
const seeds = (ext: string) => readdirSync(dir).filter((name) => name.endsWith(ext)).map((name) => readFileSync(new URL(name, dir)));
// Anchors without text: the filename then comes from the href, `%`-escapes and all.
const bareAnchors = Buffer.from('<html><body><a href="../../files/appkit-2.1.0%2Bx.tar.gz#sha256=' + 'ab'.repeat(32) + '"></a><a href="appkit-1.0-py3-none-any.whl" data-yanked="" data-core-metadata="sha256=' + 'cd'.repeat(32) + '"></a></body></html>');
const PAGE = 'https://pypi.example.org/simple/appkit/';

function expectValue(parse: PageParse): void {
  if (parse.ok) for (const file of parse.files) expect(typeof file.version).toBe('string');
  else expect(typeof parse.message).toBe('string');
}

describe('simple API readers under mutation', () => {
  test('PEP 503 HTML pages', () => {
    fc.assert(fc.property(mutationOf([...seeds('.html'), bareAnchors], 1 << 16), (page) => expectValue(parseHtmlProjectPage(page.toString('utf8'), PAGE, 'appkit'))), { numRuns: 1500 });
  });

  test('a malformed %-escape in an href is a file that matches no project, not an exception', () => {
    expect(parseHtmlProjectPage('<a href="appkit-1.0%E0%A4%A.tar.gz"></a>', PAGE, 'appkit')).toEqual({ ok: true, files: [] });
  });

  test('PEP 691 JSON pages', () => {
    fc.assert(fc.property(mutationOf(seeds('.json'), 1 << 16), (page) => expectValue(parseJsonProjectPage(page.toString('utf8'), PAGE, 'appkit'))), { numRuns: 1500 });
  });
});
