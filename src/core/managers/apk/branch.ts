import type { RepoConfig } from '../../config.js';
import { isImageRefError, parseImageRef } from '../../image-ref.js';
import type { DockerfileStage } from '../dockerfile/stages.js';

/** An Alpine branch (`v3.20`, `edge`: the folder under the mirror), or why none is known. */
export type BranchDetection = { branch: string } | { unknown: string };

const CONFIG_HINT = 'name the release in the tag (alpine:3.20, python:3.12-alpine3.20) or set alpine.branch in .github/repro-pins.yml';

/**
 * The Alpine branch an image is built on, from its tag: `alpine:3.20` and `alpine:3.20.3` are
 * v3.20, `alpine:edge` is edge, and the official images' `-alpine3.20` suffix names it too.
 * `alpine:latest`, `alpine:3` and `node:20-alpine` move from release to release, so they say nothing.
 */
export function alpineBranchOf(image: string): BranchDetection {
  const parsed = parseImageRef(image);
  if (isImageRefError(parsed)) return { unknown: `the base image "${image}" is not a valid image reference` };
  const repository = parsed.repository.slice(parsed.repository.lastIndexOf('/') + 1);
  const tag = parsed.tag ?? 'latest';
  if (repository === 'alpine') {
    if (tag === 'edge') return { branch: 'edge' };
    const release = /^(\d+)\.(\d+)(?:\.\d+)?(?:[-_.].*)?$/.exec(tag);
    if (release) return { branch: `v${Number(release[1])}.${Number(release[2])}` };
  }
  const suffix = /(?:^|[-_.])alpine(\d+)\.(\d+)(?![\d])/.exec(tag);
  if (suffix) return { branch: `v${Number(suffix[1])}.${Number(suffix[2])}` };
  if (repository === 'alpine' || /alpine/.test(tag) || /alpine/.test(repository)) {
    return { unknown: `${image} does not say which Alpine release it is built on: ${CONFIG_HINT}` };
  }
  return { unknown: `${image} is not a recognisable Alpine image: ${CONFIG_HINT}` };
}

/** The branch a stage's packages come from: config first, else the stage's base image. */
export function branchForStage(stage: DockerfileStage, config: RepoConfig | undefined): BranchDetection {
  const configured = config?.alpine?.branch;
  if (configured) return { branch: configured };
  if (stage.baseImage === null) return { unknown: `the stage's base image is not known statically (${stage.unknownBase ?? 'no image'}); set alpine.branch in .github/repro-pins.yml` };
  return alpineBranchOf(stage.baseImage);
}
