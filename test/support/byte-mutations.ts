/**
 * Mutation fuzzing of binary readers (issue 10, item 9): a valid input with a few bytes flipped,
 * cut off, inserted or overwritten, as fast-check arbitraries. A reader given any of these must
 * return a result or throw its own error type, never another exception, and stay within its caps.
 */
import fc from 'fast-check';

export type ByteMutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array };

/** Positions are fractions of the input's length, so one arbitrary serves inputs of any size. */
const position = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

export const byteMutation: fc.Arbitrary<{ kind: ByteMutation['kind']; where: number; mask: number; bytes: Uint8Array }> = fc.record({
  kind: fc.constantFrom('flip', 'flip', 'truncate', 'insert', 'overwrite'),
  where: position,
  mask: fc.integer({ min: 1, max: 255 }),
  // Digits and NULs too: the numeric fields of tar and zip headers are where readers go wrong.
  bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.stringMatching(/^[0-7\0 ]{1,12}$/).map((s) => Buffer.from(s, 'latin1')), fc.constant(Buffer.from([0xff, 0xff, 0xff, 0xff]))),
});

/** One to four mutations of `valid`, applied in order. */
export function mutationsOf(valid: Uint8Array): fc.Arbitrary<Buffer> {
  return fc.array(byteMutation, { minLength: 1, maxLength: 4 }).map((mutations) => {
    let bytes = Buffer.from(valid);
    for (const m of mutations) {
      const at = Math.floor(m.where * bytes.length);
      if (m.kind === 'flip' && bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ m.mask;
      else if (m.kind === 'truncate') bytes = bytes.subarray(0, at);
      else if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
      else if (m.kind === 'overwrite') bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at + m.bytes.length)]);
    }
    return bytes;
  });
}
