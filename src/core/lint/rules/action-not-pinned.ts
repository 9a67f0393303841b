import type { Rule, RuleHit } from '../rule.js';
import { isOnlyKnownAtBuildTime } from './image.js';

/**
 * `uses:` of actions and reusable workflows, from the github-actions manager: local `./` actions
 * are never references, and `docker://` images are image references (image-not-pinned).
 */
export const actionNotPinned: Rule = {
  id: 'action-not-pinned',
  level: 'error',
  finds: 'a `uses:` not pinned to a 40-hex commit SHA',
  check: ({ refs }) =>
    refs
      .filter((ref) => ref.datasource === 'github-tags' && !ref.pinned)
      .map((ref): RuleHit => {
        if (isOnlyKnownAtBuildTime(ref)) {
          return { line: ref.line, message: `${ref.name}: ${ref.skipped}; nothing shows it is pinned to a commit`, fix: 'write owner/repo@<40-hex commit SHA>', atMost: 'warning' };
        }
        const repository = ref.name.split('/').slice(0, 2).join('/');
        const gitRef = ref.value ?? '';
        return {
          line: ref.line,
          message: `${ref.name}@${gitRef} is not pinned to a commit SHA: the owners of ${repository} can move ${gitRef} to other code`,
          fix: `${ref.name}@<40-hex commit SHA> # ${gitRef} (repro-pins pin resolves the tag and writes both)`,
        };
      }),
};
