import fc from 'fast-check';

/**
 * Mutation fuzzing: a real-shaped file with a few random edits (insert, delete, duplicate, swap
 * lines), so the fuzzer spends its runs near valid input, where parsers have the most states,
 * instead of on noise they reject at the first byte. `maxLength` is the cap the reader is
 * fuzzed within.
 */
export function mutationsOf(seeds: readonly string[], fragments: readonly string[], maxLength = 4096): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...fragments), fc.string({ unit: 'binary', maxLength: 8 })) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 80 }) }),
    fc.record({ kind: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 8 })).map(([seed, edits]) => {
    let text = seed;
    for (const e of edits) {
      const at = text.length === 0 ? 0 : ('at' in e ? e.at % (text.length + 1) : 0);
      if (e.kind === 'insert') text = text.slice(0, at) + e.text + text.slice(at);
      else if (e.kind === 'delete') text = text.slice(0, at) + text.slice(at + e.length);
      else if (e.kind === 'duplicate') text = text.slice(0, at + e.length) + text.slice(at, at + e.length) + text.slice(at + e.length);
      else {
        const lines = text.split('\n');
        const a = e.a % lines.length;
        const b = e.b % lines.length;
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        text = lines.join('\n');
      }
    }
    return text.slice(0, maxLength);
  });
}
