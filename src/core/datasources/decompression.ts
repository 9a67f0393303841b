import { gunzipSync } from 'node:zlib';
import { formatBytes } from './http-fetcher.js';

/**
 * How far downloaded archives may expand. A 1 MB gzip bomb grows to a gigabyte, so every
 * decompression of outside bytes has an output cap: the smaller of an absolute size and a ratio
 * of the input (real indexes and sdists compress 3–10×; bombs 1000× and more), never below a
 * floor so tiny inputs still work.
 */
export interface DecompressionLimits {
  maxBytes: number;
  maxRatio: number;
  floorBytes: number;
}

const MIB = 1024 * 1024;

/** APKINDEX.tar.gz and Debian/Ubuntu Packages.{gz,xz}: Ubuntu's universe index is ~60 MiB of text. */
export const INDEX_DECOMPRESSION: DecompressionLimits = { maxBytes: 128 * MIB, maxRatio: 20, floorBytes: 1 * MIB };
/** An sdist read for its PKG-INFO. */
export const SDIST_DECOMPRESSION: DecompressionLimits = { maxBytes: 64 * MIB, maxRatio: 50, floorBytes: 1 * MIB };

/** The output cap for `inputBytes` of compressed input. */
export function decompressionCap(inputBytes: number, limits: DecompressionLimits): number {
  return Math.min(limits.maxBytes, Math.max(limits.floorBytes, inputBytes * limits.maxRatio));
}

/** gunzip with zlib's `maxOutputLength`, so output over the cap is never allocated. Messages continue a sentence naming the file. */
export function gunzipCapped(input: Uint8Array, limits: DecompressionLimits, notGzip = 'is not valid gzip'): { ok: true; data: Buffer } | { ok: false; message: string } {
  const cap = decompressionCap(input.length, limits);
  try {
    return { ok: true, data: gunzipSync(input, { maxOutputLength: cap }) };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      return { ok: false, message: `decompresses to more than ${formatBytes(cap)}, the limit for ${formatBytes(input.length)} of gzip (a decompression bomb?)` };
    }
    return { ok: false, message: `${notGzip}: ${(error as Error).message}` };
  }
}
