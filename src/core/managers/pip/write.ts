import type { RequirementsEntry, RequirementsFile, Span } from './requirements-file.js';

/**
 * How pins are written: a requirement becomes `name[extras]==version ; marker` followed by one
 * `--hash=sha256:…` per distribution file, in the continuation style the file already uses
 * (pip-compile's `\` + four spaces when it uses none). Only the requirement's own logical line
 * changes; its comment is kept, and kept where pip still reads it as a comment.
 */

export type RequirementEntry = Extract<RequirementsEntry, { kind: 'requirement' }>;

export interface LineStyle {
  /** One option per physical line, joined with ` \`. */
  multiline: boolean;
  indent: string;
  eol: string;
}

/** The first line of the block of added transitive dependencies; everything after it is regenerated on each run. */
export const ADDED_BLOCK_HEADER = '# repro-pins: transitive dependencies, added because pip --require-hashes needs every package pinned';
const DEFAULT_INDENT = '    ';

/** The style of the file's first hashed requirement, else pip-compile's. */
export function fileStyle(file: RequirementsFile): LineStyle {
  for (const entry of file.entries) {
    if (entry.kind !== 'requirement') continue;
    if (entry.logical.physicalLines > 1 && entry.logical.continuationIndent !== null && !(entry.logical.commentOwnLine && entry.logical.physicalLines === 2)) {
      return { multiline: true, indent: entry.logical.continuationIndent || DEFAULT_INDENT, eol: file.eol };
    }
    if (entry.hashes.length > 0) return { multiline: false, indent: DEFAULT_INDENT, eol: file.eol };
  }
  return { multiline: true, indent: DEFAULT_INDENT, eol: file.eol };
}

/** A requirement's own style wins over the file's: a one-line hashed requirement stays on one line. */
export function entryStyle(entry: RequirementEntry, file: LineStyle): LineStyle {
  const { logical } = entry;
  const continued = logical.physicalLines > (logical.commentOwnLine ? 2 : 1);
  if (continued) return { ...file, multiline: true, indent: logical.continuationIndent || file.indent };
  if (entry.hashes.length > 0) return { ...file, multiline: false };
  return file;
}

export interface RequirementPin {
  /** The version to write with `==`; null keeps the specifier as written (it already pins this version). */
  version: string | null;
  /** sha256 hex digests of every file of the version. */
  sha256: string[];
}

/** The edit that pins one requirement: from the requirement's first character to the end of its logical line. */
export function pinRequirement(text: string, entry: RequirementEntry, pin: RequirementPin, style: LineStyle): { span: Span; replacement: string } {
  const { requirement, requirementText } = entry;
  const requirementPart =
    pin.version === null
      ? requirementText
      : `${requirementText.slice(0, requirement.specifierStart)}==${pin.version}${requirementText.slice(requirement.specifierEnd)}`;
  // Hashes in other algorithms are the user's: kept, since pip accepts a file matching any listed hash.
  const kept = entry.hashes.filter((h) => h.algorithm !== 'sha256').map((h) => `--hash=${h.algorithm}:${h.hex}`);
  const options = [...entry.otherOptions, ...kept, ...pin.sha256.map((hex) => `--hash=sha256:${hex}`)];
  let body = joinOptions([requirementPart.trimEnd(), ...options], style);
  const { comment, commentOwnLine } = entry.logical;
  if (comment) {
    const commentText = text.slice(comment.start, comment.end);
    // A comment on a line of its own is read as a comment only after a ` \` (pip's join_lines).
    body += commentOwnLine ? ` \\${style.eol}${commentText}` : commentText;
  }
  return { span: { start: entry.requirementSpan.start, end: entry.logical.span.end }, replacement: body };
}

function joinOptions(parts: string[], style: LineStyle): string {
  if (!style.multiline || parts.length === 1) return parts.join(' ');
  return parts.map((part, i) => (i === 0 ? part : `${style.indent}${part}`)).join(` \\${style.eol}`);
}

export interface AddedRequirement {
  name: string;
  version: string;
  sha256: string[];
  /** Names of the packages that need it. */
  via: string[];
  /** The entry's text as it stands, kept verbatim when its hashes must not be touched. */
  keptText?: string;
}

/** The added block: header, then one entry per package (in the order given: sorted by name), each followed by `# via …` like pip-compile. */
export function formatAddedBlock(entries: AddedRequirement[], style: LineStyle): string {
  const lines = [ADDED_BLOCK_HEADER];
  for (const entry of entries) {
    lines.push(entry.keptText ?? joinOptions([`${entry.name}==${entry.version}`, ...entry.sha256.map((hex) => `--hash=sha256:${hex}`)], style));
    if (entry.via.length > 0) lines.push(`${style.indent}# via ${entry.via.join(', ')}`);
  }
  return lines.map((line) => `${line}${style.eol}`).join('');
}

/** Offset where the added block starts (its header line), or null when the file has none. */
export function findAddedBlock(text: string): number | null {
  for (let at = text.indexOf(ADDED_BLOCK_HEADER); at !== -1; at = text.indexOf(ADDED_BLOCK_HEADER, at + 1)) {
    if (at === 0 || text[at - 1] === '\n' || (at === 1 && text.charCodeAt(0) === 0xfeff)) return at;
  }
  return null;
}
