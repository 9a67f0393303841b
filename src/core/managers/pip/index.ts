import type { DependencyRef, Pin } from '../../reference.js';
import type { Manager } from '../manager.js';
import { extractRequirements } from './extract.js';
import { isRequirementsPath, parseRequirementsFile } from './requirements-file.js';
import { resolveRequirementsFile } from './resolve-file.js';
import { fileStyle, entryStyle, pinRequirement, type RequirementEntry } from './write.js';

export const pipManager: Manager = {
  name: 'pip',
  matches: isRequirementsPath,
  extract: (file) => extractRequirements(file),
  replace: replaceRequirementVersion,
  // Pins depend on each other (transitive dependencies, one version per package), so whole files resolve at once.
  resolveFile: resolveRequirementsFile,
};

/**
 * Writes `==version` into one requirement, keeping extras, marker, options and comment. Hashes
 * belong to a version, so a requirement that moves loses its sha256 hashes here; `resolveFile`
 * writes the new ones (the planner never calls this for pip, whose files resolve whole).
 */
export function replaceRequirementVersion(text: string, ref: DependencyRef, pin: Pin): string {
  if (!ref.site || pin.version === undefined) return text;
  const parsed = parseRequirementsFile(text);
  const entry = parsed.entries.find((e): e is RequirementEntry => e.kind === 'requirement' && e.requirementSpan.start === ref.site!.span.start);
  if (!entry) return text;
  const keepHashes = pin.version === ref.value;
  const sha256 = keepHashes ? entry.hashes.filter((h) => h.algorithm === 'sha256').map((h) => h.hex) : [];
  const edit = pinRequirement(text, entry, { version: pin.version, sha256 }, entryStyle(entry, fileStyle(parsed)));
  return text.slice(0, edit.span.start) + edit.replacement + text.slice(edit.span.end);
}
