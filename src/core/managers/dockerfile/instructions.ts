/**
 * Splits a Dockerfile into parser directives and logical instructions the way BuildKit's
 * parser does (moby/buildkit `frontend/dockerfile/parser`), keeping for every character of an
 * instruction the offset it came from, so pins can be written back into the original bytes.
 */

import { OffsetsBuilder, type MappedText, type Offsets } from '../../offsets.js';

export interface Directive {
  key: string;
  value: string;
  /** File offset of the value. */
  start: number;
}

/** A token of an instruction's arguments with the file offset of each of its characters. */
export type Token = MappedText;

export interface Instruction {
  /** Upper-cased keyword (`FROM`, `RUN`, ...). */
  keyword: string;
  /** Arguments after the keyword, whitespace-separated, continuation lines joined. */
  args: Token[];
  /** File offset where the instruction starts. */
  start: number;
  /** Everything after the keyword, continuation lines joined, whitespace kept (a RUN's shell text). */
  body: Token;
  /** Here-document bodies the instruction names (`RUN <<EOF`), in order. */
  heredocs: Heredoc[];
}

/** A here-document of a RUN, COPY or ADD instruction (https://docs.docker.com/reference/dockerfile/#here-documents). */
export interface Heredoc {
  /** The delimiter word (`EOF`). */
  delimiter: string;
  /** `<<-EOF`: leading tabs are stripped from the body. */
  stripTabs: boolean;
  /** `<<"EOF"` or `<<'EOF'`: variables in the body are not expanded. */
  quoted: boolean;
  /** The body lines with their line breaks, without the delimiter line, mapped to file offsets. */
  body: Token;
}

export interface ParsedDockerfile {
  directives: Directive[];
  escape: '\\' | '`';
  instructions: Instruction[];
  /** Set when the file is over `MAX_DOCKERFILE_CHARS` and was not read at all (no instructions). */
  tooLarge?: string;
}

/**
 * The largest Dockerfile read: 512 Ki characters. Real ones are tens of KiB (moby's, 671 lines, is
 * 25 KiB); reading one costs about 300 bytes of memory per byte at worst (a file of one-line RUNs),
 * so without a bound a repository's 8 MiB file would take the App's worker past 2 GB (issue 10).
 * A larger file is reported and left whole: nothing of it is pinned or checked.
 */
export const MAX_DOCKERFILE_CHARS = 512 * 1024;

interface PhysicalLine {
  /** Line content without the line terminator (a trailing `\r` is removed too). */
  text: string;
  start: number;
}

function splitLines(text: string): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const content = text.slice(start, end);
    lines.push({ text: content.endsWith('\r') ? content.slice(0, -1) : content, start });
    if (newline === -1) break;
    start = newline + 1;
  }
  return lines;
}

// Directives are only recognised before the first comment, blank line or instruction
// (https://docs.docker.com/reference/dockerfile/#parser-directives).
// The value is trimmed after the match: a lazy `(.*?)[ \t]*$` backtracks quadratically on a long line of spaces.
const directivePattern = /^[ \t]*#[ \t]*([a-zA-Z][a-zA-Z0-9_-]*)[ \t]*=[ \t]*(.*)$/s;
const knownDirectives = new Set(['syntax', 'escape', 'check']);
const heredocPattern = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;
const heredocInstructions = new Set(['RUN', 'COPY', 'ADD']);

/**
 * The extractors, the apk and apt readers and the rules all read the same Dockerfile in one
 * scan: the last parse is kept so a 1 MiB file is parsed once, not once per reader. Callers
 * treat the result as read-only.
 */
let lastParsed: { source: string; parsed: ParsedDockerfile } | null = null;

export function parseDockerfile(source: string): ParsedDockerfile {
  if (lastParsed?.source !== source) lastParsed = { source, parsed: readDockerfile(source) };
  return lastParsed.parsed;
}

function readDockerfile(source: string): ParsedDockerfile {
  if (source.length > MAX_DOCKERFILE_CHARS) {
    const size = `${(source.length / 1024).toFixed(0)} Ki characters`;
    return { directives: [], escape: '\\', instructions: [], tooLarge: `the Dockerfile is ${size}, over the ${MAX_DOCKERFILE_CHARS / 1024} Ki repro-pins reads (real ones are tens of KiB), so none of it is pinned or checked: split it into several files` };
  }
  // A UTF-8 byte-order mark is not part of the first line (BuildKit strips it too).
  const bomLength = source.startsWith('\uFEFF') ? 1 : 0;
  const lines = splitLines(source);
  if (bomLength && lines[0]) lines[0] = { text: lines[0].text.slice(1), start: lines[0].start + 1 };

  const directives: Directive[] = [];
  let escape: '\\' | '`' = '\\';
  let index = 0;
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    const match = directivePattern.exec(line.text);
    if (!match) break;
    const key = match[1]!.toLowerCase();
    if (!knownDirectives.has(key) || directives.some((d) => d.key === key)) break;
    let valueEnd = match[2]!.length;
    while (valueEnd > 0 && (match[2]![valueEnd - 1] === ' ' || match[2]![valueEnd - 1] === '\t')) valueEnd--;
    const value = match[2]!.slice(0, valueEnd);
    directives.push({ key, value, start: line.start + line.text.indexOf(value, line.text.indexOf('=') + 1) });
    if (key === 'escape' && (value === '`' || value === '\\')) escape = value;
  }

  const instructions: Instruction[] = [];
  while (index < lines.length) {
    const first = lines[index]!;
    if (/^\s*$/.test(first.text) || /^\s*#/.test(first.text)) {
      index++;
      continue;
    }
    // Join continuation lines; comment and blank lines inside a continuation are dropped.
    const pieces: string[] = [];
    const built = new OffsetsBuilder();
    let line: PhysicalLine | undefined = first;
    let isFirst = true;
    while (line) {
      index++;
      const skip = !isFirst && (/^\s*#/.test(line.text) || /^\s*$/.test(line.text));
      isFirst = false;
      if (skip) {
        line = lines[index];
        continue;
      }
      // trimEnd, not /\s+$/: that regex retries from every space of a long line (quadratic).
      const trimmed = line.text.trimEnd();
      const continues = trimmed.endsWith(escape);
      const content = continues ? trimmed.slice(0, -1) : line.text;
      pieces.push(content);
      built.add(line.start, content.length);
      if (!continues) break;
      // A separator keeps tokens on both sides of the break apart in the offset map.
      pieces.push(' ');
      built.add(-1, 1);
      line = lines[index];
    }
    const logical = pieces.join('');
    const offsets = built.build();
    let tokens = tokenize(logical, offsets);
    const keywordToken = tokens.shift();
    if (!keywordToken) continue;
    const keyword = keywordToken.text.toUpperCase();
    const bodyStart = logical.search(/\S/) + keywordToken.text.length;
    // ARG, ENV and LABEL read `key="a b"` as one word, as BuildKit's parseNameVal does; the other
    // instructions split at whitespace whatever the quotes (parseStringsWhitespaceDelimited).
    if (quotedWordInstructions.has(keyword)) tokens = tokenizeQuoted(logical, offsets, bodyStart, escape);
    const body = { text: logical.slice(bodyStart), offsets: offsets.slice(bodyStart) };
    const heredocs: Heredoc[] = [];
    if (heredocInstructions.has(keyword)) index = readHeredocBodies(logical, lines, index, heredocs);
    instructions.push({ keyword, args: tokens, start: keywordToken.offsets.at(0) ?? first.start, body, heredocs });
  }
  return { directives, escape, instructions };
}

function tokenize(logical: string, offsets: Offsets): Token[] {
  const tokens: Token[] = [];
  const pattern = /\S+/g;
  for (let match = pattern.exec(logical); match; match = pattern.exec(logical)) {
    tokens.push({ text: match[0], offsets: offsets.slice(match.index, match.index + match[0].length) });
  }
  return tokens;
}

const quotedWordInstructions = new Set(['ARG', 'ENV', 'LABEL']);

/** Words from `from` on, a blank inside quotes (or after the escape character) kept in its word. */
function tokenizeQuoted(logical: string, offsets: Offsets, from: number, escape: string): Token[] {
  const tokens: Token[] = [];
  let start = -1;
  let quote: '"' | "'" | null = null;
  const end = (i: number) => {
    if (start !== -1) tokens.push({ text: logical.slice(start, i), offsets: offsets.slice(start, i) });
    start = -1;
  };
  for (let i = from; i < logical.length; i++) {
    const c = logical[i]!;
    if (quote === null && (c === ' ' || c === '\t')) {
      end(i);
      continue;
    }
    if (start === -1) start = i;
    if (c === escape && quote !== "'") i++;
    else if (quote === null && (c === '"' || c === "'")) quote = c;
    else if (c === quote) quote = null;
  }
  end(logical.length);
  return tokens;
}

/** Heredoc bodies follow the instruction's last line, one after another, each up to its delimiter. */
function readHeredocBodies(logical: string, lines: PhysicalLine[], index: number, heredocs: Heredoc[]): number {
  for (const match of logical.matchAll(heredocPattern)) {
    const stripTabs = match[1] === '-';
    const word = match[3]!;
    const texts: string[] = [];
    const offsets = new OffsetsBuilder();
    while (index < lines.length) {
      const line = lines[index++]!;
      const stripped = stripTabs ? line.text.replace(/^\t+/, '') : line.text;
      if (stripped === word) break;
      const from = line.text.length - stripped.length;
      texts.push(stripped, '\n');
      // The line break stands where the line's terminator starts (its `\r` in a CRLF file).
      offsets.add(line.start + from, stripped.length + 1);
    }
    heredocs.push({ delimiter: word, stripTabs, quoted: match[2] !== '', body: { text: texts.join(''), offsets: offsets.build() } });
  }
  return index;
}

/** The file span of a token when its characters are contiguous in the file, else null. */
export function tokenSpan(token: Token, from = 0, to = token.text.length): { start: number; end: number } | null {
  const end = Math.min(to, token.offsets.length);
  const start = token.offsets.at(from);
  if (start === undefined || start < 0) return null;
  for (let i = from + 1; i < end; i++) if (token.offsets.at(i) !== start + i - from) return null;
  return { start, end: start + end - from };
}
