import type { Manager } from '../manager.js';
import { replaceImagePin } from '../image-pin.js';
import { envFileBeside, extractCompose } from './extract.js';

// The names `docker compose` looks for (compose.yaml, compose.yml, docker-compose.yml) and the
// overrides and variants projects keep beside them (compose.override.yaml, compose.prod.yaml,
// docker-compose.override.yml, docker-compose.ci.yml, docker-compose-dev.yml); not
// `composer.yml` or `my-compose.yml`.
const composeFile = /(^|\/)(?:docker-)?compose(?:[.-][^/]*)?\.ya?ml$/;

export const composeManager: Manager = {
  name: 'compose',
  matches: (path) => composeFile.test(path),
  // https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/#env-file
  companions: (path) => [envFileBeside(path)],
  extract: (file, _config, companions) => extractCompose(file, companions),
  replace: replaceImagePin,
};
