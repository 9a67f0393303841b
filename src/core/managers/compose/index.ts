import type { Manager } from '../manager.js';
import { replaceImagePin } from '../image-pin.js';
import { extractCompose } from './extract.js';

// The names `docker compose` looks for (compose.yaml, docker-compose.yml) and the overrides and
// variants projects keep beside them (compose.prod.yaml, docker-compose.override.yml).
const composeFile = /(^|\/)(?:docker-)?compose[^/]*\.ya?ml$/;

export const composeManager: Manager = {
  name: 'compose',
  matches: (path) => composeFile.test(path),
  extract: (file) => extractCompose(file),
  replace: replaceImagePin,
};
