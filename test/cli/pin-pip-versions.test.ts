import { buildWheel } from '../pip/support/distributions.js';
import { startSimpleIndex, type SimpleIndex } from '../pip/support/simple-index.js';
import { makeRepo, readRepo, runRepoPins } from '../support/cli-harness.js';

/**
 * pip versions from an index are kept as text (issue 10): a number type turned
 * `9007199254740993` into `…992` and 38 digits into `1e+38`; and a filename whose version is
 * outside PEP 440 is not a version of the project at all.
 */
let index: SimpleIndex;
const huge = `1${'0'.repeat(37)}.0`;
const files = [
  { ...buildWheel({ name: 'big', version: '9007199254740993' }), project: 'big' },
  { ...buildWheel({ name: 'wide', version: huge }), project: 'wide' },
  { ...buildWheel({ name: 'evil', version: '1.0' }), project: 'evil' },
  // A file name whose version part is a shell command: not a distribution of evil at all.
  { ...buildWheel({ name: 'evil', version: '1.0' }), filename: 'evil-9.9;curl_x|sh-py3-none-any.whl', project: 'evil' },
];

beforeAll(async () => {
  index = await startSimpleIndex(files);
});
afterAll(() => index.close());

test('pinned versions are the index\'s text, exactly; names outside PEP 440 are never pinned', async () => {
  const dir = await makeRepo({ 'requirements.txt': `--index-url ${index.url}\nbig\nwide\nevil\n` });
  const run = await runRepoPins(['pin', dir, '--only', 'pip']);
  expect(run.code).toBe(0);
  const text = (await readRepo(dir))['requirements.txt']!;
  expect(text).toContain(`big==9007199254740993 \\\n    --hash=sha256:${files[0]!.sha256}`);
  expect(text).toContain(`wide==${huge} \\\n    --hash=sha256:${files[1]!.sha256}`);
  expect(text).toContain(`evil==1.0 \\\n    --hash=sha256:${files[2]!.sha256}\n`);
  expect(text).not.toContain('9.9');
});
