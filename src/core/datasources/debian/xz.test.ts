import fc from 'fast-check';
import { fixtureBytes, fixtureText } from '../../../../test/support/package-indexes.js';
import { crc32, decompressXz, XzError } from './xz.js';

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
