/**
 * Every byte the comparison uses comes through here: a blob is hashed and must match its name
 * (and the size the referring descriptor claims) before anything is parsed from it.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { digestOf, shortDigest, type Digest } from './digest.js';
import { integrityError, invalidInput } from './errors.js';
import type { ImageSource } from './image-source.js';
import { MAX_DOCUMENT_BYTES } from './layout.js';
import type { Descriptor } from './schema.js';

export class VerifiedBlobs {
  private readonly verified = new Map<Digest, number>();

  constructor(readonly source: ImageSource) {}

  get location(): string {
    return this.source.location;
  }

  /** Hashes a blob (once) and returns its size, or null when the source does not hold it. */
  async verify(digest: Digest): Promise<number | null> {
    const known = this.verified.get(digest);
    if (known !== undefined) return known;
    const stream = await this.source.openBlob(digest);
    if (!stream) return null;
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) {
      throw integrityError(this.location, `blob ${digest} hashes to ${actual}: it was altered or corrupted, so this build proves nothing`);
    }
    this.verified.set(digest, size);
    return size;
  }

  /** Checks every blob the source holds, reachable or not. */
  async verifyAll(): Promise<void> {
    for (const digest of await this.source.listBlobs()) await this.verify(digest);
  }

  /** Reads a required blob, checks digest and the descriptor's size, and parses it as JSON. */
  async readJson<T extends z.ZodType>(descriptor: Descriptor, schema: T, what: string): Promise<{ value: z.infer<T>; bytes: Buffer }> {
    const bytes = await this.readDocument(descriptor, what);
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw invalidInput(this.location, `${what} ${shortDigest(descriptor.digest)} is not JSON: ${(error as Error).message}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw invalidInput(this.location, `${what} ${shortDigest(descriptor.digest)} is malformed: ${issues}`);
    }
    return { value: parsed.data, bytes };
  }

  /** A small blob read whole, hashed from the very bytes that will be parsed. */
  private async readDocument(descriptor: Descriptor, what: string): Promise<Buffer> {
    if (descriptor.size > MAX_DOCUMENT_BYTES) {
      throw invalidInput(this.location, `${what} ${descriptor.digest} claims ${descriptor.size} bytes; more than a JSON document may have`);
    }
    const stream = await this.source.openBlob(descriptor.digest);
    if (!stream) throw invalidInput(this.location, `${what} ${descriptor.digest} is missing (the layout must hold every index, manifest and config)`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > MAX_DOCUMENT_BYTES) {
        stream.destroy();
        throw integrityError(this.location, `${what} ${descriptor.digest} is larger than its descriptor says (${descriptor.size} bytes)`);
      }
      chunks.push(chunk as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    const actual = digestOf(bytes);
    if (actual !== descriptor.digest) {
      throw integrityError(this.location, `${what} ${descriptor.digest} hashes to ${actual}: it was altered or corrupted, so this build proves nothing`);
    }
    this.checkSize(descriptor, bytes.length, what);
    this.verified.set(descriptor.digest, bytes.length);
    return bytes;
  }

  /** A verified blob's bytes as a stream, or null when absent. */
  async open(descriptor: Descriptor, what: string): Promise<Readable | null> {
    const size = await this.verify(descriptor.digest);
    if (size === null) return null;
    this.checkSize(descriptor, size, what);
    return this.source.openBlob(descriptor.digest);
  }

  checkSize(descriptor: Descriptor, size: number, what: string): void {
    if (size !== descriptor.size) {
      throw integrityError(this.location, `${what} ${descriptor.digest} is ${size} bytes but the descriptor that names it says ${descriptor.size}`);
    }
  }
}
