/**
 * A minimal push parser for tar streams: POSIX ustar, pax extended headers (`x` and `g`) and the
 * GNU long-name extensions (`L`, `K`), which together cover what BuildKit, buildah, skopeo, Go's
 * archive/tar and Python's tarfile write for OCI archives and image layers.
 *
 * Why our own and not `tar-stream` (npm): we need (1) the byte offset of each entry's content, so
 * an OCI archive is indexed once and its blobs are then read by range without unpacking or
 * buffering a multi-gigabyte file; (2) pax `mtime` with its fraction, exactly as stored; (3) a
 * parser we can feed from any stream (a file, a gunzip stream). tar-stream is a streams-only
 * extractor with four runtime dependencies, ships no types, and hides entry offsets.
 *
 * Spec: POSIX.1-2017 `pax` (ustar interchange format and pax header records).
 */

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

export interface TarEntry {
  /** The path as stored (pax `path`, GNU long name or ustar prefix/name); not normalised. */
  name: string;
  type: TarEntryType;
  /** The whole mode field; callers keep the permission bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content that follow the header (0 for links and directories). */
  size: number;
  /** Seconds since the epoch; fractional only when a pax header stored a fraction. */
  mtime: number;
  linkname: string;
  /** Offset of the first content byte in the whole stream. */
  dataOffset: number;
}

export interface TarHandlers {
  entry(entry: TarEntry): void;
  /** Content of the entry last announced, in order; never called for metadata entries. */
  data?(chunk: Buffer): void;
  /** After the last content byte of an entry (also for empty entries). */
  entryEnd?(): void;
}

export class TarFormatError extends Error {}

const BLOCK = 512;

/**
 * Largest pax extended header (`x`, `g`) or GNU long name / long link (`L`, `K`) body. These are
 * buffered whole before they apply to the next entry, so their size is checked against this cap
 * from the header alone, before a byte is kept: Linux paths end at PATH_MAX (4096), and tools
 * write pax records of a few hundred bytes (a 1 GiB claim once grew RSS to 2.2 GB; issue 10).
 */
export const MAX_META_BYTES = 64 * 1024;

type State =
  | { kind: 'header' }
  | { kind: 'content'; remaining: number; padding: number; meta: 'pax' | 'global' | 'longname' | 'longlink' | null }
  | { kind: 'padding'; remaining: number }
  | { kind: 'end' };

interface Overrides {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

export class TarParser {
  private pending: Buffer = Buffer.alloc(0);
  private offset = 0;
  private state: State = { kind: 'header' };
  private local: Overrides = {};
  private global: Overrides = {};
  private metaChunks: Buffer[] = [];
  private sawEntry = false;

  constructor(private readonly handlers: TarHandlers) {}

  write(chunk: Buffer): void {
    let input = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (input.length > 0) {
      const state = this.state;
      if (state.kind === 'end') return;
      if (state.kind === 'header') {
        if (input.length < BLOCK) break;
        this.readHeader(input.subarray(0, BLOCK));
        input = input.subarray(BLOCK);
        this.offset += BLOCK;
        continue;
      }
      if (state.kind === 'content') {
        const take = Math.min(state.remaining, input.length);
        const part = input.subarray(0, take);
        if (state.meta) this.metaChunks.push(Buffer.from(part));
        else if (take > 0) this.handlers.data?.(part);
        input = input.subarray(take);
        this.offset += take;
        state.remaining -= take;
        if (state.remaining === 0) this.finishContent(state);
        continue;
      }
      const take = Math.min(state.remaining, input.length);
      input = input.subarray(take);
      this.offset += take;
      state.remaining -= take;
      if (state.remaining === 0) this.state = { kind: 'header' };
    }
    if (input.length > 0) this.pending = Buffer.from(input);
  }

  /** Call after the last chunk: a stream that stops inside an entry is truncated. */
  end(): void {
    if (this.state.kind === 'content' || this.state.kind === 'padding' || this.pending.length > 0) {
      throw new TarFormatError(`tar stream ends inside an entry (at byte ${this.offset})`);
    }
    if (this.state.kind === 'header' && !this.sawEntry) {
      // An empty stream is not a tar; one that simply lacks the two zero blocks is accepted,
      // as GNU tar and Go's archive/tar do.
      throw new TarFormatError('not a tar stream: no entries');
    }
  }

  private readHeader(block: Buffer): void {
    if (block.every((byte) => byte === 0)) {
      this.state = { kind: 'end' };
      return;
    }
    verifyChecksum(block, this.offset);
    const typeflag = String.fromCharCode(block[156] ?? 0);
    const magic = block.toString('latin1', 257, 263);
    let name = cString(block, 0, 100);
    // The prefix field exists only in POSIX ustar; GNU tar keeps other data at that offset.
    if (magic === 'ustar\0') {
      const prefix = cString(block, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const headerSize = readNumber(block, 124, 12, 'size', this.offset);
    const meta = META_TYPES[typeflag];
    if (meta) {
      if (headerSize > MAX_META_BYTES) {
        throw new TarFormatError(`the ${META_NAMES[meta]} header at byte ${this.offset} claims ${headerSize} bytes, more than the ${MAX_META_BYTES} allowed`);
      }
      this.metaChunks = [];
      this.startContent(headerSize, meta);
      return;
    }
    this.sawEntry = true;
    const o: Overrides = { ...this.global, ...this.local };
    this.local = {};
    const size = o.size ?? headerSize;
    const type = entryType(typeflag, name);
    const entry: TarEntry = {
      name: o.path ?? name,
      type,
      mode: readNumber(block, 100, 8, 'mode', this.offset),
      uid: o.uid ?? readNumber(block, 108, 8, 'uid', this.offset),
      gid: o.gid ?? readNumber(block, 116, 8, 'gid', this.offset),
      size: type === 'file' ? size : 0,
      mtime: o.mtime ?? readNumber(block, 136, 12, 'mtime', this.offset),
      linkname: o.linkpath ?? cString(block, 157, 100),
      dataOffset: this.offset + BLOCK,
    };
    this.handlers.entry(entry);
    // Hard links, directories and devices may still carry content bytes in odd archives; they are
    // skipped (passed to no one) but must be consumed.
    this.startContent(size, null, type === 'file');
  }

  private startContent(size: number, meta: 'pax' | 'global' | 'longname' | 'longlink' | null, emit = true): void {
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (!emit && size > 0) {
      this.handlers.entryEnd?.();
      this.state = { kind: 'padding', remaining: size + padding };
      return;
    }
    this.state = { kind: 'content', remaining: size, padding, meta };
    if (size === 0) this.finishContent(this.state);
  }

  private finishContent(state: Extract<State, { kind: 'content' }>): void {
    if (state.meta) {
      const body = Buffer.concat(this.metaChunks);
      this.metaChunks = [];
      if (state.meta === 'pax') Object.assign(this.local, parsePax(body, this.offset));
      else if (state.meta === 'global') Object.assign(this.global, parsePax(body, this.offset));
      else if (state.meta === 'longname') this.local.path = body.toString('utf8').replace(/\0+$/, '');
      else this.local.linkpath = body.toString('utf8').replace(/\0+$/, '');
    } else {
      this.handlers.entryEnd?.();
    }
    this.state = state.padding > 0 ? { kind: 'padding', remaining: state.padding } : { kind: 'header' };
  }
}

const META_TYPES: Record<string, 'pax' | 'global' | 'longname' | 'longlink'> = { x: 'pax', g: 'global', L: 'longname', K: 'longlink' };
const META_NAMES = { pax: 'pax extended', global: 'pax global', longname: 'GNU long-name', longlink: 'GNU long-link' } as const;

function entryType(typeflag: string, name: string): TarEntryType {
  switch (typeflag) {
    case '0':
    case '\0':
    case '7':
      // Pre-POSIX tars mark directories only by the trailing slash.
      return name.endsWith('/') ? 'dir' : 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.toString('utf8', 0, nul === -1 ? length : nul);
}

/** Octal ASCII (NUL/space terminated), or GNU base-256 when the first byte's high bit is set. */
function readNumber(block: Buffer, start: number, length: number, field: string, offset: number): number {
  const first = block[start] ?? 0;
  if (first & 0x80) {
    let value = first & 0x3f;
    if (first & 0x40) throw new TarFormatError(`negative ${field} in the tar header at byte ${offset}`);
    for (let i = 1; i < length; i++) value = value * 256 + (block[start + i] ?? 0);
    // Beyond 2^53 the number is not exact, and no offset into a stream we read can be that large.
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`${field} in the tar header at byte ${offset} is too large`);
    return value;
  }
  const text = block.toString('latin1', start, start + length).replace(/[\0 ]+$/, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`invalid ${field} field ${JSON.stringify(text)} in the tar header at byte ${offset}`);
  return parseInt(text, 8);
}

function verifyChecksum(block: Buffer, offset: number): void {
  const stored = readNumber(block, 148, 8, 'checksum', offset);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] ?? 0);
  if (sum !== stored) throw new TarFormatError(`bad tar header checksum at byte ${offset}`);
}

/** pax records: "<length> <key>=<value>\n", length counting the whole record. */
function parsePax(body: Buffer, offset: number): Overrides {
  const out: Overrides = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number(body.toString('latin1', at, space));
    if (!Number.isInteger(length) || length <= 0 || at + length > body.length) {
      throw new TarFormatError(`malformed pax record before byte ${offset}`);
    }
    const record = body.toString('utf8', space + 1, at + length - 1);
    at += length;
    const eq = record.indexOf('=');
    if (eq === -1) continue;
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    switch (key) {
      case 'path':
        out.path = value;
        break;
      case 'linkpath':
        out.linkpath = value;
        break;
      case 'size':
      case 'uid':
      case 'gid': {
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < 0) throw new TarFormatError(`malformed pax ${key}=${value} before byte ${offset}`);
        out[key] = n;
        break;
      }
      case 'mtime': {
        const n = Number(value);
        if (!Number.isFinite(n)) throw new TarFormatError(`malformed pax mtime=${value} before byte ${offset}`);
        out.mtime = n;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/**
 * The regular files of a tar held in memory, in order, with their content: for small archives
 * read whole (an APKINDEX, an sdist's PKG-INFO). Large ones go through `TarParser` as a stream.
 * A tar cut inside an entry is an error, never a shorter file.
 */
export function readTarFiles(tar: Buffer): { name: string; data: Buffer }[] {
  const files: { name: string; data: Buffer }[] = [];
  const parser = new TarParser({
    entry(entry) {
      if (entry.type === 'file') files.push({ name: entry.name.replace(/^\.\//, ''), data: tar.subarray(entry.dataOffset, entry.dataOffset + entry.size) });
    },
  });
  parser.write(tar);
  parser.end();
  return files;
}
