import { isImageRefError, parseImageRef, writeImagePin } from '../image-ref.js';
import type { DependencyRef, Pin } from '../reference.js';

/**
 * The `replace` every image manager shares: the pin goes into the span the extractor recorded,
 * and nothing outside it changes. A span whose text moved since extraction is a caller bug.
 */
export function replaceImagePin(text: string, ref: DependencyRef, pin: Pin): string {
  const site = ref.site;
  if (!site) throw new Error(`${ref.file}:${ref.line}: ${ref.name} has no pin site (skipped: ${ref.skipped})`);
  const current = text.slice(site.span.start, site.span.end);
  if (current !== site.raw) {
    throw new Error(`${ref.file}:${ref.line}: expected "${site.raw}" at offset ${site.span.start}, found "${current}"`);
  }
  if (!pin.digest) throw new Error(`${ref.file}:${ref.line}: ${ref.name}: an image pin needs a digest`);
  const parsed = parseImageRef(`${ref.name}${ref.value === null ? '' : `:${ref.value}`}`);
  if (isImageRefError(parsed)) throw new Error(`${ref.file}:${ref.line}: ${parsed.error}`);
  return text.slice(0, site.span.start) + writeImagePin(site.raw, parsed, pin.digest) + text.slice(site.span.end);
}
