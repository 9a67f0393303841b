/**
 * The OCI engine: read builds of an image from an OCI layout directory, an OCI archive or a
 * twice-build artifact folder, check their integrity, compare them and explain the difference.
 *
 * ```ts
 * const a = await openImageSource('repro-build-1/Dockerfile');
 * const b = await openImageSource('build-2.tar');
 * const verdict = await compareImages(a, b);   // throws OciError on integrity or input errors
 * renderDiagnosis(verdict, 'markdown');
 * ```
 */
export { compareImages } from './compare.js';
export { compareArtifacts, openArtifact, openImageSource, openInput, type ArtifactComparison, type OpenedInput } from './open.js';
export { renderDiagnosis, type DiagnosisFormat } from './render.js';
export { OciError, type OciErrorKind } from './errors.js';
export { CAUSE_RULES, explainDifferences } from './causes.js';
export { artifactImageName } from './artifact-folder.js';
// The entry points bench/hostile.ts measures: one image loaded from a layout directory, within the caps.
export { loadImage, MAX_DEPTH, MAX_DESCRIPTORS, type LoadedImage } from './image.js';
export { openOciLayout } from './layout.js';
export type { ImageSource, SourceForm } from './image-source.js';
export type { Digest } from './digest.js';
export type * from './verdict.js';
