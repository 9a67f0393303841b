import type { Manager } from '../manager.js';
import { replaceImagePin } from '../image-pin.js';
import { extractDockerfile } from './extract.js';

// File names BuildKit and Podman users give build files: Dockerfile, *.Dockerfile, Dockerfile.*,
// Containerfile and its variants.
const buildFile = /(^|\/)(Dockerfile|[^/]+\.Dockerfile|Dockerfile\.[^/]+|Containerfile[^/]*)$/;

export const dockerfileManager: Manager = {
  name: 'dockerfile',
  matches: (path) => buildFile.test(path),
  extract: (file) => extractDockerfile(file),
  replace: replaceImagePin,
};
