import type { RepoConfig } from '../../core/config.js';
import { dockerfileManager } from '../../core/managers/dockerfile/index.js';
import type { RepoSnapshot } from '../github/repo-snapshot.js';

/** One entry of the workflow's `images` input (templates/repro-verify.yml). */
export interface ImageToVerify {
  dockerfile: string;
  context: string;
  platforms: string[];
}

/**
 * What the twice-build builds: the config's `verify:` list, else every Dockerfile at the
 * repository root (design: "Repository config"), built from the root for linux/amd64.
 * `Dockerfile.dockerignore` is BuildKit's per-Dockerfile ignore file, not a build file.
 */
export function imagesToVerify(snapshot: RepoSnapshot, config: RepoConfig): ImageToVerify[] {
  if (config.verify) return config.verify.map((v) => ({ dockerfile: v.dockerfile, context: v.context, platforms: v.platforms }));
  return [...snapshot.entries.keys()]
    .filter((path) => !path.includes('/') && dockerfileManager.matches(path) && !path.endsWith('.dockerignore'))
    .sort()
    .map((dockerfile) => ({ dockerfile, context: '.', platforms: ['linux/amd64'] }));
}
