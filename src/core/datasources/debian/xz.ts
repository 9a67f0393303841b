import { createHash } from 'node:crypto';

/**
 * A decoder for `.xz` files with LZMA2 blocks (https://tukaani.org/xz/xz-file-format.txt), the
 * only compression Debian's `-updates` and `-security` suites serve their Packages indexes in:
 * they list a `Packages.gz` nowhere, and Node's zlib has no xz. The LZMA part follows the
 * reference decoder of the LZMA SDK (`LzmaSpec.cpp`) and xz-embedded's LZMA2 chunk handling.
 * The whole output is kept in memory, so the output itself serves as the dictionary.
 *
 * Hostile input is bounded: the output may not grow past `maxOutputBytes` (45 KB of xz can
 * claim 300 MB), and `decompressXzAsync` yields to the event loop after every LZMA2 chunk (at
 * most 2 MiB of output each), so a large index does not stall the App's other work.
 */

export class XzError extends Error {}

export interface XzLimits {
  /** The most bytes the output may hold; more is an XzError. */
  maxOutputBytes?: number;
}

/** The output cap when the caller names none. */
export const DEFAULT_XZ_MAX_OUTPUT = 128 * 1024 * 1024;

const HEADER_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FILTER_LZMA2 = 0x21;
const CHECK_SIZES: Record<number, number> = { 0: 0, 1: 4, 4: 8, 10: 32 };

/** Decompresses a whole `.xz` file (one or more concatenated streams). Throws XzError on corrupt, unsupported or oversized input. */
export function decompressXz(input: Uint8Array, limits: XzLimits = {}): Buffer {
  const steps = decodeAll(input, limits);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** As `decompressXz`, giving the event loop a turn after every LZMA2 chunk. */
export async function decompressXzAsync(input: Uint8Array, limits: XzLimits = {}): Promise<Buffer> {
  const steps = decodeAll(input, limits);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The decoder as a generator: it yields after each LZMA2 chunk, so a caller may pause there. */
function* decodeAll(input: Uint8Array, limits: XzLimits): Generator<void, Buffer> {
  const out = new Output(limits.maxOutputBytes ?? DEFAULT_XZ_MAX_OUTPUT);
  let at = 0;
  let streams = 0;
  while (at < input.length) {
    // Stream padding: null bytes in multiples of four between and after streams.
    if (streams > 0 && input[at] === 0) {
      while (at < input.length && input[at] === 0) at++;
      continue;
    }
    at = yield* decodeStream(input, at, out);
    streams++;
  }
  if (streams === 0) throw new XzError('empty input is not an xz file');
  return out.result();
}

function* decodeStream(input: Uint8Array, start: number, out: Output): Generator<void, number> {
  const reader = new ByteReader(input, start);
  for (const byte of HEADER_MAGIC) if (reader.byte() !== byte) throw new XzError('not an xz file (bad magic bytes)');
  const flags = reader.bytes(2);
  if (crc32(flags) !== reader.uint32()) throw new XzError('xz stream header is corrupt (CRC32 mismatch)');
  const checkType = flags[1]! & 0x0f;
  if (flags[0] !== 0 || (flags[1]! & 0xf0) !== 0) throw new XzError('xz stream uses flags this decoder does not know');
  const checkSize = CHECK_SIZES[checkType];
  if (checkSize === undefined) throw new XzError(`xz check type ${checkType} is not supported`);
  let blocks = 0;
  for (;;) {
    const headerStart = reader.at;
    const sizeByte = reader.byte();
    if (sizeByte === 0) break; // the index follows
    const headerSize = (sizeByte + 1) * 4;
    const header = input.subarray(headerStart, headerStart + headerSize);
    if (header.length !== headerSize) throw new XzError('xz block header is truncated');
    if (crc32(header.subarray(0, headerSize - 4)) !== new ByteReader(header, headerSize - 4).uint32()) throw new XzError('xz block header is corrupt (CRC32 mismatch)');
    const blockFlags = reader.byte();
    if ((blockFlags & 0x3c) !== 0) throw new XzError('xz block uses flags this decoder does not know');
    if (blockFlags & 0x40) reader.vli();
    if (blockFlags & 0x80) reader.vli();
    const filters = (blockFlags & 0x03) + 1;
    for (let f = 0; f < filters; f++) {
      const id = reader.vli();
      const properties = reader.bytes(reader.vli());
      if (id !== FILTER_LZMA2 || filters !== 1) throw new XzError(`xz filter 0x${id.toString(16)} is not supported (only a single LZMA2 filter is)`);
      // The dictionary size only bounds memory for a streaming decoder; here the output is the dictionary.
      if ((properties[0] ?? 0xff) > 40) throw new XzError('xz LZMA2 dictionary size is invalid');
    }
    reader.at = headerStart + headerSize;
    const blockOutputStart = out.length;
    reader.at = yield* decodeLzma2(input, reader.at, out);
    while ((reader.at - headerStart) % 4 !== 0) if (reader.byte() !== 0) throw new XzError('xz block padding is not zero');
    const check = reader.bytes(checkSize);
    verifyCheck(checkType, out.view(blockOutputStart), check);
    blocks++;
  }
  // Index: record count, (unpadded size, uncompressed size) per block, padding, CRC32.
  const indexStart = reader.at - 1;
  const records = reader.vli();
  if (records !== blocks) throw new XzError(`xz index lists ${records} blocks, the stream holds ${blocks}`);
  for (let r = 0; r < records; r++) {
    reader.vli();
    reader.vli();
  }
  while ((reader.at - indexStart) % 4 !== 0) if (reader.byte() !== 0) throw new XzError('xz index padding is not zero');
  if (crc32(input.subarray(indexStart, reader.at)) !== reader.uint32()) throw new XzError('xz index is corrupt (CRC32 mismatch)');
  // Stream footer: CRC32, backward size, flags (as in the header), magic "YZ".
  reader.bytes(4);
  reader.uint32();
  const footerFlags = reader.bytes(2);
  if (footerFlags[0] !== flags[0] || footerFlags[1] !== flags[1]) throw new XzError('xz stream footer does not match its header');
  if (reader.byte() !== 0x59 || reader.byte() !== 0x5a) throw new XzError('xz stream footer is corrupt');
  return reader.at;
}

function verifyCheck(type: number, data: Uint8Array, expected: Uint8Array): void {
  let actual: Uint8Array;
  if (type === 0) return;
  if (type === 1) {
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(crc32(data));
    actual = crc;
  } else if (type === 4) actual = crc64(data);
  else actual = createHash('sha256').update(data).digest();
  if (!Buffer.from(actual).equals(Buffer.from(expected))) throw new XzError('xz block content does not match its check (corrupt download?)');
}

/** LZMA2 chunks up to the end marker (a zero control byte); returns the offset after it. */
function* decodeLzma2(input: Uint8Array, start: number, out: Output): Generator<void, number> {
  const reader = new ByteReader(input, start);
  const lzma = new LzmaDecoder(out);
  let needDictionaryReset = true;
  let needProperties = true;
  for (;;) {
    const control = reader.byte();
    if (control === 0x00) return reader.at;
    if (control >= 0xe0 || control === 0x01) {
      needProperties = true;
      needDictionaryReset = false;
      lzma.resetDictionary();
    } else if (needDictionaryReset) {
      throw new XzError('xz LZMA2 data does not start with a dictionary reset');
    }
    if (control === 0x01 || control === 0x02) {
      const size = reader.uint16be() + 1;
      lzma.copyUncompressed(reader.bytes(size));
      yield;
      continue;
    }
    if (control < 0x80) throw new XzError(`xz LZMA2 control byte 0x${control.toString(16)} is invalid`);
    const unpacked = (control & 0x1f) * 0x10000 + reader.uint16be() + 1;
    const packed = reader.uint16be() + 1;
    if (control >= 0xc0) {
      needProperties = false;
      lzma.setProperties(reader.byte());
    } else if (needProperties) {
      throw new XzError('xz LZMA2 chunk lacks the properties it needs');
    }
    if (control >= 0xa0) lzma.resetState();
    const data = reader.bytes(packed);
    lzma.decodeChunk(data, unpacked);
    yield;
  }
}

/** Growable output, never past its cap; also the LZMA dictionary. */
class Output {
  buffer = new Uint8Array(1 << 16);
  length = 0;

  constructor(readonly maxBytes: number) {}

  push(byte: number): void {
    if (this.length === this.buffer.length) this.grow(1);
    this.buffer[this.length++] = byte;
  }

  append(bytes: Uint8Array): void {
    this.grow(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  grow(extra: number): void {
    // Checked before allocating: a chunk that claims more than the cap fails here, not in memory.
    if (this.length + extra > this.maxBytes) throw new XzError(`xz data decompresses to more than ${this.maxBytes} bytes, the limit`);
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    size = Math.min(size, this.maxBytes);
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  view(from: number): Uint8Array {
    return this.buffer.subarray(from, this.length);
  }

  result(): Buffer {
    return Buffer.from(this.buffer.buffer, this.buffer.byteOffset, this.length);
  }
}

class ByteReader {
  constructor(
    readonly input: Uint8Array,
    public at: number,
  ) {}

  byte(): number {
    const value = this.input[this.at++];
    if (value === undefined) throw new XzError('xz data is truncated');
    return value;
  }

  bytes(count: number): Uint8Array {
    if (this.at + count > this.input.length) throw new XzError('xz data is truncated');
    const slice = this.input.subarray(this.at, this.at + count);
    this.at += count;
    return slice;
  }

  uint16be(): number {
    return this.byte() * 256 + this.byte();
  }

  uint32(): number {
    const b = this.bytes(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** A variable-length integer: 7 bits a byte, least significant first, at most 9 bytes. */
  vli(): number {
    let value = 0;
    for (let i = 0; i < 9; i++) {
      const byte = this.byte();
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return value;
    }
    throw new XzError('xz variable-length integer is too long');
  }
}

const PROB_INIT = 1024;
const NUM_STATES = 12;
const POS_STATES_MAX = 16;
const END_POS_MODEL_INDEX = 14;
const NUM_FULL_DISTANCES = 128;
const MATCH_MIN_LEN = 2;

class RangeDecoder {
  range = 0xffffffff;
  code = 0;
  at = 0;

  constructor(readonly data: Uint8Array) {
    if (data[0] !== 0) throw new XzError('xz LZMA chunk is corrupt (range coder)');
    this.at = 1;
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.next()) >>> 0;
  }

  next(): number {
    // Reading past the chunk would mean corrupt data; zeros keep the loop bounded and the size check catches it.
    return this.data[this.at++] ?? 0;
  }

  normalize(): void {
    if (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    }
  }

  bit(probs: Uint16Array, index: number): number {
    const prob = probs[index]!;
    const bound = (this.range >>> 11) * prob;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      probs[index] = prob + ((2048 - prob) >>> 5);
      bit = 0;
    } else {
      this.range -= bound;
      this.code -= bound;
      probs[index] = prob - (prob >>> 5);
      bit = 1;
    }
    this.normalize();
    return bit;
  }

  directBits(count: number): number {
    let result = 0;
    for (let i = 0; i < count; i++) {
      this.range >>>= 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      this.normalize();
      result = result * 2 + bit;
    }
    return result;
  }

  bitTree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) + this.bit(probs, base + m);
    return m - (1 << bits);
  }

  reverseBitTree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let symbol = 0;
    for (let i = 0; i < bits; i++) {
      const bit = this.bit(probs, base + m);
      m = (m << 1) + bit;
      symbol |= bit << i;
    }
    return symbol;
  }
}

class LengthDecoder {
  // choice, choice2, low[16][8], mid[16][8], high[256]
  readonly probs = new Uint16Array(2 + POS_STATES_MAX * 8 * 2 + 256);

  reset(): void {
    this.probs.fill(PROB_INIT);
  }

  decode(rc: RangeDecoder, posState: number): number {
    if (rc.bit(this.probs, 0) === 0) return rc.bitTree(this.probs, 2 + posState * 8, 3);
    if (rc.bit(this.probs, 1) === 0) return 8 + rc.bitTree(this.probs, 2 + POS_STATES_MAX * 8 + posState * 8, 3);
    return 16 + rc.bitTree(this.probs, 2 + POS_STATES_MAX * 8 * 2, 8);
  }
}

class LzmaDecoder {
  lc = 0;
  lp = 0;
  pb = 0;
  literalProbs = new Uint16Array(0x300);
  readonly isMatch = new Uint16Array(NUM_STATES << 4);
  readonly isRep = new Uint16Array(NUM_STATES);
  readonly isRepG0 = new Uint16Array(NUM_STATES);
  readonly isRepG1 = new Uint16Array(NUM_STATES);
  readonly isRepG2 = new Uint16Array(NUM_STATES);
  readonly isRep0Long = new Uint16Array(NUM_STATES << 4);
  readonly posSlot = new Uint16Array(4 << 6);
  readonly posDecoders = new Uint16Array(1 + NUM_FULL_DISTANCES - END_POS_MODEL_INDEX);
  readonly align = new Uint16Array(1 << 4);
  readonly lengths = new LengthDecoder();
  readonly repLengths = new LengthDecoder();
  state = 0;
  reps = [0, 0, 0, 0];
  /** Where the current dictionary starts in the output: positions and distances count from here. */
  dictionaryStart = 0;

  constructor(readonly out: Output) {}

  resetDictionary(): void {
    this.dictionaryStart = this.out.length;
  }

  setProperties(byte: number): void {
    if (byte >= 9 * 5 * 5) throw new XzError('xz LZMA properties are invalid');
    this.lc = byte % 9;
    this.lp = Math.floor(byte / 9) % 5;
    this.pb = Math.floor(byte / 45);
    if (this.lc + this.lp > 4) throw new XzError('xz LZMA2 properties are invalid (lc + lp > 4)');
    this.literalProbs = new Uint16Array(0x300 << (this.lc + this.lp));
  }

  resetState(): void {
    this.literalProbs.fill(PROB_INIT);
    for (const probs of [this.isMatch, this.isRep, this.isRepG0, this.isRepG1, this.isRepG2, this.isRep0Long, this.posSlot, this.posDecoders, this.align]) probs.fill(PROB_INIT);
    this.lengths.reset();
    this.repLengths.reset();
    this.state = 0;
    this.reps = [0, 0, 0, 0];
  }

  copyUncompressed(bytes: Uint8Array): void {
    this.out.append(bytes);
  }

  decodeChunk(data: Uint8Array, unpacked: number): void {
    const rc = new RangeDecoder(data);
    const out = this.out;
    const end = out.length + unpacked;
    out.grow(unpacked);
    const pbMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    while (out.length < end) {
      const position = out.length - this.dictionaryStart;
      const posState = position & pbMask;
      const state = this.state;
      if (rc.bit(this.isMatch, (state << 4) + posState) === 0) {
        const previous = position > 0 ? out.buffer[out.length - 1]! : 0;
        const base = 0x300 * (((position & lpMask) << this.lc) + (previous >>> (8 - this.lc)));
        let symbol = 1;
        if (state >= 7) {
          let matchByte = this.byteAt(this.reps[0]!);
          do {
            const matchBit = (matchByte >>> 7) & 1;
            matchByte <<= 1;
            const bit = rc.bit(this.literalProbs, base + ((1 + matchBit) << 8) + symbol);
            symbol = (symbol << 1) | bit;
            if (matchBit !== bit) break;
          } while (symbol < 0x100);
        }
        while (symbol < 0x100) symbol = (symbol << 1) | rc.bit(this.literalProbs, base + symbol);
        out.push(symbol - 0x100);
        this.state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      let length: number;
      if (rc.bit(this.isRep, state) === 1) {
        if (position === 0) throw new XzError('xz LZMA data is corrupt (repeat before any output)');
        if (rc.bit(this.isRepG0, state) === 0) {
          if (rc.bit(this.isRep0Long, (state << 4) + posState) === 0) {
            this.state = state < 7 ? 9 : 11;
            out.push(this.byteAt(this.reps[0]!));
            continue;
          }
        } else {
          let distance: number;
          if (rc.bit(this.isRepG1, state) === 0) {
            distance = this.reps[1]!;
          } else {
            if (rc.bit(this.isRepG2, state) === 0) {
              distance = this.reps[2]!;
            } else {
              distance = this.reps[3]!;
              this.reps[3] = this.reps[2]!;
            }
            this.reps[2] = this.reps[1]!;
          }
          this.reps[1] = this.reps[0]!;
          this.reps[0] = distance;
        }
        length = this.repLengths.decode(rc, posState);
        this.state = state < 7 ? 8 : 11;
      } else {
        this.reps[3] = this.reps[2]!;
        this.reps[2] = this.reps[1]!;
        this.reps[1] = this.reps[0]!;
        length = this.lengths.decode(rc, posState);
        this.state = state < 7 ? 7 : 10;
        this.reps[0] = this.decodeDistance(rc, length);
      }
      length += MATCH_MIN_LEN;
      const distance = this.reps[0]!;
      if (distance >= position) throw new XzError('xz LZMA data is corrupt (match distance beyond the dictionary)');
      if (out.length + length > end) throw new XzError('xz LZMA data is corrupt (match past the chunk)');
      const buffer = out.buffer;
      let from = out.length - distance - 1;
      for (let k = 0; k < length; k++) buffer[out.length++] = buffer[from++]!;
    }
    if (rc.at > data.length) throw new XzError('xz LZMA chunk is truncated');
  }

  byteAt(distance: number): number {
    const index = this.out.length - distance - 1;
    if (index < this.dictionaryStart) throw new XzError('xz LZMA data is corrupt (distance beyond the dictionary)');
    return this.out.buffer[index]!;
  }

  decodeDistance(rc: RangeDecoder, length: number): number {
    const lengthState = Math.min(length, 3);
    const slot = rc.bitTree(this.posSlot, lengthState << 6, 6);
    if (slot < 4) return slot;
    const directBits = (slot >>> 1) - 1;
    let distance = (2 | (slot & 1)) * 2 ** directBits;
    if (slot < END_POS_MODEL_INDEX) {
      distance += rc.reverseBitTree(this.posDecoders, distance - slot, directBits);
    } else {
      distance += rc.directBits(directBits - 4) * 16;
      distance += rc.reverseBitTree(this.align, 0, 4);
    }
    return distance;
  }
}

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC32_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// CRC-64/XZ (ECMA-182 polynomial, reflected), kept as two 32-bit halves.
const CRC64_TABLE = (() => {
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let l = n;
    let h = 0;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (carry) {
        l = (l ^ 0xd7870f42) >>> 0;
        h = (h ^ 0xc96c5795) >>> 0;
      }
    }
    lo[n] = l;
    hi[n] = h;
  }
  return { lo, hi };
})();

function crc64(data: Uint8Array): Uint8Array {
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const index = (lo ^ data[i]!) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ CRC64_TABLE.lo[index]!) >>> 0;
    hi = ((hi >>> 8) ^ CRC64_TABLE.hi[index]!) >>> 0;
  }
  const result = Buffer.alloc(8);
  result.writeUInt32LE((lo ^ 0xffffffff) >>> 0, 0);
  result.writeUInt32LE((hi ^ 0xffffffff) >>> 0, 4);
  return result;
}
