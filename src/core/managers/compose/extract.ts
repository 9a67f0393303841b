import { isScalar } from 'yaml';
import type { Extraction, SourceFile } from '../../reference.js';
import { extractImageScalars, hasValue, mapEntries, mapGet, mergeExtractions, parseYamlDocuments, type ImageScalar, type YamlDocument } from '../yaml-scalars.js';

/**
 * `services.*.image` of every document in a compose file. A service that also has `build:` is
 * left out: its `image:` names the image compose builds and tags, not one it pulls, so there is
 * nothing to pin (Renovate's docker-compose manager skips them for the same reason).
 */
export function extractCompose(file: SourceFile): Extraction {
  const { documents, problems } = parseYamlDocuments(file);
  const images = documents.flatMap(serviceImages);
  return mergeExtractions({ refs: [], problems }, extractImageScalars(file, images, { manager: 'compose', unresolved: interpolation }));
}

function serviceImages(doc: YamlDocument): ImageScalar[] {
  const images: ImageScalar[] = [];
  for (const [, service] of mapEntries(doc, mapGet(doc, doc.contents, 'services'))) {
    if (hasValue(mapGet(doc, service, 'build'))) continue;
    const image = mapGet(doc, service, 'image');
    if (isScalar(image)) images.push({ node: image });
  }
  return images;
}

/**
 * Compose substitutes `$VAR` and `${VAR...}` from the environment when it runs
 * (https://docs.docker.com/reference/compose-file/interpolation/); `$$` is a literal `$`.
 */
function interpolation(text: string): string | null {
  return /\$(?:\{|[A-Za-z_])/.test(text.replaceAll('$$', ''))
    ? 'the image uses compose variable interpolation ($VAR or ${VAR}), so it is only known when compose runs'
    : null;
}
