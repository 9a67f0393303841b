/**
 * Mutation fuzzing of the tar reader on archives GNU tar wrote: whatever bytes it is fed, it
 * returns entries or throws TarFormatError, gives the same answer however the stream is chunked,
 * and never yields more than it was given (names within the long-name cap).
 */
import fc from 'fast-check';
import { mutationOf } from '../../../test/support/mutations.js';
import { fixtureBytes } from '../../../test/support/package-indexes.js';
import { MAX_META_BYTES, readTarFiles, TarFormatError, TarParser, type TarEntry } from './tar.js';

/** The archive up to its end-of-archive blocks: mutations of the record's zero padding would test nothing. */
function withoutPadding(tar: Buffer): Buffer {
  let end = tar.length;
  while (end >= 512 && tar.subarray(end - 512, end).every((b) => b === 0)) end -= 512;
  return tar.subarray(0, end + 1024);
}

const fixtures = ['gnu-long-name.tar', 'pax-long-name.tar'].map((name) => withoutPadding(fixtureBytes(`oci/${name}`)));
const mutatedTar = mutationOf(fixtures);

type Outcome = { entries: Omit<TarEntry, 'dataOffset'>[]; content: number } | { error: string };

/** Parses `bytes` fed in pieces cut at `cuts`; only TarFormatError may come out. */
function parse(bytes: Buffer, cuts: number[]): Outcome {
  const entries: Omit<TarEntry, 'dataOffset'>[] = [];
  let content = 0;
  const parser = new TarParser({
    entry: ({ dataOffset: _offset, ...entry }) => void entries.push(entry),
    data: (chunk) => void (content += chunk.length),
  });
  try {
    let from = 0;
    for (const cut of [...cuts.map((c) => Math.floor(c * bytes.length)).sort((a, b) => a - b), bytes.length]) {
      parser.write(bytes.subarray(from, Math.max(from, cut)));
      from = Math.max(from, cut);
    }
    parser.end();
  } catch (error) {
    if (!(error instanceof TarFormatError)) throw error;
    return { error: error.message };
  }
  return { entries, content };
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });

describe('tar reader under mutation', () => {
  test('only TarFormatError, and never more content or longer names than the input holds', () => {
    fc.assert(
      fc.property(mutatedTar, (bytes) => {
        const outcome = parse(bytes, []);
        if ('error' in outcome) return;
        expect(outcome.content).toBeLessThanOrEqual(bytes.length);
        for (const entry of outcome.entries) {
          expect(Buffer.byteLength(entry.name)).toBeLessThanOrEqual(MAX_META_BYTES);
          expect(Number.isSafeInteger(entry.size) && entry.size >= 0).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('the same answer however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(mutatedTar, cuts, (bytes, at) => {
        expect(parse(bytes, at)).toEqual(parse(bytes, []));
      }),
      { numRuns: 1000 },
    );
  });

  test('readTarFiles returns files inside the input or throws TarFormatError', () => {
    fc.assert(
      fc.property(mutatedTar, (bytes) => {
        let files: { name: string; data: Buffer }[];
        try {
          files = readTarFiles(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(TarFormatError);
          return;
        }
        expect(files.reduce((total, f) => total + f.data.length, 0)).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 1000 },
    );
  });
});
