import { readFile } from 'node:fs/promises';
import { readCleartextMessage, readKeys, verify, type Key } from 'openpgp';
import { quoteOutsideText } from '../outside-text.js';

/**
 * A suite's `InRelease` file (https://wiki.debian.org/DebianRepository/Format#A.22Release.22_files):
 * a clearsigned OpenPGP message whose `SHA256` field lists every index of the suite with its
 * size. apt trusts a `Packages` file only when its hash is listed in a Release file whose
 * signature verifies with a key of the distribution's keyring; repro-pins does the same, so a
 * mirror (or anyone on a plain-http path to it: Ubuntu's default) cannot choose the versions.
 */

export interface IndexFileEntry {
  sha256: string;
  size: number;
}

export interface ReleaseFile {
  suite: string | null;
  codename: string | null;
  /** `Valid-Until`, ms since the epoch; security suites carry one so an old file cannot be replayed. */
  validUntil: number | null;
  /** Path under `dists/<suite>/` (`main/binary-amd64/Packages.xz`) → hash and size. */
  files: Map<string, IndexFileEntry>;
}

export type ReleaseRead = { ok: true; release: ReleaseFile } | { ok: false; message: string };

/** A real InRelease is a few hundred KiB; a cap keeps a hostile one from being parsed at all. */
export const MAX_INRELEASE_BYTES = 16 * 1024 * 1024;

/**
 * Verifies the clearsigned text with the keyring and reads the signed part only: what stands
 * outside the signature (or a second message) is never read. Messages complete `<URL> …`.
 */
export async function verifyInRelease(text: string, keys: readonly Key[]): Promise<ReleaseRead> {
  if (text.length > MAX_INRELEASE_BYTES) return { ok: false, message: `is larger than ${MAX_INRELEASE_BYTES} bytes` };
  let signedText: string;
  try {
    const message = await readCleartextMessage({ cleartextMessage: text });
    const result = await verify({ message, verificationKeys: [...keys], expectSigned: false });
    let verified = false;
    for (const signature of result.signatures) {
      try {
        await signature.verified;
        verified = true;
      } catch {
        // One signature by an unknown or expired key is fine when another verifies (Debian signs with two keys).
      }
    }
    if (!verified) return { ok: false, message: 'is not signed by a key of the trusted keyring (signature missing, invalid, or by an unknown key)' };
    signedText = result.data;
  } catch (error) {
    // openpgp throws plain Errors for every malformed message: they are answers about the file.
    return { ok: false, message: `is not a clearsigned OpenPGP message: ${(error as Error).message}` };
  }
  return parseRelease(signedText);
}

/** The fields of a Release text repro-pins relies on (deb822: `Key: value`, continuation lines start with a space). */
export function parseRelease(text: string): ReleaseRead {
  const fields = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    if (line[0] === ' ' || line[0] === '\t') {
      current?.push(line.trim());
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, message: `has a malformed Release line ${quoteOutsideText(line)}` };
    current = [];
    const key = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (value !== '') current.push(value);
    if (!fields.has(key)) fields.set(key, current);
  }
  const files = new Map<string, IndexFileEntry>();
  for (const entry of fields.get('sha256') ?? []) {
    const match = /^([0-9a-f]{64})\s+([0-9]+)\s+(\S+)$/.exec(entry);
    if (!match) return { ok: false, message: `has a malformed SHA256 entry ${quoteOutsideText(entry)}` };
    const size = Number(match[2]);
    if (!Number.isSafeInteger(size)) return { ok: false, message: `lists an impossible size for ${quoteOutsideText(match[3]!)}` };
    if (!files.has(match[3]!)) files.set(match[3]!, { sha256: match[1]!, size });
  }
  if (files.size === 0) return { ok: false, message: 'lists no SHA256 hashes' };
  const single = (key: string) => fields.get(key)?.[0] ?? null;
  const validUntilText = single('valid-until');
  const validUntil = validUntilText === null ? null : Date.parse(validUntilText);
  if (validUntil !== null && Number.isNaN(validUntil)) return { ok: false, message: `has an unreadable Valid-Until ${quoteOutsideText(validUntilText!)}` };
  return { ok: true, release: { suite: single('suite'), codename: single('codename'), validUntil, files } };
}

/**
 * An OpenPGP keyring file as apt reads them: binary (`.gpg`, the keyring packages' format) or
 * ASCII-armored (`.asc`). A file that holds no key is an error naming it.
 */
export async function loadKeyring(path: string): Promise<{ ok: true; keys: Key[] } | { ok: false; message: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    return { ok: false, message: `cannot read the keyring ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  try {
    const armored = bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP');
    const keys = armored ? await readKeys({ armoredKeys: bytes.toString('utf8') }) : await readKeys({ binaryKeys: new Uint8Array(bytes) });
    return { ok: true, keys };
  } catch (error) {
    return { ok: false, message: `${path} is not an OpenPGP keyring: ${(error as Error).message}` };
  }
}
