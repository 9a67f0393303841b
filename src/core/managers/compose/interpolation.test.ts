import fc from 'fast-check';
import { interpolate } from './interpolation.js';

const env = new Map<string, string | null>([['SET', 'v'], ['EMPTY', ''], ['OPAQUE', null]]);
const valueOf = (name: string) => (env.has(name) ? env.get(name)! : undefined);

describe('compose interpolation', () => {
  test.each([
    ['${SET}', { value: 'v' }],
    ['${EMPTY:-d}', { value: 'd' }],
    ['${EMPTY-d}', { value: '' }],
    ['${UNSET:-${SET}x}', { value: 'vx' }],
    ['${SET:+alt}', { value: 'alt' }],
    ['${UNSET+alt}', { value: '' }],
    ['a$$b', { value: 'a$b' }],
  ])('%s', (text, expected) => expect(interpolate(text, valueOf)).toEqual(expected));

  test('what compose would take from its environment, or cannot know, is unknown with the reason', () => {
    expect(interpolate('$UNSET/x', valueOf)).toEqual({ unknown: expect.stringContaining('UNSET is not set and has no default') });
    expect(interpolate('${OPAQUE:-d}', valueOf)).toEqual({ unknown: 'OPAQUE is not known statically' });
    expect(interpolate('${UNSET:?needed}', valueOf)).toEqual({ unknown: expect.stringContaining('must be set') });
    expect(interpolate('${SET', valueOf)).toEqual({ unknown: expect.stringContaining('never closed') });
  });

  test('never throws, and text without a $ is itself', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('$', '{', '}', ':', '-', '+', '?', 'S', 'E', 'T', 'x') }), (text) => {
      const result = interpolate(text, valueOf);
      if (!text.includes('$')) expect(result).toEqual({ value: text });
    }));
  });
});
