import { isScalar } from 'yaml';
import type { Extraction, SourceFile } from '../../reference.js';
import { extractImageScalars, mapEntries, mapGet, mergeExtractions, parseYamlDocuments, type ImageScalar, type YamlDocument } from '../yaml-scalars.js';

/**
 * Base images of a ko config (https://ko.build/configuration/#overriding-base-images):
 * `defaultBaseImage` and every value of `baseImageOverrides` (keyed by Go import path).
 */
export function extractKoConfig(file: SourceFile): Extraction {
  const { documents, problems } = parseYamlDocuments(file);
  const images = documents.flatMap(baseImages);
  // ko reads these values literally: no variables, so nothing is unresolvable.
  return mergeExtractions({ refs: [], problems }, extractImageScalars(file, images, { manager: 'ko', unresolved: () => null }));
}

function baseImages(doc: YamlDocument): ImageScalar[] {
  const images: ImageScalar[] = [];
  const defaultBase = mapGet(doc, doc.contents, 'defaultBaseImage');
  if (isScalar(defaultBase)) images.push({ node: defaultBase });
  for (const [, override] of mapEntries(doc, mapGet(doc, doc.contents, 'baseImageOverrides'))) {
    if (isScalar(override)) images.push({ node: override });
  }
  return images;
}
