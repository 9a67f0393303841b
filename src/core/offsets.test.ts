import fc from 'fast-check';
import { firstPlaced, OffsetRuns, OffsetsBuilder, type Offsets } from './offsets.js';

const all = (offsets: Offsets) => Array.from({ length: offsets.length }, (_, i) => offsets.at(i));

describe('offset runs', () => {
  test('a joined continuation is two runs with a gap between them', () => {
    const built = new OffsetsBuilder();
    built.add(10, 4);
    built.add(-1, 1);
    built.add(20, 3);
    const offsets = built.build();
    expect(all(offsets)).toEqual([10, 11, 12, 13, -1, 20, 21, 22]);
    expect(all(offsets.slice(3, 7))).toEqual([13, -1, 20, 21]);
    expect(offsets.at(8)).toBeUndefined();
    expect(firstPlaced(offsets.slice(4))).toBe(20);
    expect(all(OffsetRuns.constant(7, 3))).toEqual([7, 7, 7]);
  });

  test('read as a plain array of the same offsets would be, at every index and slice', () => {
    const piece = fc.record({ file: fc.integer({ min: -1, max: 500 }), count: fc.integer({ min: 0, max: 6 }), step: fc.constantFrom(0 as const, 1 as const) });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.integer({ min: -3, max: 40 }), fc.integer({ min: -3, max: 40 }), (pieces, start, end) => {
        const built = new OffsetsBuilder();
        const expected: number[] = [];
        for (const { file, count, step } of pieces) {
          built.add(file, count, step);
          for (let i = 0; i < count; i++) expected.push(file < 0 ? -1 : file + step * i);
        }
        const offsets = built.build();
        expect(all(offsets)).toEqual(expected);
        expect(all(offsets.slice(start, end))).toEqual(expected.slice(start, end));
        // reading backwards defeats the sequential cache
        for (let i = expected.length - 1; i >= 0; i--) expect(offsets.at(i)).toBe(expected[i]);
      }),
    );
  });
});
