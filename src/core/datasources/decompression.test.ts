import { createPublicKey, sign } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { APK_TEST_KEY, tarArchive } from '../../../test/support/package-indexes.js';
import { parseApkIndexArchive } from './alpine/apkindex.js';
import { decompressionCap, gunzipCapped, INDEX_DECOMPRESSION, SDIST_DECOMPRESSION } from './decompression.js';
import { readSdistMetadata } from './python-index/core-metadata.js';

// 8 MiB of zeros gzip to about 8 KB: a ratio no real index or sdist has.
const bomb = gzipSync(Buffer.alloc(8 << 20));

test('the cap is the smaller of the absolute size and the ratio, never below the floor', () => {
  expect(decompressionCap(100, INDEX_DECOMPRESSION)).toBe(1 << 20);
  expect(decompressionCap(1 << 20, INDEX_DECOMPRESSION)).toBe(20 << 20);
  expect(decompressionCap(100 << 20, INDEX_DECOMPRESSION)).toBe(128 << 20);
});

test('a gzip bomb stops at the cap with a sentence naming it', () => {
  expect(gunzipCapped(bomb, SDIST_DECOMPRESSION)).toEqual({ ok: false, message: `decompresses to more than 1 MiB, the limit for ${bomb.length} bytes of gzip (a decompression bomb?)` });
});

test('an sdist gzip bomb is a metadata error, not gigabytes in memory', () => {
  const read = readSdistMetadata(bomb, 'evil-1.0.tar.gz');
  expect(read.ok).toBe(false);
  expect(!read.ok && read.message).toContain('decompresses to more than 1 MiB');
});

test('a validly signed APKINDEX gzip bomb is still an index error', () => {
  // Signed by a trusted key: the cap holds even for a mirror whose key signed the bomb.
  const signature = sign('sha1', bomb, APK_TEST_KEY.privateKey);
  const archive = Buffer.concat([gzipSync(tarArchive([{ name: `.SIGN.RSA.${APK_TEST_KEY.name}`, data: signature }], { endOfArchive: false })), bomb]);
  const parsed = parseApkIndexArchive(archive, new Map([[APK_TEST_KEY.name, createPublicKey(APK_TEST_KEY.publicKeyPem)]]));
  expect(!parsed.ok && parsed.message).toContain('decompresses to more than 1 MiB');
});

test('gzip that is not gzip keeps the caller\'s sentence', () => {
  expect(gunzipCapped(Buffer.from('plain text'), INDEX_DECOMPRESSION, 'is not a gzip file')).toEqual({ ok: false, message: 'is not a gzip file: incorrect header check' });
});
