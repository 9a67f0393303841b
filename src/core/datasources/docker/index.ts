import { effectiveTag, isImageRefError, lookupKey, parseImageRef, type ImageRef } from '../../image-ref.js';
import type { DependencyRef } from '../../reference.js';
import type { Datasource, ImageDigestResolver } from '../datasource.js';

function imageOf(ref: DependencyRef): ImageRef | null {
  const parsed = parseImageRef(ref.value === null ? ref.name : `${ref.name}:${ref.value}`);
  return isImageRefError(parsed) ? null : parsed;
}

/** Image tags to digests. A digest-only reference (`alpine@sha256:…`) has no tag to refresh. */
export function dockerDatasource(resolver: ImageDigestResolver): Datasource {
  return {
    lookupKey(ref) {
      if (ref.digest !== null && ref.value === null) return null;
      const image = imageOf(ref);
      return image ? lookupKey(image) : null;
    },
    async resolve(ref) {
      const image = imageOf(ref);
      if (!image) return { ok: false, message: 'is not a valid image reference' };
      const result = await resolver.resolveDigest(image);
      return result.ok ? { ok: true, pin: { digest: result.digest, tag: effectiveTag(image) } } : result;
    },
  };
}
