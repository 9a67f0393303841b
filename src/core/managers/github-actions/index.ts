import type { Manager } from '../manager.js';
import { replaceImagePin } from '../image-pin.js';
import { extractWorkflow } from './extract.js';

// GitHub only runs workflow files directly in .github/workflows of the repository root.
const workflowFile = /^\.github\/workflows\/[^/]+\.ya?ml$/;

export const githubActionsManager: Manager = {
  name: 'github-actions',
  matches: (path) => workflowFile.test(path),
  extract: (file) => extractWorkflow(file),
  replace: replaceImagePin,
};
