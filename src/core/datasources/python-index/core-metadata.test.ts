import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildWheel, coreMetadata, tar, zip } from '../../../../test/pip/support/distributions.js';
import { gzipSync } from 'node:zlib';
import { parseCoreMetadata, readSdistMetadata, readWheelMetadata } from './core-metadata.js';

const run = promisify(execFile);
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

describe('core metadata', () => {
  test('reads the header fields, repeated ones in order, and stops at the description', () => {
    const metadata = parseCoreMetadata(coreMetadata({ name: 'Top_Pkg', version: '1.0', requiresPython: '>=3.8', requires: ['mid>=1', 'fast; extra == "speed"'], extras: ['speed'] }));
    expect(metadata).toEqual({ metadataVersion: '2.1', name: 'Top_Pkg', version: '1.0', requiresPython: '>=3.8', requiresDist: ['mid>=1', 'fast; extra == "speed"'], dynamic: [] });
  });

  test('reads METADATA from a wheel that Python’s own zipfile wrote (stored and deflated members)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'repro-pins-wheel-'));
    try {
      const path = join(dir, 'made_by_python-2.0-py3-none-any.whl');
      const script = [
        'import sys, zipfile',
        'with zipfile.ZipFile(sys.argv[1], "w") as z:',
        '    z.writestr("made_by_python/__init__.py", "x = 1\\n", compress_type=zipfile.ZIP_STORED)',
        '    z.writestr("made_by_python-2.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: made-by-python\\nVersion: 2.0\\nRequires-Dist: leaf (<2)\\n", compress_type=zipfile.ZIP_DEFLATED)',
        '    z.writestr("made_by_python-2.0.dist-info/WHEEL", "Wheel-Version: 1.0\\n", compress_type=zipfile.ZIP_DEFLATED)',
        '    z.comment = b"a zip comment moves the end record"',
      ].join('\n');
      await run(python, ['-c', script, path]);
      const read = readWheelMetadata(await readFile(path), 'made-by-python');
      expect(read.ok && parseCoreMetadata(read.text).requiresDist).toEqual(['leaf (<2)']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('reads a zip64 archive (more than 65535 members, as Python writes it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'repro-pins-wheel-'));
    try {
      const path = join(dir, 'many-1.0-py3-none-any.whl');
      const script = [
        'import sys, zipfile',
        'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:',
        '    for i in range(70000): z.writestr("many/m%d" % i, "")',
        '    z.writestr("many-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: many\\nVersion: 1.0\\n", compress_type=zipfile.ZIP_DEFLATED)',
      ].join('\n');
      await run(python, ['-c', script, path]);
      const read = readWheelMetadata(await readFile(path), 'many');
      expect(read.ok && parseCoreMetadata(read.text).version).toBe('1.0');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('picks the project’s own .dist-info, and says what is wrong with a broken wheel', () => {
    const wheel = buildWheel({ name: 'pkg', version: '1.0', requires: ['a'] });
    expect(readWheelMetadata(wheel.bytes, 'pkg')).toEqual({ ok: true, text: wheel.metadata });
    expect(readWheelMetadata(Buffer.from('not a zip'), 'pkg')).toEqual({ ok: false, message: 'is not a zip file (no end of central directory record)' });
    expect(readWheelMetadata(zip([['pkg/__init__.py', '']]), 'pkg')).toEqual({ ok: false, message: 'is a wheel without a .dist-info/METADATA file' });
    expect(readWheelMetadata(wheel.bytes.subarray(0, wheel.bytes.length - 30), 'pkg').ok).toBe(false);
  });

  test('reads PKG-INFO from an sdist in .tar.gz and .zip, and says when there is none', () => {
    const pkgInfo = 'Metadata-Version: 2.2\nName: s\nVersion: 1\nRequires-Dist: b\n';
    const longDir = `s-1-${'x'.repeat(120)}`;
    const tarGz = gzipSync(tar([[`s-1/setup.py`, ''], ['s-1/PKG-INFO', pkgInfo]]));
    expect(readSdistMetadata(tarGz, 's-1.tar.gz')).toEqual({ ok: true, text: pkgInfo });
    expect(readSdistMetadata(zip([['s-1/PKG-INFO', pkgInfo]]), 's-1.zip')).toEqual({ ok: true, text: pkgInfo });
    expect(readSdistMetadata(gzipSync(tar([[`${longDir.slice(0, 90)}/setup.py`, '']])), 's-1.tar.gz')).toEqual({ ok: false, message: 'is an sdist without PKG-INFO' });
    expect(readSdistMetadata(Buffer.from('plain'), 's-1.tar.gz').ok).toBe(false);
    expect(readSdistMetadata(Buffer.from(''), 's-1.tar.bz2')).toEqual({ ok: false, message: expect.stringContaining('only .tar.gz and .zip') });
  });
});
