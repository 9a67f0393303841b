import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { archiveKey, signedInRelease } from '../../../../test/support/package-indexes.js';
import { mutationOf } from '../../../../test/support/mutations.js';
import { loadKeyring, parseRelease, verifyInRelease } from './inrelease.js';

/** Mutation fuzzing of InRelease reading: the clearsigned file and the Release text inside it, as values, never exceptions. */
const real = readFileSync(new URL('../../../../fixtures/apt/debian-bookworm-security.InRelease', import.meta.url));

describe('InRelease under mutation', () => {
  test('a mutated Release text is read or refused as a value', () => {
    fc.assert(
      fc.property(mutationOf([real], 1 << 17), (text) => {
        const read = parseRelease(text.toString('utf8'));
        if (read.ok) for (const entry of read.release.files.values()) expect(Number.isSafeInteger(entry.size) && /^[0-9a-f]{64}$/.test(entry.sha256)).toBe(true);
        else expect(typeof read.message).toBe('string');
      }),
      { numRuns: 800 },
    );
  });

  test('a mutated clearsigned InRelease is refused as a value, or verifies only when its signed text is intact', async () => {
    const signed = Buffer.from(await signedInRelease('sid', { 'main/binary-amd64/Packages.gz': gzipSync('Package: a\nVersion: 1\n') }));
    const keyring = await loadKeyring((await archiveKey()).keyringPath);
    if (!keyring.ok) throw new Error(keyring.message);
    const original = await verifyInRelease(signed.toString('utf8'), keyring.keys);
    if (!original.ok) throw new Error(original.message);
    await fc.assert(
      fc.asyncProperty(mutationOf([signed], 1 << 16), async (text) => {
        const read = await verifyInRelease(text.toString('utf8'), keyring.keys);
        if (!read.ok) return expect(typeof read.message).toBe('string');
        // A mutation that still verifies touched only what the signature does not cover (armor whitespace, headers).
        expect(read.release).toEqual(original.release);
      }),
      { numRuns: 300 },
    );
  });
});
