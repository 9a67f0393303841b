import { satisfies, validRange } from '@renovatebot/pep440';
import { normalizeProjectName as normalizeName } from '../../datasources/python-index/distributions.js';

/**
 * PEP 508 dependency specifiers (https://packaging.python.org/en/latest/specifications/dependency-specifiers/):
 * `name[extra,…] specifier ; marker`, with the offsets a rewrite needs. Versions and specifiers
 * themselves are PEP 440 and left to @renovatebot/pep440.
 */

export interface ParsedRequirement {
  name: string;
  extras: string[];
  /** The version specifier without parentheses, trimmed; '' when there is none. */
  specifier: string;
  /** Where the specifier sits in the parsed string (an empty span right after name/extras when there is none). */
  specifierStart: number;
  specifierEnd: number;
  marker: Marker | null;
  /** The marker text as written, after `;`, trimmed; null without one. */
  markerText: string | null;
  /** `name @ url`: a direct reference, never looked up on an index. */
  url: string | null;
}

export type RequirementParse = { ok: true; requirement: ParsedRequirement } | { ok: false; message: string };

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;


// `==1.2.3`, `>=2,<3`: plain release clauses are valid PEP 440 on their face. pep440's
// validRange costs ~15 µs a call (one large regex), seconds on a 200k-line file.
const PLAIN_CLAUSE = /^\s*(?:(?:==|!=|<=|>=|<|>)\s*\d{1,20}(?:\.\d{1,20}){0,10}|~=\s*\d{1,20}(?:\.\d{1,20}){1,10})\s*$/;

function isPlainRange(specifier: string): boolean {
  return specifier.split(',').every((clause) => PLAIN_CLAUSE.test(clause));
}

export function parseRequirement(text: string): RequirementParse {
  let at = skipSpace(text, 0);
  const name = NAME.exec(text.slice(at))?.[0];
  if (!name) return { ok: false, message: `"${text.trim()}" does not start with a project name` };
  let nameEnd = at + name.length;
  at = skipSpace(text, nameEnd);
  const extras: string[] = [];
  if (text[at] === '[') {
    const close = text.indexOf(']', at);
    if (close === -1) return { ok: false, message: `the extras of ${name} are missing their closing "]"` };
    for (const extra of text.slice(at + 1, close).split(',')) {
      const trimmed = extra.trim();
      if (trimmed === '') continue;
      if (!NAME.test(trimmed) || NAME.exec(trimmed)?.[0] !== trimmed) return { ok: false, message: `"${trimmed}" is not a valid extra name` };
      extras.push(trimmed);
    }
    nameEnd = close + 1;
    at = skipSpace(text, nameEnd);
  }
  const semicolon = text.indexOf(';', at);
  if (text[at] === '@') {
    // A URL may itself hold ';' only after whitespace ends it (PEP 508: "url_req = name wsp* extras? wsp* urlspec (wsp+ quoted_marker?)?").
    const rest = text.slice(at + 1);
    const markerAt = rest.search(/\s+;/);
    const url = (markerAt === -1 ? rest : rest.slice(0, markerAt)).trim();
    if (url === '') return { ok: false, message: `${name} @ is missing its URL` };
    const marker = markerAt === -1 ? null : rest.slice(rest.indexOf(';', markerAt) + 1).trim();
    return finish(name, extras, '', at, at, marker, url);
  }
  const specEnd = semicolon === -1 ? text.length : semicolon;
  let specText = text.slice(at, specEnd);
  let specifierStart = at;
  let specifierEnd = at + specText.trimEnd().length;
  specText = specText.trim();
  if (specText.startsWith('(')) {
    if (!specText.endsWith(')')) return { ok: false, message: `the version specifier of ${name} is missing its closing ")"` };
    const inner = specText.slice(1, -1);
    specifierStart = at + 1 + (inner.length - inner.trimStart().length);
    specifierEnd = specifierStart + inner.trim().length;
    specText = inner.trim();
  }
  if (specText !== '' && !isPlainRange(specText) && !validRange(specText)) return { ok: false, message: `"${specText}" is not a valid version specifier for ${name}` };
  // Without a specifier, one is written right after the name and extras: `pkg==1.0 ; marker`.
  if (specText === '') specifierStart = specifierEnd = nameEnd;
  const markerText = semicolon === -1 ? null : text.slice(semicolon + 1).trim();
  return finish(name, extras, specText, specifierStart, specifierEnd, markerText, null);
}

function finish(
  name: string,
  extras: string[],
  specifier: string,
  specifierStart: number,
  specifierEnd: number,
  markerText: string | null,
  url: string | null,
): RequirementParse {
  let marker: Marker | null = null;
  if (markerText !== null) {
    const parsed = parseMarker(markerText);
    if (!parsed.ok) return { ok: false, message: `the marker of ${name} is invalid: ${parsed.message}` };
    marker = parsed.marker;
  }
  return { ok: true, requirement: { name, extras, specifier, specifierStart, specifierEnd, marker, markerText, url } };
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && /\s/.test(text[at]!)) at += 1;
  return at;
}

// ---------------------------------------------------------------------------------------------
// Environment markers (PEP 508 "Environment Markers"), evaluated the way `packaging` does.

export type MarkerEnvironment = Readonly<Record<MarkerVariable, string>>;

const MARKER_VARIABLES = [
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
] as const;
type MarkerVariable = (typeof MARKER_VARIABLES)[number];

// Legacy dotted spellings that packaging still accepts (PEP 345).
const LEGACY_ALIASES: Record<string, MarkerVariable> = {
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
};

type Operand = { variable: MarkerVariable } | { literal: string };
export type Marker =
  | { kind: 'compare'; left: Operand; op: string; right: Operand }
  | { kind: 'and' | 'or'; left: Marker; right: Marker };

type Token = { type: 'string' | 'word' | 'op' | '(' | ')'; text: string };

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const ch = text[at]!;
    if (/\s/.test(ch)) {
      at += 1;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ type: ch, text: ch });
      at += 1;
    } else if (ch === '"' || ch === "'") {
      const close = text.indexOf(ch, at + 1);
      if (close === -1) return `unterminated string starting with ${ch}`;
      tokens.push({ type: 'string', text: text.slice(at + 1, close) });
      at = close + 1;
    } else {
      const op = /^(===|==|!=|<=|>=|~=|<|>)/.exec(text.slice(at))?.[0];
      if (op) {
        tokens.push({ type: 'op', text: op });
        at += op.length;
        continue;
      }
      const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(at))?.[0];
      if (!word) return `unexpected "${ch}"`;
      tokens.push({ type: 'word', text: word });
      at += word.length;
    }
  }
  return tokens;
}

export function parseMarker(text: string): { ok: true; marker: Marker } | { ok: false; message: string } {
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return { ok: false, message: tokens };
  let at = 0;
  const fail = (message: string): never => {
    throw new MarkerSyntaxError(message);
  };
  const operand = (): Operand => {
    const token = tokens[at];
    if (!token) return fail('the marker ends too early');
    at += 1;
    if (token.type === 'string') return { literal: token.text };
    if (token.type === 'word') {
      const variable = (MARKER_VARIABLES as readonly string[]).includes(token.text) ? (token.text as MarkerVariable) : LEGACY_ALIASES[token.text];
      if (variable) return { variable };
    }
    return fail(`"${token.text}" is not a marker variable or a quoted string`);
  };
  const operator = (): string => {
    const token = tokens[at];
    if (token?.type === 'op') {
      at += 1;
      return token.text;
    }
    if (token?.type === 'word' && token.text === 'in') {
      at += 1;
      return 'in';
    }
    if (token?.type === 'word' && token.text === 'not' && tokens[at + 1]?.text === 'in') {
      at += 2;
      return 'not in';
    }
    return fail(`expected a comparison operator${token ? ` at "${token.text}"` : ''}`);
  };
  const atom = (): Marker => {
    if (tokens[at]?.type === '(') {
      at += 1;
      const inner = or();
      if (tokens[at]?.type !== ')') fail('a "(" is never closed');
      at += 1;
      return inner;
    }
    const left = operand();
    const op = operator();
    const right = operand();
    return { kind: 'compare', left, op, right };
  };
  const and = (): Marker => {
    let left = atom();
    while (tokens[at]?.type === 'word' && tokens[at]?.text === 'and') {
      at += 1;
      left = { kind: 'and', left, right: atom() };
    }
    return left;
  };
  const or = (): Marker => {
    let left = and();
    while (tokens[at]?.type === 'word' && tokens[at]?.text === 'or') {
      at += 1;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  try {
    if (tokens.length === 0) return { ok: false, message: 'the marker is empty' };
    const marker = or();
    if (at < tokens.length) return { ok: false, message: `unexpected "${tokens[at]!.text}"` };
    return { ok: true, marker };
  } catch (error) {
    if (error instanceof MarkerSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}

class MarkerSyntaxError extends Error {}

const VERSION_OPERATORS = new Set(['===', '==', '!=', '<=', '>=', '~=', '<', '>']);

export function evaluateMarker(marker: Marker, env: MarkerEnvironment): boolean {
  switch (marker.kind) {
    case 'and':
      return evaluateMarker(marker.left, env) && evaluateMarker(marker.right, env);
    case 'or':
      return evaluateMarker(marker.left, env) || evaluateMarker(marker.right, env);
    case 'compare': {
      const isExtra = 'variable' in marker.left ? marker.left.variable === 'extra' : 'variable' in marker.right && marker.right.variable === 'extra';
      // packaging normalises both sides of an `extra` comparison (PEP 685).
      const value = (operand: Operand) => {
        const raw = 'variable' in operand ? env[operand.variable] : operand.literal;
        return isExtra ? normalizeName(raw) : raw;
      };
      return compare(value(marker.left), marker.op, value(marker.right));
    }
  }
}

// packaging's `_eval_op`: a PEP 440 comparison when the right side makes a valid specifier, else plain strings.
function compare(left: string, op: string, right: string): boolean {
  if (op === 'in') return right.includes(left);
  if (op === 'not in') return !right.includes(left);
  if (VERSION_OPERATORS.has(op) && validRange(`${op}${right}`)) {
    try {
      return satisfies(left, `${op}${right}`, { prereleases: true });
    } catch {
      // Not a version after all: fall through to the string comparison.
    }
  }
  switch (op) {
    case '==':
    case '===':
      return left === right;
    case '!=':
      return left !== right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    default:
      return false;
  }
}

/** Whether a requirement applies in `env` when its parent was asked for `extras` (pip evaluates each, plus none). */
export function markerApplies(marker: Marker | null, env: MarkerEnvironment, extras: Iterable<string> = []): boolean {
  if (marker === null) return true;
  for (const extra of ['', ...extras]) if (evaluateMarker(marker, { ...env, extra })) return true;
  return false;
}

/** The marker environment of a CPython interpreter on Linux x86_64 (what `python:3.X-slim` images run). */
export function linuxCpythonEnvironment(pythonVersion: string): MarkerEnvironment {
  const full = /^\d+\.\d+$/.test(pythonVersion) ? `${pythonVersion}.0` : pythonVersion;
  const minor = full.split('.').slice(0, 2).join('.');
  return {
    python_version: minor,
    python_full_version: full,
    os_name: 'posix',
    sys_platform: 'linux',
    platform_release: '',
    platform_system: 'Linux',
    platform_version: '',
    platform_machine: 'x86_64',
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    implementation_version: full,
    extra: '',
  };
}
