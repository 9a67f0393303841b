import type { DependencyRef } from '../../reference.js';
import { parseApkAdd } from '../../managers/apk/apk-add.js';
import { parseAptInstall } from '../../managers/apt/apt-install.js';
import { isSortedList, sortSlots, type ListSlot } from '../../shell/package-list.js';
import { programName, type ShellWord } from '../../shell/command-line.js';
import { everyStep, lineOf, type Rule, type RuleHit } from '../rule.js';

/**
 * OS packages of Dockerfile RUN lines. Pins come from the apk and apt managers' references
 * (one per package word, `pinned` when it carries `=version`); sorting reads the same install
 * commands the managers read (`parseApkAdd`, `parseAptInstall`). Scripts and workflow steps
 * install on the CI runner, not into an image, and no base image says which index they use, so
 * these rules read Dockerfiles only.
 */

// A package the manager could name: not `$PACKAGES`, a pattern, or an apk provider (`so:libc.so`, `cmd:sh`).
const APK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const APT_NAME = /^[a-z0-9][a-z0-9+.-]*$/;

function unpinnedPackages(refs: readonly DependencyRef[], manager: 'apk' | 'apt'): DependencyRef[] {
  const name = manager === 'apk' ? APK_NAME : APT_NAME;
  return refs.filter((ref) => ref.manager === manager && !ref.pinned && name.test(ref.name));
}

export const apkNotPinned: Rule = {
  id: 'apk-not-pinned',
  level: 'error',
  finds: '`apk add` of a package without `=version`',
  check: ({ refs }) =>
    unpinnedPackages(refs, 'apk').map((ref) => {
      const constraint = ref.context?.constraint;
      const branch = ref.context?.branch;
      return {
        line: ref.line,
        message: constraint
          ? `apk add ${ref.name}${constraint} accepts a range of versions, so the build takes whichever the index holds that day`
          : `apk add ${ref.name} names no version, so the build takes whichever the index holds that day`,
        fix: `${ref.name}=<version> (repro-pins pin writes the version ${branch ? `Alpine ${branch}` : 'the base image’s Alpine branch'} has now)`,
      };
    }),
};

export const aptNotPinned: Rule = {
  id: 'apt-not-pinned',
  level: 'error',
  finds: '`apt-get install` / `apt install` of a package without `=version`',
  check: ({ refs }) =>
    unpinnedPackages(refs, 'apt').map((ref) => {
      const suite = ref.context?.suite;
      return {
        line: ref.line,
        message: `apt-get install ${ref.name} names no version, so the build takes whichever the archive holds that day`,
        fix: `${ref.name}=<version> (repro-pins pin writes the version ${suite ? `${ref.context?.distro === 'ubuntu' ? 'Ubuntu' : 'Debian'} ${suite}` : 'the base image’s release'} has now)`,
      };
    }),
};

interface PackageList {
  command: string;
  slots: ListSlot[];
}

export const unsortedPackages: Rule = {
  id: 'unsorted-packages',
  level: 'info',
  finds: 'an apk/apt package list not in alphabetical order',
  check: (target) => {
    if (target.kind !== 'dockerfile') return [];
    const hits: RuleHit[] = [];
    for (const { step } of everyStep(target)) {
      const apk = parseApkAdd(step.command);
      const apt = apk ? null : parseAptInstall(step.command);
      const list: PackageList | null = apk ? { command: 'apk add', slots: apk.packages } : apt ? { command: `${programName(step.command) ?? 'apt-get'} install`, slots: apt.packages } : null;
      if (!list || isSortedList(list.slots)) continue;
      const outOfOrder = list.slots.findIndex((slot, i) => i > 0 && list.slots[i - 1]!.key > slot.key);
      const [before, after] = [list.slots[outOfOrder - 1]!, list.slots[outOfOrder]!];
      hits.push({
        line: lineOf(target, wordAt(after.word, step.at)),
        message: `the ${list.command} list is not in alphabetical order (${before.key} before ${after.key}), which makes changes to it harder to review`,
        fix: `list the packages sorted: ${sortSlots(list.slots).map((slot) => slot.word.value).join(' ')} (repro-pins pin keeps the lists it pins sorted)`,
      });
    }
    return hits;
  },
};

function wordAt(word: ShellWord, fallback: number): number {
  return word.at >= 0 ? word.at : fallback;
}
