import { createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { APK_TEST_KEY, apkIndexArchive, fixtureText } from '../../../../test/support/package-indexes.js';
import { mutationOf } from '../../../../test/support/mutations.js';
import { verifyApkIndexSignature } from './apk-signature.js';
import { parseApkIndex, parseApkIndexArchive } from './apkindex.js';

/** Mutation fuzzing of the APKINDEX reader: the signed archive and the index text, seeded with the fixtures. */
const KEYS = new Map([[APK_TEST_KEY.name, createPublicKey(APK_TEST_KEY.publicKeyPem)]]);
const texts = ['apk/v3.20-main-x86_64.APKINDEX', 'apk/v3.20-community-x86_64.APKINDEX'].map((path) => fixtureText(path));

describe('APKINDEX under mutation', () => {
  test('a mutated signed archive is read or refused as a value; a mutation the signature covers is always refused', () => {
    const archives = texts.map((text) => apkIndexArchive(text));
    const signedParts = archives.map((archive) => {
      const signed = verifyApkIndexSignature(archive, KEYS);
      if (!signed.ok) throw new Error(signed.message);
      return signed.signed;
    });
    fc.assert(
      fc.property(mutationOf(archives, 1 << 18), (archive) => {
        const parsed = parseApkIndexArchive(archive, KEYS);
        if (!parsed.ok) return expect(typeof parsed.message).toBe('string');
        // Only an archive whose signed part is untouched verifies (the signature member itself is
        // not signed: a mutation of its gzip header or tar padding may still verify).
        expect(signedParts.some((signed) => archive.subarray(archive.length - signed.length).equals(signed))).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  test('mutated index text gives records of strings, never an exception', () => {
    fc.assert(
      fc.property(mutationOf(texts.map((t) => Buffer.from(t)), 1 << 18), (text) => {
        for (const p of parseApkIndex(text.toString('utf8')).values()) expect([typeof p.name, typeof p.version]).toEqual(['string', 'string']);
      }),
      { numRuns: 1500 },
    );
  });
});
