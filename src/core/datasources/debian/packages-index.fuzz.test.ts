import fc from 'fast-check';
import { fixtureText } from '../../../../test/support/package-indexes.js';
import { mutationOf } from '../../../../test/support/mutations.js';
import { parsePackagesIndex } from './packages-index.js';

/** Mutation fuzzing of the Packages reader, seeded with the fixtures: stanzas of strings, never an exception. */
const seeds = ['debian-bookworm-main-amd64', 'ubuntu-noble-main-amd64', 'debian-bookworm-main-i386'].map((name) => Buffer.from(fixtureText(`apt/${name}.Packages`)));

test('mutated Packages text gives stanzas of strings, never an exception', () => {
  fc.assert(
    fc.property(mutationOf(seeds, 1 << 18), (text) => {
      for (const list of parsePackagesIndex(text.toString('utf8')).values()) for (const p of list) expect([typeof p.name, typeof p.version, typeof p.architecture]).toEqual(['string', 'string', 'string']);
    }),
    { numRuns: 1500 },
  );
});
