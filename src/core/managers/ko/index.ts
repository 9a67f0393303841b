import type { Manager } from '../manager.js';
import { replaceImagePin } from '../image-pin.js';
import { extractKoConfig } from './extract.js';

// ko reads `.ko.yaml` from the directory it runs in, so a repository may hold several.
const koConfig = /(^|\/)\.ko\.ya?ml$/;

export const koManager: Manager = {
  name: 'ko',
  matches: (path) => koConfig.test(path),
  extract: (file) => extractKoConfig(file),
  replace: replaceImagePin,
};
