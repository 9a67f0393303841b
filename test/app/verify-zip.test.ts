/**
 * The guarded zip reader the twice-build gate unpacks artifacts with: a real zip round-trips,
 * and every hostile shape is refused before anything lands outside the target folder.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACT_ZIP_LIMITS, extractZip, ZipError, type ZipLimits } from '../../src/core/archive/zip.js';
import { craftZip, zipFolder, type CraftedEntry } from './zip-fixtures.js';

let work: string;
let count = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'repro-pins-zip-test-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A fresh target folder inside a fresh parent, so anything written beside it shows. */
async function target(): Promise<{ parent: string; dest: string }> {
  const parent = join(work, `case-${(count += 1)}`);
  await mkdir(parent);
  return { parent, dest: join(parent, 'out') };
}

async function refused(entries: CraftedEntry[] | Buffer, limits?: ZipLimits): Promise<string> {
  const { parent, dest } = await target();
  const zip = Buffer.isBuffer(entries) ? entries : craftZip(entries);
  const error = await extractZip(zip, dest, limits).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ZipError);
  // Nothing was written beside the target folder.
  expect((await readdir(parent)).filter((name) => name !== 'out')).toEqual([]);
  return (error as ZipError).message;
}

test('a folder zipped by Python zipfile unpacks byte for byte', async () => {
  const source = join(work, 'source');
  await mkdir(join(source, 'Dockerfile', 'layers'), { recursive: true });
  await writeFile(join(source, 'Dockerfile', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(source, 'Dockerfile', 'layers', 'listing.jsonl'), '{"path":"etc"}\n'.repeat(5000));
  const { dest } = await target();
  const result = await extractZip(await zipFolder(source), dest);
  expect(result).toEqual({ files: 2, bytes: 30 + 15 * 5000 });
  expect(await readFile(join(dest, 'Dockerfile', 'layers', 'listing.jsonl'), 'utf8')).toBe('{"path":"etc"}\n'.repeat(5000));
});

test('stored and deflated entries and folder entries are read', async () => {
  const { dest } = await target();
  await extractZip(craftZip([{ name: 'a/' }, { name: 'a/stored', data: 'plain', method: 0 }, { name: 'a/deflated', data: 'x'.repeat(1000) }, { name: 'empty', data: '' }]), dest);
  expect(await readFile(join(dest, 'a', 'stored'), 'utf8')).toBe('plain');
  expect(await readFile(join(dest, 'a', 'deflated'), 'utf8')).toBe('x'.repeat(1000));
  expect(await readFile(join(dest, 'empty'), 'utf8')).toBe('');
});

test.each([
  ['../escape', 'path traversal'],
  ['Dockerfile/../../escape', 'path traversal'],
  ['/etc/passwd', 'absolute path'],
  ['C:/Windows/win.ini', 'absolute path'],
  ['Dockerfile\\..\\escape', 'backslash'],
  ['Dockerfile//oci-layout', 'empty or "." path segment'],
  ['./oci-layout', 'empty or "." path segment'],
])('refuses the entry name %s (%s)', async (name, reason) => {
  expect(await refused([{ name: 'ok', data: 'fine' }, { name, data: 'evil' }])).toContain(reason);
});

test('refuses symbolic links and other special files', async () => {
  expect(await refused([{ name: 'Dockerfile/blobs', data: '/etc', unixMode: 0o120777 }])).toContain('is a symbolic link');
  expect(await refused([{ name: 'fifo', data: '', unixMode: 0o010644 }])).toContain('not a regular file or folder');
});

test('refuses duplicate names, encryption and unknown compression', async () => {
  expect(await refused([{ name: 'a', data: '1' }, { name: 'a', data: '2' }])).toContain('twice');
  expect(await refused([{ name: 'a', data: '1', flags: 1 }])).toContain('encrypted');
  expect(await refused([{ name: 'a', data: '1', method: 12 }])).toContain('compression method 12');
});

test('refuses too many entries, and files or totals over the caps, before writing', async () => {
  const small: ZipLimits = { ...ARTIFACT_ZIP_LIMITS, maxEntries: 3, maxEntryBytes: 1000, maxTotalBytes: 1500 };
  expect(await refused([{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }], small)).toContain('4 entries, more than the 3');
  expect(await refused([{ name: 'big', data: 'x'.repeat(1001) }], small)).toContain('more than the 1000 allowed per file');
  expect(await refused([{ name: 'a', data: 'x'.repeat(800) }, { name: 'b', data: 'y'.repeat(800) }], small)).toContain('more than the 1500 bytes');
});

test('refuses a compression ratio only padding reaches (a zip bomb)', async () => {
  const limits: ZipLimits = { ...ARTIFACT_ZIP_LIMITS, ratioFloorBytes: 64 * 1024 };
  expect(await refused([{ name: 'zeros', data: Buffer.alloc(8 * 1024 * 1024) }], limits)).toMatch(/a ratio above 100:1/);
});

test('refuses an entry that inflates to more than it declares, or whose CRC does not match', async () => {
  expect(await refused([{ name: 'liar', data: 'z'.repeat(100_000), declaredSize: 10 }])).toContain('does not inflate to its declared 10 bytes');
  const zip = craftZip([{ name: 'a', data: 'hello', method: 0 }]);
  zip.write('jello', 30 + 1);
  expect(await refused(zip)).toContain('CRC-32');
});

test('refuses entries that share their bytes (the non-recursive zip bomb)', async () => {
  expect(await refused([{ name: 'a', data: 'same' }, { name: 'b', data: 'same', sharesDataWith: 'a' }])).toContain('overlap');
});

test('refuses what is not a zip', async () => {
  expect(await refused(Buffer.from('just text, no zip here'))).toContain('is not a zip file');
});
