/**
 * The `.env` file compose reads for interpolation, with compose's syntax
 * (https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/#env-file-syntax):
 * `KEY=VALUE` lines with an optional `export ` prefix, `#` comment lines, `VAL # comment` after a
 * space for unquoted values, single quotes taken literally, double quotes with `\n \r \t \\ \"`
 * escapes, quoted values over several lines, and interpolation in unquoted and double-quoted
 * values. A line compose would reject is skipped with its reason, never thrown.
 */

export interface EnvEntry {
  name: string;
  /** 1-based line of the assignment. */
  line: number;
  /** The value compose reads, or null when it cannot be known statically (see `unknown`). */
  value: string | null;
  /** Why the value is not known statically (it interpolates another variable); null when known. */
  unknown: string | null;
  /** Where the value's bytes are, when they are exactly `value` (no escapes): a pin is spliced there. */
  site: { start: number; end: number; raw: string } | null;
  /** Why a known value has no site: it was interpolated from `${…}`. */
  unwritable?: string;
}

/** A line compose would not accept, skipped with the reason. */
export interface EnvLineProblem {
  line: number;
  message: string;
}

export interface EnvFile {
  /** By name; a later assignment of a name replaces an earlier one, as compose reads the file top down. */
  entries: Map<string, EnvEntry>;
  problems: EnvLineProblem[];
}

import { interpolate } from './interpolation.js';

// compose-go's dotenv accepts dots and dashes in keys; interpolation can only name [A-Za-z_][A-Za-z0-9_]*.
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const DOUBLE_QUOTE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$' };

export function readEnvFile(text: string): EnvFile {
  const entries = new Map<string, EnvEntry>();
  const problems: EnvLineProblem[] = [];
  let pos = text.startsWith('\uFEFF') ? 1 : 0;
  let line = 1;
  while (pos < text.length) {
    const read = readLine(text, pos, line, entries);
    if (read.entry) entries.set(read.entry.name, read.entry);
    if (read.problem) problems.push({ line, message: read.problem });
    line += countNewlines(text, pos, read.next);
    pos = read.next;
  }
  return { entries, problems };
}

interface LineRead {
  entry?: EnvEntry;
  problem?: string;
  /** Offset of the next line to read. */
  next: number;
}

function readLine(text: string, start: number, line: number, earlier: ReadonlyMap<string, EnvEntry>): LineRead {
  const newline = text.indexOf('\n', start);
  const lineEnd = newline === -1 ? text.length : newline;
  const afterLine = newline === -1 ? text.length : newline + 1;
  const contentEnd = text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
  let i = skipBlanks(text, start, contentEnd);
  if (i === contentEnd || text[i] === '#') return { next: afterLine };

  const exported = /^export[ \t]+/.exec(text.slice(i, contentEnd));
  if (exported) i += exported[0].length;
  const eq = text.indexOf('=', i);
  if (eq === -1 || eq >= contentEnd) {
    // A bare `KEY` takes its value from the environment compose runs in (compose-go's dotenv
    // looks it up there), which a static scan cannot see.
    const bare = text.slice(i, contentEnd).trimEnd();
    if (KEY.test(bare)) return { entry: { name: bare, line, value: null, unknown: `it is listed in .env (line ${line}) without a value, so compose takes it from the environment it runs in`, site: null }, next: afterLine };
    return { problem: 'skipped: not a KEY=VALUE assignment', next: afterLine };
  }
  const name = text.slice(i, eq).trimEnd();
  if (!KEY.test(name)) return { problem: `skipped: "${name}" is not a variable name (letters, digits and _, not starting with a digit)`, next: afterLine };

  const valueStart = skipBlanks(text, eq + 1, contentEnd);
  const quote = text[valueStart];
  if (quote === '"' || quote === "'") return readQuoted(text, name, line, valueStart, quote, afterLine, earlier);

  // Unquoted: a comment starts at a `#` that follows a blank; trailing blanks are not part of the value.
  const comment = /[ \t]#/.exec(text.slice(valueStart, contentEnd));
  const valueEnd = valueStart + (comment ? comment.index : contentEnd - valueStart);
  const raw = text.slice(valueStart, valueEnd).replace(/[ \t]+$/, '');
  return { entry: entryOf(name, line, raw, valueStart, raw, true, earlier), next: afterLine };
}

/** A quoted value; it may run over several lines, and a comment may follow the closing quote. */
function readQuoted(text: string, name: string, line: number, open: number, quote: '"' | "'", afterLine: number, earlier: ReadonlyMap<string, EnvEntry>): LineRead {
  let value = '';
  let close = -1;
  for (let i = open + 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === quote) {
      close = i;
      break;
    }
    if (char === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      // Single quotes only escape the quote itself ('Let\'s go'); double quotes know the shell's escapes.
      const decoded = quote === "'" ? (next === "'" ? "'" : undefined) : DOUBLE_QUOTE_ESCAPES[next];
      if (decoded !== undefined) {
        value += decoded;
        i++;
        continue;
      }
    }
    value += char;
  }
  if (close === -1) return { problem: `skipped: ${name}: the ${quote === '"' ? 'double' : 'single'} quote opened here is never closed`, next: afterLine };

  const newline = text.indexOf('\n', close);
  const lineEnd = newline === -1 ? text.length : newline;
  const next = newline === -1 ? text.length : newline + 1;
  const rest = text.slice(close + 1, lineEnd).replace(/\r$/, '');
  if (!/^(?:[ \t]*|[ \t]+#.*)$/.test(rest)) return { problem: `skipped: ${name}: text after the closing quote`, next };
  const raw = text.slice(open + 1, close);
  return { entry: entryOf(name, line, value, open + 1, raw, quote === '"', earlier), next };
}

function entryOf(name: string, line: number, value: string, start: number, raw: string, interpolated: boolean, earlier: ReadonlyMap<string, EnvEntry>): EnvEntry {
  // compose interpolates unquoted and double-quoted values from the lines before them and its
  // environment, taken here as empty, as for the defaults of the compose file itself
  // (`IMAGE="${IMAGE:-app:1}"` is app:1). The result has no one place a digest could go.
  if (interpolated && value.includes('$')) {
    const result = interpolate(value, (variable) => (earlier.has(variable) ? earlier.get(variable)!.value : undefined));
    if ('unknown' in result) return { name, line, value: null, unknown: `its value in .env (line ${line}) interpolates a variable: ${result.unknown}`, site: null };
    return { name, line, value: result.value, unknown: null, site: null, unwritable: `its value in .env (line ${line}) is interpolated (${value}), so there is no one place to write a digest` };
  }
  return { name, line, value, unknown: null, site: raw === value ? { start, end: start + raw.length, raw } : null };
}

function skipBlanks(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && (text[i] === ' ' || text[i] === '\t')) i++;
  return i;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
