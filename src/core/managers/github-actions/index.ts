import type { Manager } from '../manager.js';
import { replaceImagePin } from '../image-pin.js';
import { isActionPinCurrent, replaceActionPin } from './action-uses.js';
import { extractActionMetadata, extractWorkflow } from './extract.js';

// GitHub only runs workflow files directly in .github/workflows of the repository root.
const workflowFile = /^\.github\/workflows\/[^/]+\.ya?ml$/;
// An action's metadata may sit anywhere a `uses: owner/repo/path@ref` or `./path` can point:
// the repository root, `.github/actions/<name>/`, or any sub-folder.
const actionMetadataFile = /(?:^|\/)action\.ya?ml$/;

/** Workflows and action metadata: container images (docker datasource) and actions (github-tags). */
export const githubActionsManager: Manager = {
  name: 'github-actions',
  matches: (path) => workflowFile.test(path) || actionMetadataFile.test(path),
  extract: (file) => (workflowFile.test(file.path) ? extractWorkflow(file) : extractActionMetadata(file)),
  replace: (text, ref, pin) => (ref.datasource === 'github-tags' ? replaceActionPin(text, ref, pin) : replaceImagePin(text, ref, pin)),
  // Images keep the planner's default comparison; an action also compares its tag comment.
  isCurrent: (ref, pin) =>
    ref.datasource === 'github-tags'
      ? isActionPinCurrent(ref, pin)
      : (pin.digest === undefined || pin.digest === ref.digest) && (pin.version === undefined || pin.version === ref.value),
};
