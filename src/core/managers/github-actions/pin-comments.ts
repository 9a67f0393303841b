/**
 * The comment that pinning tools leave after a pinned `uses:` or image, on the scalar's line:
 * - a version comment, as Dependabot, pinact and repro-pins write it (`# v4.2.2`, `#v4.2.2`) and
 *   as Renovate reads and writes it (`# tag=v4.2.2`, `# pin @v4.2.2`, `# renovate: tag=v4.2.2`,
 *   https://docs.renovatebot.com/modules/manager/github-actions/);
 * - ratchet's `# ratchet:<the value before pinning>` (`ratchet:actions/checkout@v3`,
 *   `ratchet:docker://ubuntu:20.04`, `ratchet:ubuntu:20.04`), found anywhere in the comment and
 *   ending at a space, and `ratchet:exclude`, which keeps the value from being pinned
 *   (https://github.com/sethvargo/ratchet, parser/parser.go: `extractOriginalFromComment`, `shouldExclude`).
 */
export type PinComment =
  | {
      kind: 'version';
      /** Everything from the end of the scalar to the version: spaces, `#`, `tag=`. */
      head: string;
      tag: string;
      /** Offset just after the version. */
      end: number;
    }
  | {
      kind: 'ratchet';
      /** The value ratchet pinned: `owner/repo@v3`, `docker://ubuntu:20.04`, `ubuntu:20.04`. */
      original: string;
      /** Offsets of `original` in the text. */
      start: number;
      end: number;
    }
  | { kind: 'ratchet-exclude' };

/**
 * Only a comment that is nothing but a version counts, optionally followed by another `#`
 * comment, so prose such as `# 2024 fix` is never taken for a tag and rewritten.
 */
const VERSION_COMMENT = /^([ \t]+#[ \t]*(?:renovate[ \t]*:[ \t]*)?(?:tag[ \t]*=[ \t]*|pin[ \t]+@?|@)?)(v?\d[\w.+-]*)(?=[ \t]*(?:#|\r?$))/;
const RATCHET_EXCLUDE = 'ratchet:exclude';
const RATCHET = /(?<=[\s#])ratchet:(\S+)/;

/** The pin comment right after the scalar that ends at `offset`, or null when the line goes on otherwise. */
export function pinCommentAt(text: string, offset: number): PinComment | null {
  const lineEnd = text.indexOf('\n', offset);
  const line = text.slice(offset, lineEnd === -1 ? text.length : lineEnd);
  if (!/^[ \t]+#/.test(line)) return null;
  if (line.includes(RATCHET_EXCLUDE)) return { kind: 'ratchet-exclude' };
  const ratchet = RATCHET.exec(line);
  if (ratchet) {
    const original = ratchet[1] ?? '';
    const start = offset + ratchet.index + 'ratchet:'.length;
    return { kind: 'ratchet', original, start, end: start + original.length };
  }
  const version = VERSION_COMMENT.exec(line);
  if (!version) return null;
  const [whole, head = '', tag = ''] = version;
  return { kind: 'version', head, tag, end: offset + whole.length };
}

/** Whether a pin site's text carries a ratchet comment: its SHA is refreshed, and the comment kept as ratchet wrote it. */
export function hasRatchetComment(raw: string): boolean {
  return RATCHET.test(raw);
}

export const RATCHET_EXCLUDED = 'a `# ratchet:exclude` comment keeps it from being pinned';
