import fc from 'fast-check';
import { fixtureBytes, fixtureText } from '../../../../test/support/package-indexes.js';
import { crc32, decompressXz, decompressXzAsync, XzError } from './xz.js';

const source = fixtureText('apt/debian-bookworm-main-amd64.Packages');

describe('decompressXz', () => {
  // Made with xz 5.4 from fixtures/apt/debian-bookworm-main-amd64.Packages (see fixtures/apt/README.md).
  test.each([
    ['main.crc32.xz', 'CRC32 check'],
    ['main.sha256.xz', 'SHA-256 check'],
    ['main.none-9e.xz', 'no check, preset -9e'],
    ['main.blocks.xz', 'five blocks'],
    ['main.lp2.xz', 'lc=0 lp=2 pb=0'],
    ['main.preset0.xz', 'preset -0'],
  ])('%s (%s) decompresses to the original text', (name) => {
    expect(decompressXz(fixtureBytes(`apt/xz/${name}`)).toString('utf8')).toBe(source);
  });

  test('the Packages.xz fixtures served as Debian -updates and -security decompress to their text', () => {
    for (const name of ['debian-bookworm-security-main-amd64', 'debian-bookworm-updates-main-amd64']) {
      expect(decompressXz(fixtureBytes(`apt/${name}.Packages.xz`)).toString('utf8')).toBe(fixtureText(`apt/${name}.Packages`));
    }
  });

  test('concatenated streams with stream padding decompress to the concatenation', () => {
    const one = fixtureBytes('apt/xz/main.crc32.xz');
    expect(decompressXz(Buffer.concat([one, Buffer.alloc(8), fixtureBytes('apt/xz/main.sha256.xz')])).toString('utf8')).toBe(source + source);
  });

  test('a corrupt byte in the compressed data is caught by the check', () => {
    const corrupt = Buffer.from(fixtureBytes('apt/xz/main.crc32.xz'));
    const middle = corrupt.length >> 1;
    corrupt.writeUInt8(corrupt.readUInt8(middle) ^ 0x40, middle);
    expect(() => decompressXz(corrupt)).toThrow(XzError);
  });

  test('truncated or foreign input is an XzError, never another exception', () => {
    const whole = fixtureBytes('apt/xz/main.blocks.xz');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: whole.length - 1 }).map((n) => whole.subarray(0, n))), (bytes) => {
        try {
          decompressXz(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(XzError);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('crc32 is the IEEE CRC', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('hostile xz', () => {
  // 64 MiB of zeros compressed with `xz -9 --check=crc32`: under 10 KB that claims 64 MiB.
  const bomb = fixtureBytes('apt/xz/bomb-64MiB-zeros.xz');

  test('output past the cap is an XzError naming the limit, before it is allocated', () => {
    expect(() => decompressXz(bomb, { maxOutputBytes: 1 << 20 })).toThrow(new XzError(`xz data decompresses to more than ${1 << 20} bytes, the limit`));
  });

  test('the async decoder gives the event loop turns between LZMA2 chunks and honours the cap', async () => {
    let turns = 0;
    const ticking = setInterval(() => (turns += 1), 0);
    try {
      await expect(decompressXzAsync(bomb, { maxOutputBytes: 16 << 20 })).rejects.toThrow(`xz data decompresses to more than ${16 << 20} bytes, the limit`);
    } finally {
      clearInterval(ticking);
    }
    // 16 MiB is eight 2 MiB chunks at least; a decoder that never yielded would leave no turn to the timer.
    expect(turns).toBeGreaterThan(0);
  });

  test('the async decoder gives the same bytes as the sync one', async () => {
    const input = fixtureBytes('apt/xz/main.blocks.xz');
    expect((await decompressXzAsync(input)).equals(decompressXz(input))).toBe(true);
  });

  test('mutated xz files give the text, or an XzError, never another exception nor output past the cap', () => {
    const seeds = ['main.blocks.xz', 'main.crc32.xz', 'main.lp2.xz', 'main.none-9e.xz'].map((name) => fixtureBytes(`apt/xz/${name}`));
    const cap = 256 * 1024;
    const mutation = fc.record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('set', 'insert', 'delete') }), { minLength: 1, maxLength: 6 }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        let bytes = Array.from(seeds[seed]!);
        for (const { at, value, kind } of edits) {
          const i = at % (bytes.length + 1);
          if (kind === 'set' && i < bytes.length) bytes[i] = value;
          else if (kind === 'insert') bytes.splice(i, 0, value);
          else bytes.splice(i, 1);
        }
        bytes = bytes.slice(0, 1 << 20);
        try {
          const out = decompressXz(Uint8Array.from(bytes), { maxOutputBytes: cap });
          expect(out.length).toBeLessThanOrEqual(cap);
        } catch (error) {
          expect(error).toBeInstanceOf(XzError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
