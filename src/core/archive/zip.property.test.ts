/**
 * Mutation fuzzing of the zip reader on an artifact zip Python's zipfile wrote
 * (fixtures/oci/artifact.zip: a folder, stored and deflated entries): whatever the bytes, the
 * reader returns entries within its limits or throws ZipError, and extraction writes only inside
 * its target folder.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { mutationOf } from '../../../test/support/mutations.js';
import { fixtureBytes } from '../../../test/support/package-indexes.js';
import { extractZip, inflateEntry, readZipEntries, ZipError, type ZipLimits } from './zip.js';

const valid = fixtureBytes('oci/artifact.zip');
/** Small limits, so that a mutated size field meets them. */
const LIMITS: ZipLimits = { maxEntries: 8, maxEntryBytes: 4096, maxTotalBytes: 8192, maxRatio: 50, ratioFloorBytes: 512 };

function onlyZipError(error: unknown): void {
  if (!(error instanceof ZipError)) throw error;
}

describe('zip reader under mutation', () => {
  test('the fixture itself reads whole', () => {
    const entries = readZipEntries(valid, LIMITS);
    expect(entries.map((e) => [e.name, e.method, inflateEntry(valid, e).length])).toEqual([
      ['Dockerfile/', 0, 0],
      ['Dockerfile/oci-layout', 0, 30],
      ['Dockerfile/index.json', 8, 700],
      ['Dockerfile/build.json', 8, 86],
    ]);
  });

  test('only ZipError, and every entry read is within the limits', () => {
    fc.assert(
      fc.property(mutationOf([valid]), (bytes) => {
        try {
          const entries = readZipEntries(bytes, LIMITS);
          expect(entries.length).toBeLessThanOrEqual(LIMITS.maxEntries);
          let total = 0;
          for (const entry of entries) {
            const content = inflateEntry(bytes, entry);
            expect(content.length).toBeLessThanOrEqual(LIMITS.maxEntryBytes);
            total += content.length;
          }
          expect(total).toBeLessThanOrEqual(LIMITS.maxTotalBytes);
        } catch (error) {
          onlyZipError(error);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('extraction writes only inside its folder, or throws ZipError', async () => {
    const root = await mkdtemp(join(tmpdir(), 'repro-pins-zip-fuzz-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(mutationOf([valid]), async (bytes) => {
          const dest = join(root, String((run += 1)), 'out');
          await mkdir(dest, { recursive: true });
          try {
            await extractZip(bytes, dest, LIMITS);
          } catch (error) {
            onlyZipError(error);
          }
          // The folder above `dest` holds nothing but `dest`: no entry escaped it.
          expect((await readdir(join(root, String(run)))).filter((name) => name !== 'out')).toEqual([]);
        }),
        { numRuns: 200 },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
