import { gzipSync } from 'node:zlib';
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

test('an APKINDEX gzip bomb is an index error', () => {
  const parsed = parseApkIndexArchive(bomb);
  expect(!parsed.ok && parsed.message).toContain('decompresses to more than 1 MiB');
});

test('gzip that is not gzip keeps the caller\'s sentence', () => {
  expect(gunzipCapped(Buffer.from('plain text'), INDEX_DECOMPRESSION, 'is not a gzip file')).toEqual({ ok: false, message: 'is not a gzip file: incorrect header check' });
});
