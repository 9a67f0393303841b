import { rewritePackageLists, slotAddressOf } from '../../shell/package-list.js';
import type { Manager, PinEdit } from '../manager.js';
import { dockerfileManager } from '../dockerfile/index.js';
import type { AptPackageWord } from './apt-install.js';
import { aptInstallLists, extractApt } from './extract.js';

/** `apt-get install` / `apt install` package lists in Dockerfile RUN instructions, pinned `name=version` and kept sorted. */
export const aptManager: Manager = {
  name: 'apt',
  matches: (path) => dockerfileManager.matches(path),
  extract: (file, config) => extractApt(file, config),
  replace: (text, ref, pin) => replaceAptPins(text, [{ ref, pin }]),
  replaceAll: (text, edits) => replaceAptPins(text, edits),
};

/**
 * Writes `name[:arch]=version` into each pinned word (the architecture qualifier as written) and
 * sorts every list that received a pin: slot i gets the i-th package by name.
 */
export function replaceAptPins(text: string, edits: readonly PinEdit[]): string {
  const lists = aptInstallLists(text).map(({ install }) => install.packages);
  const replacements = edits.flatMap(({ ref, pin }) => {
    const address = slotAddressOf(ref.context);
    const pkg = address ? lists[address.list]?.[address.slot] : undefined;
    if (!address || !pkg || pin.version === undefined) return [];
    const qualifier = pkg.arch ? `:${pkg.arch}` : '';
    return [{ ...address, text: `${pkg.name}${qualifier}=${pin.version}`, matches: (word: AptPackageWord) => word.name === ref.name }];
  });
  return rewritePackageLists(text, lists, replacements);
}
