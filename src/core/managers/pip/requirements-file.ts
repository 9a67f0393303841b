import { parseRequirement, type ParsedRequirement } from './pep508.js';

/**
 * The pip requirements file format (https://pip.pypa.io/en/stable/reference/requirements-file-format/),
 * read the way pip's `req_file.py` reads it: physical lines are joined on a trailing `\` (a
 * comment line ends the join), comments are cut at `#` that starts the line or follows
 * whitespace, and a line splits into requirement and options at the first space-separated token
 * that starts with `-` (`break_args_options`). Every entry keeps the offsets a rewrite needs.
 */

export interface Span {
  start: number;
  end: number;
}

/** One logical line: physical lines joined on `\`. */
export interface LogicalLine {
  /** 1-based line of its first physical line. */
  line: number;
  /** From the first physical line's start to the last one's end, line terminator excluded. */
  span: Span;
  /** How many physical lines it spans. */
  physicalLines: number;
  /** The comment, with the whitespace before it, as offsets into the text; null without one. */
  comment: Span | null;
  /** Whether the comment starts its own physical line (only whitespace before it there). */
  commentOwnLine: boolean;
  /** Indentation of the second physical line, when there is one (the file's continuation style). */
  continuationIndent: string | null;
}

export interface Hash {
  algorithm: string;
  hex: string;
}

interface EntryBase {
  logical: LogicalLine;
}

export type RequirementsEntry =
  | (EntryBase & {
      kind: 'requirement';
      requirement: ParsedRequirement;
      /** Offsets of the requirement string (what precedes the options). */
      requirementSpan: Span;
      /** The requirement string as pip reads it (continuations joined); `requirement`'s offsets index it. */
      requirementText: string;
      hashes: Hash[];
      /** Per-requirement options other than `--hash`, as written (`--config-settings=…`). */
      otherOptions: string[];
    })
  | (EntryBase & { kind: 'include'; mode: 'requirement' | 'constraint'; path: string })
  | (EntryBase & { kind: 'index-url'; url: string; extra: boolean })
  | (EntryBase & { kind: 'no-index' })
  | (EntryBase & { kind: 'trusted-host'; host: string })
  /** Something pip installs without an index (editable, URL, local path): left alone, reported as skipped. */
  | (EntryBase & { kind: 'unindexed'; target: string; reason: string })
  | (EntryBase & { kind: 'invalid'; message: string });

export interface RequirementsFile {
  entries: RequirementsEntry[];
  /** The file's line terminator: `\r\n` when its first line ends so. */
  eol: string;
}

/**
 * pip's comment regex `(^|\s+)#.*$`: where the comment starts (the whitespace before its `#`)
 * and where its `#` is, or null. Found by scanning for `#`: the regex retried `\s+` from every
 * space of a long run of spaces (quadratic: 15 s for `flask` and 100k spaces).
 */
function findComment(joined: string): { index: number; hash: number } | null {
  for (let hash = joined.indexOf('#'); hash !== -1; hash = joined.indexOf('#', hash + 1)) {
    if (hash > 0 && !/\s/.test(joined[hash - 1]!)) continue;
    let index = hash;
    while (index > 0 && /\s/.test(joined[index - 1]!)) index--;
    return { index, hash };
  }
  return null;
}

// `requirements*.txt` anywhere (the design), plus the files they usually include: `constraints*.txt`
// and everything in a `requirements/` folder (`requirements/base.txt`, `requirements/dev.txt`).
const REQUIREMENTS_PATH = /(^|\/)(requirements[^/]*|constraints[^/]*|requirements\/[^/]+)\.txt$/;
const CONSTRAINTS_PATH = /(^|\/)constraints[^/]*\.txt$/;

/** Whether a repository path is a requirements file the pip manager reads. */
export function isRequirementsPath(path: string): boolean {
  return REQUIREMENTS_PATH.test(path);
}

/** `constraints*.txt` are `-c` targets: pinned and hashed, but what they name is not followed or added to. */
export function isConstraintsPath(path: string): boolean {
  return CONSTRAINTS_PATH.test(path);
}

export function parseRequirementsFile(text: string): RequirementsFile {
  const physical = physicalLines(text);
  const eol = physical[0]?.eol === '\r\n' ? '\r\n' : '\n';
  const entries: RequirementsEntry[] = [];
  for (const joined of joinLines(text, physical)) {
    const entry = parseLogicalLine(joined);
    if (entry) entries.push(entry);
  }
  return { entries, eol };
}

interface PhysicalLine {
  start: number;
  /** End of the content, terminator excluded. */
  end: number;
  eol: string;
}

function physicalLines(text: string): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let start = 0;
  // A BOM is not part of the first line's content.
  if (text.charCodeAt(0) === 0xfeff) start = 1;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    if (newline === -1) {
      if (start < text.length) lines.push({ start, end: text.length, eol: '' });
      break;
    }
    const crlf = newline > start && text[newline - 1] === '\r';
    lines.push({ start, end: crlf ? newline - 1 : newline, eol: crlf ? '\r\n' : '\n' });
    start = newline + 1;
  }
  return lines;
}

interface JoinedLine {
  logical: LogicalLine;
  /** The joined text, as pip sees it before cutting comments. */
  joined: string;
  /** Text offset of each joined character (and one past the end). */
  offsets: number[];
}

/**
 * pip's `join_lines`: a line ending in `\` continues, unless it is a comment line, which ends the
 * join. One logical line at a time: holding every line's offset map until the last was parsed
 * kept 200k of them alive at once (issue 10's bench), promoted and collected the slow way.
 */
function* joinLines(text: string, physical: PhysicalLine[]): Generator<JoinedLine> {
  let group: PhysicalLine[] = [];
  let firstIndex = 0;
  const flush = (): JoinedLine | null => {
    if (group.length === 0) return null;
    let joined = '';
    const offsets: number[] = [];
    group.forEach((line, i) => {
      let content = text.slice(line.start, line.end);
      let contentStart = line.start;
      const isLast = i === group.length - 1;
      if (!isLast || content.endsWith('\\')) {
        // pip strips backslashes from both ends of a continued line (`line.strip("\\")`).
        const leading = /^\\*/.exec(content)![0].length;
        // Counted, not matched: /\\*$/ retries from every backslash of a long run (quadratic).
        let trailing = 0;
        while (trailing < content.length - leading && content[content.length - 1 - trailing] === '\\') trailing += 1;
        content = content.slice(leading, content.length - trailing);
        contentStart += leading;
      }
      if (isLast && isCommentLine(text.slice(line.start, line.end)) && group.length > 1) {
        // pip prefixes a joined comment line with a space so the comment is always matched.
        offsets.push(line.start);
        joined += ' ';
      }
      for (let k = 0; k < content.length; k += 1) offsets.push(contentStart + k);
      joined += content;
    });
    const last = group[group.length - 1]!;
    offsets.push(last.end);
    const logical = describeLogical(text, group, firstIndex + 1, joined, offsets);
    group = [];
    return { logical, joined, offsets };
  };
  for (let index = 0; index < physical.length; index++) {
    const line = physical[index]!;
    const content = text.slice(line.start, line.end);
    if (group.length === 0) firstIndex = index;
    group.push(line);
    if (!content.endsWith('\\') || isCommentLine(content)) yield flush()!;
  }
  const last = flush();
  if (last) yield last;
}

function isCommentLine(content: string): boolean {
  return /^\s*#/.test(content);
}

function describeLogical(text: string, group: PhysicalLine[], line: number, joined: string, offsets: number[]): LogicalLine {
  const first = group[0]!;
  const last = group[group.length - 1]!;
  const match = findComment(joined);
  let comment: Span | null = null;
  let commentOwnLine = false;
  if (match) {
    const hashAt = offsets[match.hash]!;
    const start = offsets[match.index]!;
    comment = { start: Math.min(start, hashAt), end: last.end };
    const lineStart = text.lastIndexOf('\n', hashAt - 1) + 1;
    commentOwnLine = group.length > 1 && /^\s*$/.test(text.slice(lineStart, hashAt)) && lineStart > first.start;
    if (commentOwnLine) comment.start = lineStart;
  }
  const second = group[1];
  return {
    line,
    span: { start: first.start, end: last.end },
    physicalLines: group.length,
    comment,
    commentOwnLine,
    continuationIndent: second ? /^[ \t]*/.exec(text.slice(second.start, second.end))![0] : null,
  };
}

/** Options a requirements file may carry on their own line that take a value. */
const VALUE_OPTIONS = new Map<string, string>([
  ['-r', 'requirement'],
  ['--requirement', 'requirement'],
  ['-c', 'constraint'],
  ['--constraint', 'constraint'],
  ['-i', 'index-url'],
  ['--index-url', 'index-url'],
  ['--extra-index-url', 'extra-index-url'],
  ['-e', 'editable'],
  ['--editable', 'editable'],
  ['-f', 'find-links'],
  ['--find-links', 'find-links'],
  ['--trusted-host', 'trusted-host'],
  ['--use-feature', 'use-feature'],
  ['--only-binary', 'only-binary'],
  ['--no-binary', 'no-binary'],
  ['--hash', 'hash'],
  ['--config-settings', 'config-settings'],
  ['--global-option', 'global-option'],
]);

function parseLogicalLine({ logical, joined, offsets }: JoinedLine): RequirementsEntry | null {
  const match = findComment(joined);
  const content = match ? joined.slice(0, match.index) : joined;
  if (content.trim() === '') return null;
  // break_args_options: split on single spaces; the requirement ends at the first "-" token.
  const tokens = content.split(' ');
  let argsEnd = 0;
  while (argsEnd < tokens.length && !tokens[argsEnd]!.startsWith('-')) argsEnd += 1;
  const args = tokens.slice(0, argsEnd).join(' ');
  const optionWords = splitWords(tokens.slice(argsEnd).join(' '));
  const options = readOptions(optionWords);
  if (typeof options === 'string') return { kind: 'invalid', logical, message: options };

  if (args.trim() === '') {
    const first = options[0];
    if (!first) return null;
    switch (first.option) {
      case 'requirement':
      case 'constraint':
        return { kind: 'include', logical, mode: first.option, path: first.value };
      case 'index-url':
      case 'extra-index-url':
        return { kind: 'index-url', logical, url: first.value, extra: first.option === 'extra-index-url' };
      case 'no-index':
        return { kind: 'no-index', logical };
      case 'trusted-host':
        return { kind: 'trusted-host', logical, host: first.value };
      case 'editable':
        return { kind: 'unindexed', logical, target: first.value, reason: 'an editable requirement is installed from a local path or a VCS URL, not from an index' };
      default:
        // --pre, --find-links, --prefer-binary and the like change how pip picks, not what is pinned.
        return null;
    }
  }

  const leading = args.length - args.trimStart().length;
  const reqText = args.trim();
  const requirementSpan = { start: offsets[leading]!, end: offsets[leading + reqText.length - 1]! + 1 };
  const hashes: Hash[] = [];
  const otherOptions: string[] = [];
  for (const { option, value, written } of options) {
    if (option === 'hash') {
      const hash = /^(sha256|sha384|sha512|md5|sha1|sha224):([0-9a-fA-F]+)$/.exec(value);
      if (!hash) return { kind: 'invalid', logical, message: `--hash=${value} is not "<algorithm>:<hex digest>"` };
      hashes.push({ algorithm: hash[1]!, hex: hash[2]!.toLowerCase() });
    } else {
      otherOptions.push(written);
    }
  }
  const unindexed = unindexedReason(reqText);
  if (unindexed) return { kind: 'unindexed', logical, target: reqText, reason: unindexed };
  const parsed = parseRequirement(reqText);
  if (!parsed.ok) return { kind: 'invalid', logical, message: parsed.message };
  return { kind: 'requirement', logical, requirement: parsed.requirement, requirementSpan, requirementText: reqText, hashes, otherOptions };
}

/** pip's own tests (`is_url`, `_looks_like_path`, `is_archive_file`): what is a URL or a path, not a project name. */
function unindexedReason(text: string): string | null {
  // `\s*(?:[…]\s*)?@`, not `\s*(…)?\s*@`: two adjacent `\s*` split a run of spaces n ways (quadratic).
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\]\s*)?@/.test(text)) return 'a direct URL reference (name @ url) is installed from that URL, not looked up on an index';
  if (/^[A-Za-z][A-Za-z0-9+.-]*\+[A-Za-z]+:\/\//.test(text)) return 'a VCS URL has no index version to pin, and pip cannot check hashes of a VCS checkout';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) || text.startsWith('file:')) return 'a URL requirement is installed from that URL, not looked up on an index';
  // Markers may hold anything; pip looks only at what precedes them.
  const head = text.split(';')[0]!.trim();
  if (/^[./~]/.test(head) || head.includes('/') || head.includes('\\')) return 'a local path is installed as it is, not looked up on an index';
  if (/\.(whl|zip|tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tar)$/i.test(head.split(/\s/)[0] ?? '')) return 'a local archive is installed as it is, not looked up on an index';
  return null;
}

interface ParsedOption {
  option: string;
  value: string;
  /** The option as written, normalised to one word (`--config-settings=a=b`). */
  written: string;
}

/** optparse as pip configures it: `--opt=value`, `--opt value`, `-rvalue`, `-r value`. */
function readOptions(words: string[]): ParsedOption[] | string {
  const parsed: ParsedOption[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    if (word === '--no-index' || word === '--pre' || word === '--prefer-binary' || word === '--require-hashes') {
      parsed.push({ option: word.slice(2), value: '', written: word });
      continue;
    }
    const long = /^(--[a-z][a-z-]*)(?:=(.*))?$/s.exec(word);
    const short = /^(-[a-zA-Z])(.*)$/s.exec(word);
    const flag = long?.[1] ?? short?.[1];
    const option = flag ? VALUE_OPTIONS.get(flag) : undefined;
    if (!flag || !option) {
      // pip refuses unknown options; this line is left alone and pip will say why.
      parsed.push({ option: 'unknown', value: word, written: word });
      continue;
    }
    let value = long ? long[2] : short?.[2] || undefined;
    if (value === undefined) {
      value = words[i + 1];
      i += 1;
      if (value === undefined) return `${flag} needs a value`;
    }
    parsed.push({ option, value, written: `${flag}${long ? '=' : flag.length === 2 ? ' ' : '='}${value}` });
  }
  return parsed;
}

/** shlex.split, enough for requirements files: whitespace separates, quotes group, `\` escapes outside single quotes. */
function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) word += text[++i]!;
      else word += ch;
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (ch === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i]!;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
