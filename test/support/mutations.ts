import fc from 'fast-check';

/**
 * Mutation fuzzing: a real input (a fixture, a served index, an archive) with a few random edits —
 * a byte changed, a run deleted, bytes inserted or overwritten (random, a dictionary fragment, or
 * header-field digits), a run repeated, two lines swapped — so the inputs stay close to what a
 * parser accepts and reach deep into it, as AFL-style mutators with a dictionary do. Edits keep
 * the result under `maxLength`, the cap the parser is fuzzed within.
 */
type Edit =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'repeat'; at: number; length: number; times: number }
  | { kind: 'swap-lines'; at: number; other: number };

/** Octal digits, NULs and all-ones: the numeric fields of tar and zip headers are where binary readers go wrong. */
const headerFieldBytes = fc.oneof(fc.stringMatching(/^[0-7\0 ]{1,12}$/).map((s) => Buffer.from(s, 'latin1')), fc.constant(Buffer.from([0xff, 0xff, 0xff, 0xff])));

function editsWith(dictionary: readonly string[]): fc.Arbitrary<Edit> {
  const pieces = [fc.uint8Array({ minLength: 1, maxLength: 16 }), headerFieldBytes];
  if (dictionary.length > 0) pieces.push(fc.constantFrom(...dictionary).map((text) => Buffer.from(text)));
  const bytes = fc.oneof(...pieces);
  return fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes }),
    fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 80 }), times: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), other: fc.nat() }),
  );
}

function swapLines(bytes: Buffer, a: number, b: number): Buffer {
  const lines = bytes.toString('latin1').split('\n');
  const i = a % lines.length;
  const j = b % lines.length;
  [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  return Buffer.from(lines.join('\n'), 'latin1');
}

function apply(seed: Buffer, edits: Edit[], maxLength: number): Buffer {
  let bytes: Buffer = Buffer.from(seed);
  for (const e of edits) {
    const at = bytes.length === 0 ? 0 : e.at % bytes.length;
    if (e.kind === 'set' && bytes.length > 0) bytes.writeUInt8(e.byte, at);
    else if (e.kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + e.length)]);
    else if (e.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(e.bytes), bytes.subarray(at)]);
    else if (e.kind === 'overwrite') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(e.bytes), bytes.subarray(at + e.bytes.length)]);
    else if (e.kind === 'repeat') {
      const run = bytes.subarray(at, at + e.length);
      bytes = Buffer.concat([bytes.subarray(0, at), ...Array<Buffer>(e.times + 1).fill(run), bytes.subarray(at + e.length)]);
    } else if (e.kind === 'swap-lines') bytes = swapLines(bytes, e.at, e.other);
    if (bytes.length > maxLength) bytes = bytes.subarray(0, maxLength);
  }
  return bytes;
}

/** One of `seeds`, mutated by one to eight edits; `dictionary` holds tokens of the format to splice in. */
export function mutationOf(seeds: readonly Buffer[], maxLength = 1 << 20, dictionary: readonly string[] = []): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(editsWith(dictionary), { minLength: 1, maxLength: 8 })).map(([i, edits]) => apply(seeds[i]!, edits, maxLength));
}

/** The same mutations for text readers, with the format's tokens (`FROM `, `\\\n`, `--hash=`) as the dictionary. */
export function mutationsOf(seeds: readonly string[], fragments: readonly string[], maxLength = 4096): fc.Arbitrary<string> {
  return mutationOf(seeds.map((seed) => Buffer.from(seed)), maxLength, fragments).map((bytes) => bytes.toString('utf8'));
}
