import { rewritePackageLists, slotAddressOf } from '../../shell/package-list.js';
import type { Manager, PinEdit } from '../manager.js';
import { dockerfileManager } from '../dockerfile/index.js';
import { apkAddLists, extractApk } from './extract.js';

/** `apk add` package lists in Dockerfile RUN instructions, pinned `name=version` and kept sorted. */
export const apkManager: Manager = {
  name: 'apk',
  matches: (path) => dockerfileManager.matches(path),
  extract: (file, config) => extractApk(file, config),
  replace: (text, ref, pin) => replaceApkPins(text, [{ ref, pin }]),
  replaceAll: (text, edits) => replaceApkPins(text, edits),
};

/**
 * Writes `name=version` into each pinned word and sorts every list that received a pin: slot i
 * gets the i-th package by name, so flags and the text between words stay where they are.
 */
export function replaceApkPins(text: string, edits: readonly PinEdit[]): string {
  const lists = apkAddLists(text).map(({ add }) => add.packages);
  const replacements = edits.flatMap(({ ref, pin }) => {
    const address = slotAddressOf(ref.context);
    if (!address || pin.version === undefined) return [];
    return [{ ...address, text: `${ref.name}=${pin.version}`, matches: (pkg: { name: string }) => pkg.name === ref.name }];
  });
  return rewritePackageLists(text, lists, replacements);
}
