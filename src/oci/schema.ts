/**
 * The one parse point for everything an image source contains: every JSON document read from an
 * archive, layout or artifact folder is untrusted input and goes through these schemas.
 */
import { z } from 'zod';
import { isDigest, type Digest } from './digest.js';

const digest = z.string().refine(isDigest, 'expected sha256:<64 lowercase hex>').transform((d) => d as Digest);

export const platformSchema = z.looseObject({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
});

export const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: platformSchema.optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

/** `index.json` and image indexes. OCI allows indexes without `mediaType` (Docker lists always have one). */
export const indexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageIndex = z.infer<typeof indexSchema>;

export const manifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageManifest = z.infer<typeof manifestSchema>;

export const configSchema = z.looseObject({
  created: z.string().optional(),
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  rootfs: z.looseObject({ type: z.string(), diff_ids: z.array(digest) }).optional(),
  history: z.array(z.looseObject({ created: z.string().optional(), created_by: z.string().optional(), empty_layer: z.boolean().optional() })).optional(),
});
export type ImageConfig = z.infer<typeof configSchema>;

export const FILE_TYPES = ['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo', 'other'] as const;
export type FileType = (typeof FILE_TYPES)[number];

/** One line of `layers/<hex>.jsonl` (design: "The twice-build gate (contract)"); also what a layer tar is read into. */
export const fileEntrySchema = z.strictObject({
  path: z.string(),
  type: z.enum(FILE_TYPES),
  mode: z.number().int().nonnegative(),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  mtime: z.number(),
  sha256: z.string().regex(/^[a-f0-9]{64}$/).nullable(),
  linkname: z.string(),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

/** `build.json`: free-form beyond these keys; tools are compared as strings. */
export const buildInfoSchema = z.looseObject({
  runner: z.unknown().optional(),
  tools: z.record(z.string(), z.string()).optional(),
  sourceDateEpoch: z.union([z.number(), z.string()]).optional(),
});
export type BuildInfo = z.infer<typeof buildInfoSchema>;

export const ociLayoutSchema = z.looseObject({ imageLayoutVersion: z.string() });
