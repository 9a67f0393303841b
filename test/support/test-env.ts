/**
 * Reads the environment that test/support/global-setup.ts created: a real registry on loopback
 * and the images pushed to it, with the digests the pushes produced.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256:<64 lowercase hex>');

const testEnvSchema = z.object({
  version: z.literal(1),
  /** `127.0.0.1:PORT`, the registry part of image references such as `127.0.0.1:PORT/test/app:2.0`. */
  registry: z.string().regex(/^127\.0\.0\.1:\d+$/),
  /** `http://127.0.0.1:PORT` (plain HTTP, no auth). */
  registryUrl: z.string().regex(/^http:\/\/127\.0\.0\.1:\d+$/),
  /** `repository:tag` (without the registry) to the manifest digest the push produced. */
  images: z.record(z.string(), digest),
  /** `repository:tag` to the media type of that manifest. */
  mediaTypes: z.record(z.string(), z.string()),
  /** For multi-platform tags: `os/architecture[/variant]` to the platform manifest digest. */
  platformDigests: z.record(z.string(), z.record(z.string(), digest)),
  pids: z.object({ registry: z.number().int().positive() }),
  tmpDir: z.string(),
  setupMs: z.number(),
});

export type TestEnv = z.infer<typeof testEnvSchema>;

/** Images global setup always pushes; tests may rely on these keys being present. */
export const TEST_IMAGES = ['test/busybox:1.36', 'test/busybox:1.37', 'test/app:2.0', 'test/multi:1.0'] as const;

export function loadTestEnv(): TestEnv {
  const file = process.env.REPRO_TEST_ENV;
  if (!file) {
    throw new Error(
      'REPRO_TEST_ENV is not set: the real-registry test environment is created by Jest global setup ' +
        '(test/support/global-setup.ts, wired up in jest.config.js). Run the tests through `npm test` or ' +
        '`NODE_OPTIONS=--experimental-vm-modules npx jest`.',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`REPRO_TEST_ENV=${file} could not be read as JSON: ${(error as Error).message}`);
  }
  const parsed = testEnvSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`REPRO_TEST_ENV=${file} does not describe a test environment: ${z.prettifyError(parsed.error)}`);
  }
  for (const name of TEST_IMAGES) {
    if (!parsed.data.images[name]) throw new Error(`REPRO_TEST_ENV=${file} has no digest for ${name}`);
  }
  return parsed.data;
}
