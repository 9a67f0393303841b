/**
 * The tar reader on archives GNU tar wrote (fixtures/oci/*.tar, `tar --format=gnu|pax`), and on
 * those archives with one header made hostile: a long-name or pax header claiming 1 GiB must be
 * refused from its header alone, while the stream is still being fed (issue 10).
 */
import { fixtureBytes } from '../../../test/support/package-indexes.js';
import { MAX_META_BYTES, readTarFiles, TarFormatError, TarParser, type TarEntry } from './tar.js';

const LONG_DIR = `d/${'very-long-directory-name-'.repeat(5)}/`;

/** Offset of the first header with this typeflag (headers sit on 512-byte blocks). */
function headerOffset(tar: Buffer, typeflag: string): number {
  for (let at = 0; at + 512 <= tar.length; ) {
    const size = parseInt(tar.toString('latin1', at + 124, at + 136).replace(/\0.*$/, '').trim() || '0', 8);
    if (String.fromCharCode(tar[at + 156] ?? 0) === typeflag) return at;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`no ${typeflag} header in the fixture`);
}

/** The header at `at` with a new size field and a checksum that matches it again. */
function withClaimedSize(tar: Buffer, at: number, size: number): Buffer {
  const header = Buffer.from(tar.subarray(at, at + 512));
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  header.fill(0x20, 148, 156);
  const sum = header.reduce((total, byte) => total + byte, 0);
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return header;
}

/** Feeds the archive's blocks before `at`, the hostile header, then 1 GiB of filler, 64 KiB at a time; returns the error and how much was fed. */
function feedHostile(tar: Buffer, at: number, claimed: number): { error: unknown; fed: number } {
  const parser = new TarParser({ entry: () => undefined });
  const filler = Buffer.alloc(64 * 1024, 0x61);
  let fed = 0;
  try {
    parser.write(tar.subarray(0, at));
    fed += at;
    parser.write(withClaimedSize(tar, at, claimed));
    fed += 512;
    while (fed < at + 512 + claimed) {
      parser.write(filler);
      fed += filler.length;
    }
    parser.end();
  } catch (error) {
    return { error, fed };
  }
  return { error: null, fed };
}

describe('TarParser', () => {
  it.each(['gnu-long-name.tar', 'pax-long-name.tar'])('reads the long names, link and sizes GNU tar wrote to %s', (name) => {
    const entries: TarEntry[] = [];
    const parser = new TarParser({ entry: (entry) => void entries.push(entry) });
    parser.write(fixtureBytes(`oci/${name}`));
    parser.end();
    expect(entries.map((e) => [e.name.replace(/\/$/, ''), e.type, e.size, e.linkname])).toEqual([
      ['d', 'dir', 0, ''],
      ['d/link', 'symlink', 0, 'short.txt'],
      ['d/short.txt', 'file', 6, ''],
      [LONG_DIR.replace(/\/$/, ''), 'dir', 0, ''],
      [`${LONG_DIR}file-with-a-long-name.txt`, 'file', 6, ''],
    ]);
  });

  it.each([
    ['gnu-long-name.tar', 'L', 'GNU long-name'],
    ['pax-long-name.tar', 'x', 'pax extended'],
  ])('refuses a %s header claiming 1 GiB before buffering any of it', (name, typeflag, what) => {
    const tar = fixtureBytes(`oci/${name}`);
    const at = headerOffset(tar, typeflag);
    const { error, fed } = feedHostile(tar, at, 1024 ** 3);
    expect(error).toBeInstanceOf(TarFormatError);
    expect((error as Error).message).toBe(`the ${what} header at byte ${at} claims ${1024 ** 3} bytes, more than the ${MAX_META_BYTES} allowed`);
    // Thrown on the header itself: not one block of the claimed content was taken in.
    expect(fed).toBe(at);
  });

  it('still reads a long-name header at the cap', () => {
    const tar = fixtureBytes('oci/gnu-long-name.tar');
    const at = headerOffset(tar, 'L');
    const name = `${'n/'.repeat(MAX_META_BYTES / 2 - 1)}x`;
    const body = Buffer.alloc(MAX_META_BYTES);
    body.write(name);
    const entries: TarEntry[] = [];
    const parser = new TarParser({ entry: (entry) => void entries.push(entry) });
    parser.write(Buffer.concat([withClaimedSize(tar, at, MAX_META_BYTES), body, tar.subarray(at + 1024)]));
    parser.end();
    expect(entries[0]?.name).toBe(name);
  });

  it('readTarFiles refuses an archive cut inside an entry instead of returning a shorter file', () => {
    const tar = fixtureBytes('oci/gnu-long-name.tar');
    const content = headerOffset(tar, '0') + 512;
    expect(() => readTarFiles(tar.subarray(0, content + 3))).toThrow(TarFormatError);
    expect(readTarFiles(tar).map((f) => [f.name, f.data.toString()])).toEqual([
      ['d/short.txt', 'plain\n'],
      [`${LONG_DIR}file-with-a-long-name.txt`, 'hello\n'],
    ]);
  });
});
