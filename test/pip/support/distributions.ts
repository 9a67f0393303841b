import { createHash } from 'node:crypto';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

/**
 * Builds real wheels and sdists in memory, byte for byte what the specs describe, so tests need
 * no network and no build backend: a wheel is a zip holding the module and
 * `<name>-<version>.dist-info/{METADATA,WHEEL,RECORD}`
 * (https://packaging.python.org/en/latest/specifications/binary-distribution-format/); an sdist
 * is a gzipped ustar archive with `PKG-INFO` at its top folder.
 */

export interface PackageSpec {
  name: string;
  version: string;
  /** Requires-Dist lines, markers included. */
  requires?: string[];
  extras?: string[];
  requiresPython?: string;
  /** Wheel tag; `py3-none-any` by default. */
  tag?: string;
  metadataVersion?: string;
  dynamic?: string[];
}

export interface BuiltFile {
  filename: string;
  bytes: Buffer;
  sha256: string;
  /** The core metadata inside it (METADATA or PKG-INFO). */
  metadata: string;
}

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** The wheel and sdist name of a project: PEP 427/625 escape runs of `-_.` as one `_`. */
export const escapedName = (name: string) => name.replace(/[-_.]+/g, '_').toLowerCase();
export const importName = escapedName;

export function coreMetadata(spec: PackageSpec): string {
  const lines = [`Metadata-Version: ${spec.metadataVersion ?? '2.1'}`, `Name: ${spec.name}`, `Version: ${spec.version}`, 'Summary: a test package built by repro-pins tests'];
  if (spec.requiresPython) lines.push(`Requires-Python: ${spec.requiresPython}`);
  for (const dynamic of spec.dynamic ?? []) lines.push(`Dynamic: ${dynamic}`);
  for (const extra of spec.extras ?? []) lines.push(`Provides-Extra: ${extra}`);
  for (const requirement of spec.requires ?? []) lines.push(`Requires-Dist: ${requirement}`);
  return `${lines.join('\n')}\n\nThe long description comes after a blank line.\nRequires-Dist: not-a-header\n`;
}

export function buildWheel(spec: PackageSpec): BuiltFile {
  const tag = spec.tag ?? 'py3-none-any';
  const distInfo = `${escapedName(spec.name)}-${spec.version}.dist-info`;
  const metadata = coreMetadata(spec);
  const members: [string, string][] = [
    [`${importName(spec.name)}/__init__.py`, `VERSION = ${JSON.stringify(spec.version)}\n`],
    [`${distInfo}/METADATA`, metadata],
    [`${distInfo}/WHEEL`, `Wheel-Version: 1.0\nGenerator: repro-pins-tests\nRoot-Is-Purelib: true\nTag: ${tag}\n`],
  ];
  const record = members.map(([path, text]) => `${path},sha256=${createHash('sha256').update(text).digest('base64url')},${Buffer.byteLength(text)}`);
  members.push([`${distInfo}/RECORD`, `${[...record, `${distInfo}/RECORD,,`].join('\n')}\n`]);
  const bytes = zip(members);
  return { filename: `${escapedName(spec.name)}-${spec.version}-${tag}.whl`, bytes, sha256: sha256(bytes), metadata };
}

export function buildSdist(spec: PackageSpec): BuiltFile {
  const top = `${escapedName(spec.name)}-${spec.version}`;
  const metadata = coreMetadata({ metadataVersion: '2.2', ...spec });
  const bytes = gzipSync(
    tar([
      [`${top}/PKG-INFO`, metadata],
      [`${top}/pyproject.toml`, '[build-system]\nrequires = []\nbuild-backend = "none"\n'],
    ]),
  );
  return { filename: `${top}.tar.gz`, bytes, sha256: sha256(bytes), metadata };
}

/** A zip with deflated members and fixed timestamps (APPNOTE.TXT 4.3). */
export function zip(members: [string, string][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of members) {
    const data = Buffer.from(text);
    const deflated = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, deflated);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A ustar archive of regular files. */
export function tar(members: [string, string][]): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of members) {
    const data = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
