import type { Rule } from './rule.js';
import type { RuleId } from './rule-ids.js';
import { actionNotPinned } from './rules/action-not-pinned.js';
import { addUrlNoChecksum } from './rules/add-url-no-checksum.js';
import { aptNoSnapshot } from './rules/apt-no-snapshot.js';
import { goBuildFlags, goInstallUnpinned } from './rules/go.js';
import { imageLatest, imageNotPinned } from './rules/image.js';
import { buildAttestations, buildNoEpoch, buildNoRewriteTimestamp } from './rules/image-build.js';
import { npmInstall } from './rules/npm-install.js';
import { apkNotPinned, aptNotPinned, unsortedPackages } from './rules/packages.js';
import { pipeToShell } from './rules/pipe-to-shell.js';
import { pipNoRequireHashes, requirementsNotHashed } from './rules/pip.js';

/**
 * Every rule, registered once by its id (the design's table): adding a rule is a module under
 * `rules/`, its id in `rule-ids.ts`, and one line here. The type makes a missing id a compile error.
 */
export const rules: Readonly<Record<RuleId, Rule>> = {
  'image-not-pinned': imageNotPinned,
  'image-latest': imageLatest,
  'action-not-pinned': actionNotPinned,
  'pip-no-require-hashes': pipNoRequireHashes,
  'requirements-not-hashed': requirementsNotHashed,
  'apk-not-pinned': apkNotPinned,
  'apt-not-pinned': aptNotPinned,
  'apt-no-snapshot': aptNoSnapshot,
  'npm-install': npmInstall,
  'go-install-unpinned': goInstallUnpinned,
  'go-build-flags': goBuildFlags,
  'pipe-to-shell': pipeToShell,
  'add-url-no-checksum': addUrlNoChecksum,
  'build-no-epoch': buildNoEpoch,
  'build-no-rewrite-timestamp': buildNoRewriteTimestamp,
  'build-attestations': buildAttestations,
  'unsorted-packages': unsortedPackages,
};
