import { mappedText, splitShellCommands } from './command-line.js';
import { isSortedList, rewritePackageLists, slotAddressOf, slotContext, sortedListWrites, type ListSlot } from './package-list.js';

/** The words after `install` of the first command, as list slots keyed by their value. */
function slotsOf(text: string, skip = 2): ListSlot[] {
  return splitShellCommands(mappedText(text)).flatMap((c) => c.words.slice(skip)).filter((w) => !w.value.startsWith('-')).map((word) => ({ word, key: word.value }));
}

describe('package lists', () => {
  test('slot i receives the i-th package in sorted order; flags and separators stay', () => {
    const text = 'apk add --no-cache zlib \\\n    --virtual .x  curl\tbash';
    const slots = slotsOf(text).filter((s) => s.key !== '.x');
    expect(isSortedList(slots)).toBe(false);
    const out = rewritePackageLists(text, [slots], [{ list: 0, slot: 1, text: 'curl=8.12.1-r0', matches: (s) => s.key === 'curl' }]);
    expect(out).toBe('apk add --no-cache bash \\\n    --virtual .x  curl=8.12.1-r0\tzlib');
  });

  test('a list without a pin is left alone, and so is a sorted one', () => {
    const text = 'apt-get install b a';
    expect(rewritePackageLists(text, [slotsOf(text)], [])).toBe(text);
    expect(sortedListWrites(slotsOf('apt-get install a b'), (s) => s.word.raw)).toEqual([]);
  });

  test('an address whose word changed is ignored', () => {
    const text = 'apk add b a';
    expect(rewritePackageLists(text, [slotsOf(text)], [{ list: 0, slot: 0, text: 'x=1', matches: (s) => s.key === 'x' }])).toBe(text);
  });

  test('a word without a span is written in place and the list is not sorted', () => {
    const source = { text: 'apk add zz a', offsets: [0, 1, 2, 3, 4, 5, 6, 7, 8, 20, 10, 11] };
    const slots = splitShellCommands(source)[0]!.words.slice(2).map((word) => ({ word, key: word.value }));
    const out = rewritePackageLists('apk add zz a', [slots], [{ list: 0, slot: 1, text: 'a=1', matches: () => true }]);
    expect(out).toBe('apk add zz a=1');
  });

  test('addresses round-trip through reference context', () => {
    expect(slotAddressOf(slotContext({ list: 3, slot: 0 }))).toEqual({ list: 3, slot: 0 });
    expect(slotAddressOf({ branch: 'v3.20' })).toBeNull();
    expect(slotAddressOf(undefined)).toBeNull();
  });
});
