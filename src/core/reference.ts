/**
 * The vocabulary every stage of the pipeline shares:
 * fetch files -> extract references -> plan lookups -> resolve -> compute edits -> write.
 */

export const MANAGER_NAMES = ['dockerfile', 'compose', 'github-actions', 'ko', 'pip', 'apk', 'apt'] as const;
export type ManagerName = (typeof MANAGER_NAMES)[number];

/** A file as the core sees it: a repository-relative `/`-separated path and its decoded text. */
export interface SourceFile {
  path: string;
  text: string;
}

/** Half-open range of UTF-16 offsets into a file's text. */
export interface Span {
  start: number;
  end: number;
}

/** Which lookup source answers for a reference: one folder per name under `datasources/`. */
export type DatasourceName = 'docker' | 'github-tags' | 'python-index' | 'alpine' | 'debian';

/** What a lookup answered: what to write for a reference. Each manager reads the fields it writes. */
export interface Pin {
  /** Image digest (`sha256:<hex>`) or 40-hex commit SHA. */
  digest?: string;
  /** Exact version a package is pinned to. */
  version?: string;
  /** The tag the pin was resolved from: written as a comment after an action SHA, shown in reports. */
  tag?: string;
  /** Why the pin moved when it is more than a refresh, e.g. a version that left the index. */
  note?: string;
}

/** One dependency reference found in a file. */
export interface DependencyRef {
  file: string;
  /** 1-based line of the reference as the user sees it. */
  line: number;
  manager: ManagerName;
  datasource: DatasourceName;
  /** The dependency as written, after variable substitution, without tag or digest (`python`, `ghcr.io/acme/api`). */
  name: string;
  /** Tag or version; null when the reference carries none. */
  value: string | null;
  /** Pinned digest (`sha256:<hex>`), or null. */
  digest: string | null;
  pinned: boolean;
  /** Why the reference cannot be looked up or rewritten statically; null when it can. */
  skipped: string | null;
  /** Facts a datasource needs beyond name and value (an Alpine branch, a Debian suite, an index URL). */
  context?: Readonly<Record<string, string>>;
  /**
   * Where a pin is written. Its text may differ from `name:value` when the value comes from a
   * Dockerfile ARG default or still contains a variable; absent when the reference is skipped.
   * `file` is set when the pin lives in another file than the reference (a compose `${VAR}`
   * whose value is in the `.env` beside it).
   */
  site?: { span: Span; raw: string; file?: string };
}

/** An expected failure, reported as a value: which file, which line, which dependency, what happened. */
export interface Problem {
  file: string;
  line: number;
  dependency: string | null;
  message: string;
}

export function formatProblem(problem: Problem): string {
  const where = `${problem.file}:${problem.line}`;
  return problem.dependency ? `${where}: ${problem.dependency}: ${problem.message}` : `${where}: ${problem.message}`;
}

/** What a manager gets out of one file. */
export interface Extraction {
  refs: DependencyRef[];
  problems: Problem[];
}

/**
 * 1-based line number of an offset, counting `\n` (so CRLF and LF files agree). Callers ask
 * about one file many times in a row (every RUN of a Dockerfile), so the line starts of the last
 * text are kept and searched: rescanning from 0 each time made a 1 MiB Dockerfile quadratic.
 */
export function lineAt(text: string, offset: number): number {
  if (text !== lastText) {
    lastText = text;
    lastLineStarts = lineStarts(text);
  }
  // The number of line starts at or before the offset (the first one is 0).
  let low = 0;
  let high = lastLineStarts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (lastLineStarts[mid]! <= offset) low = mid + 1;
    else high = mid;
  }
  return Math.max(1, low);
}

let lastText: string | null = null;
let lastLineStarts: number[] = [0];

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
