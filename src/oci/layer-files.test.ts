/**
 * Layer listings from real tars written by GNU tar in each format, checked field by field and
 * against what the workflow's listing script (templates/repro-listing.py) writes for the same
 * tar: the App compares jsonl listings with listings read from blobs, so both must agree.
 */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { listTarStream, normalizeEntryPath, parseListing } from './layer-files.js';
import type { FileEntry } from './schema.js';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SCRIPT = join(process.cwd(), 'templates', 'repro-listing.py');

function run(command: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd }, (error, stdout, stderr) => (error ? reject(new Error(`${command}: ${stderr}`)) : resolve(stdout)));
  });
}

let dir: string;
const LONG = `deep/${'d'.repeat(60)}/${'e'.repeat(60)}/file-with-a-long-name.txt`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'repro-pins-layer-'));
  const root = join(dir, 'root');
  await mkdir(join(root, 'deep', 'd'.repeat(60), 'e'.repeat(60)), { recursive: true });
  await writeFile(join(root, 'hello.txt'), 'hello\n');
  await writeFile(join(root, LONG), 'long\n');
  await writeFile(join(root, 'empty'), '');
  await writeFile(join(root, 'setuid-tool'), '#!/bin/sh\n', { mode: 0o755 });
  await run('chmod', ['4755', join(root, 'setuid-tool')]);
  await symlink('hello.txt', join(root, 'link'));
  await link(join(root, 'hello.txt'), join(root, 'z-hard'));
  await run('mkfifo', [join(root, 'pipe')]);
  await run('touch', ['-h', '-d', '@1700000000.5', ...['hello.txt', 'link', 'pipe', 'empty', 'setuid-tool', LONG].map((p) => join(root, p))]);
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function makeTar(format: 'pax' | 'gnu' | 'ustar', gzip: boolean, paths: string[]): Promise<string> {
  const file = join(dir, `layer-${format}${gzip ? '.tar.gz' : '.tar'}`);
  await run('tar', [`--format=${format}`, ...(gzip ? ['-z'] : []), '--owner=1234', '--group=5678', '--numeric-owner', '--sort=name', '-cf', file, '-C', join(dir, 'root'), ...paths]);
  return file;
}

async function listWithEngine(file: string, mediaType: string): Promise<FileEntry[]> {
  const listed = await listTarStream(createReadStream(file), mediaType);
  if ('unavailable' in listed) throw new Error(listed.unavailable);
  return listed.entries;
}

async function listWithScript(file: string, mediaType: string): Promise<FileEntry[]> {
  const out = join(dir, 'listing.jsonl');
  const code = 'import importlib.util,sys\nspec=importlib.util.spec_from_file_location("listing",sys.argv[1])\nm=importlib.util.module_from_spec(spec)\nspec.loader.exec_module(m)\nm.list_layer(sys.argv[2],sys.argv[3],sys.argv[4])';
  await run(PYTHON, ['-c', code, SCRIPT, file, mediaType, out]);
  return parseListing(await readFile(out, 'utf8'), dir, 'listing.jsonl');
}

/** The whole tree as `./…` names (BuildKit and buildah write names without `./`; both must work). */
const ALL = ['.'];

describe('layer listings', () => {
  it.each([
    ['pax', false],
    ['gnu', false],
    ['pax', true],
  ] as const)('reads a %s tar (gzip: %s) with every field the contract names, as the listing script does', async (format, gzip) => {
    const mediaType = `application/vnd.oci.image.layer.v1.tar${gzip ? '+gzip' : ''}`;
    const file = await makeTar(format, gzip, ALL);
    const entries = await listWithEngine(file, mediaType);
    const byPath = Object.fromEntries(entries.map((e) => [e.path, e]));
    expect(byPath['hello.txt']).toEqual({
      path: 'hello.txt', type: 'file', mode: 0o644, uid: 1234, gid: 5678, size: 6,
      mtime: format === 'pax' ? 1700000000.5 : 1700000000, sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03', linkname: '',
    });
    expect(byPath[LONG]?.sha256).toBe('bbdbb75b415ee9a40f0b3796a8b41a0b7723afe5726b870474ad220a4886d06d');
    expect(byPath.link).toMatchObject({ type: 'symlink', linkname: 'hello.txt', size: 0, sha256: null });
    expect(byPath['z-hard']).toMatchObject({ type: 'hardlink', linkname: './hello.txt', size: 0, sha256: null });
    expect(byPath.pipe).toMatchObject({ type: 'fifo' });
    expect(byPath['setuid-tool']?.mode).toBe(0o4755);
    expect(byPath.empty).toMatchObject({ type: 'file', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect(byPath['.']).toMatchObject({ type: 'dir', path: '.' });
    expect(entries.every((e) => !e.path.startsWith('./') && !e.path.endsWith('/'))).toBe(true);
    expect(await listWithScript(file, mediaType)).toEqual(entries);
  });

  it('reads a plain ustar tar the same way the listing script does', async () => {
    const file = await makeTar('ustar', false, ['hello.txt', 'link', 'z-hard', 'empty']);
    expect(await listWithScript(file, 'application/vnd.oci.image.layer.v1.tar')).toEqual(await listWithEngine(file, 'application/vnd.oci.image.layer.v1.tar'));
  });

  it('gives the same entries when the stream arrives one byte at a time', async () => {
    const file = await makeTar('pax', false, ALL);
    const bytes = await readFile(file);
    const oneByOne = Readable.from((function* () {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    })());
    const listed = await listTarStream(oneByOne, 'application/vnd.oci.image.layer.v1.tar');
    expect('entries' in listed && listed.entries).toEqual(await listWithEngine(file, ''));
  });

  it('sniffs gzip even when the media type says plain tar', async () => {
    const file = await makeTar('pax', true, ['hello.txt']);
    expect((await listWithEngine(file, 'application/vnd.oci.image.layer.v1.tar')).map((e) => e.path)).toEqual(['hello.txt']);
  });

  it('says plainly when a zstd layer cannot be read on this Node.js', async () => {
    const zstdFrame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
    const listed = await listTarStream(Readable.from([zstdFrame]), 'application/vnd.oci.image.layer.v1.tar+zstd');
    const nodeHasZstd = 'createZstdDecompress' in (await import('node:zlib'));
    if (nodeHasZstd) expect('unavailable' in listed && listed.unavailable).toMatch(/cannot be decompressed|not a readable tar/);
    else expect('unavailable' in listed && listed.unavailable).toMatch(/zstd-compressed and this Node\.js \(v\d+.*\) has no zstd decompressor/);
  });

  it('reports a truncated layer as unreadable, not as a listing', async () => {
    const bytes = await readFile(await makeTar('pax', false, ['hello.txt']));
    const listed = await listTarStream(Readable.from([bytes.subarray(0, 700)]), '');
    expect(listed).toEqual({ unavailable: expect.stringContaining('not a readable tar') });
  });

  it('stops listing a layer at the entry cap instead of holding every entry in memory', async () => {
    const file = await makeTar('pax', true, ALL);
    const all = await listWithEngine(file, '');
    const capped = await listTarStream(createReadStream(file), '', all.length - 1);
    expect(capped).toEqual({ unavailable: `the layer has more than ${all.length - 1} entries, more than a listing may hold` });
    expect('entries' in (await listTarStream(createReadStream(file), '', all.length))).toBe(true);
  });

  it('normalises paths as the contract says', () => {
    expect(['./', '.', './a/', '/a/b', 'a//', '././x'].map(normalizeEntryPath)).toEqual(['.', '.', 'a', 'a/b', 'a', 'x']);
  });
});
