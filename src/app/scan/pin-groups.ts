import type { DependencyRef } from '../../core/reference.js';

/**
 * How pins are split into pull requests: by default one PR for references that were not pinned
 * yet and one (weekly) PR for refreshing pins that moved, so a routine refresh never waits on a
 * first pin that needs a closer look.
 */
export interface PinGroup {
  /** Branch `repro-pins/<name>`. */
  name: 'new-pins' | 'refresh';
  title: string;
  includes(ref: DependencyRef): boolean;
}

export const PIN_GROUPS: readonly PinGroup[] = [
  { name: 'new-pins', title: 'Pin container build inputs', includes: (ref) => !ref.pinned },
  { name: 'refresh', title: 'Refresh pinned container build inputs', includes: (ref) => ref.pinned },
];

export const BRANCH_PREFIX = 'repro-pins/';

export function branchOf(group: string): string {
  return `${BRANCH_PREFIX}${group}`;
}
