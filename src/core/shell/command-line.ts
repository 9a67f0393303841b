import { OffsetRuns, OffsetsBuilder, type MappedText, type Offsets } from '../offsets.js';
import type { Span } from '../reference.js';

/**
 * Splits POSIX shell text into simple commands, the way `sh` reads it (POSIX XCU §2.3 token
 * recognition, §2.9 commands), far enough to find what a command runs and with which words:
 * quotes, escapes, `$(…)`, `${…}`, backticks, comments, redirections and here-documents are
 * read, nothing is expanded or executed. Every word keeps the file offsets it came from, so a
 * caller can rewrite one word in the original file and change no other byte.
 */

export type { MappedText };

export interface ShellWord {
  /** The word as written, quotes and escapes included. */
  raw: string;
  /** The word after quote removal; `$VAR`, `$(…)` and backticks are kept as written, never expanded. */
  value: string;
  /** File offset of the word's first character. */
  at: number;
  /** Where `raw` stands in the file, or null when its characters are not one run there (a continuation inside it). */
  span: Span | null;
  /** Whether any part of the word was quoted or escaped. */
  quoted: boolean;
  /** Whether the word holds an expansion (`$…`, backticks) whose value is only known when the shell runs. */
  expands: boolean;
}

/** What separates two commands. `|` and `|&` join a pipeline; `\n` is a line break in a script. */
export type ShellOperator = '&&' | '||' | ';' | ';;' | '|' | '|&' | '&' | '\n' | '(' | ')';

export interface ShellRedirect {
  /** `>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `>&`, `<&`, `&>`, `&>>`, `>|`, `<>`. */
  operator: string;
  /** The file descriptor written before the operator (`2` in `2>/dev/null`), or null. */
  fd: string | null;
  /** The word after the operator (a file, a descriptor, or a here-document's delimiter). */
  target: ShellWord | null;
  /** A here-document's body, when the text holds it. */
  heredoc?: MappedText;
}

export interface ShellCommand {
  /** The command as the program sees it: `words[0]` is the program, after the prefix. May be empty. */
  words: ShellWord[];
  /** What was seen through before the program: keywords (`if`, `then`, `!`, `{`), assignments, `sudo`/`env`/`exec`… with their options. */
  prefix: ShellWord[];
  /** The `NAME=value` assignments among the prefix, including those given to `env`. */
  assignments: ShellWord[];
  redirects: ShellRedirect[];
  /** The operator that ends the command, or null at the end of the text. */
  terminator: ShellOperator | null;
  /** File offset of the command's first word. */
  at: number;
}

type Token = { kind: 'word'; word: ShellWord } | { kind: 'operator'; operator: ShellOperator } | { kind: 'redirect'; redirect: ShellRedirect };

/** Builds a MappedText for text that stands in a file at `start` (a script, a workflow `run:` block). */
export function mappedText(text: string, start = 0): MappedText {
  return { text, offsets: OffsetRuns.contiguous(start, text.length) };
}

/** The simple commands of a shell command line or script, in order. Never throws: unclosed quotes end at the end of the text. */
export function splitShellCommands(source: MappedText | string): ShellCommand[] {
  const input = typeof source === 'string' ? mappedText(source) : source;
  const commands: ShellCommand[] = [];
  let words: ShellWord[] = [];
  let redirects: ShellRedirect[] = [];
  const finish = (terminator: ShellOperator | null) => {
    if (words.length > 0 || redirects.length > 0) commands.push(simpleCommand(words, redirects, terminator));
    else if (terminator !== null && terminator !== '\n' && terminator !== '(') {
      // `a && (b)`: the operator after `)` belongs to the command before the group.
      const last = commands[commands.length - 1];
      if (last?.terminator === ')') last.terminator = terminator;
    }
    words = [];
    redirects = [];
  };
  for (const token of new Lexer(input).tokens()) {
    if (token.kind === 'word') words.push(token.word);
    else if (token.kind === 'redirect') redirects.push(token.redirect);
    else finish(token.operator);
  }
  finish(null);
  return commands;
}

/** Commands grouped into pipelines (`a | b | c` is one group). */
export function pipelines(commands: readonly ShellCommand[]): ShellCommand[][] {
  const groups: ShellCommand[][] = [];
  let current: ShellCommand[] = [];
  for (const command of commands) {
    current.push(command);
    if (command.terminator !== '|' && command.terminator !== '|&') {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The program's name without its directory (`/sbin/apk` → `apk`), or null for a command without one. */
export function programName(command: ShellCommand): string | null {
  const program = command.words[0];
  if (!program || program.expands) return null;
  return program.value.slice(program.value.lastIndexOf('/') + 1);
}

// Reserved words that may open a command (XCU §2.4); the command itself follows them.
const leadingKeywords = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', '}', 'fi', 'done', 'esac']);
const assignment = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;

/** Wrappers that run the rest of their words as a command, with the options of theirs that take a value. */
const wrappers: Record<string, { valueOptions: Set<string>; stopAtFirstOperand: boolean; assignments: boolean }> = {
  sudo: { valueOptions: new Set(['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '-T', '--user', '--group', '--host', '--prompt', '--close-from', '--chdir', '--role', '--type', '--other-user', '--command-timeout']), stopAtFirstOperand: true, assignments: true },
  doas: { valueOptions: new Set(['-u', '-C']), stopAtFirstOperand: true, assignments: false },
  env: { valueOptions: new Set(['-u', '-C', '-S', '--unset', '--chdir', '--split-string']), stopAtFirstOperand: true, assignments: true },
  exec: { valueOptions: new Set(['-a']), stopAtFirstOperand: true, assignments: false },
  command: { valueOptions: new Set(), stopAtFirstOperand: true, assignments: false },
  nohup: { valueOptions: new Set(), stopAtFirstOperand: true, assignments: false },
  time: { valueOptions: new Set(['-f', '-o', '--format', '--output']), stopAtFirstOperand: true, assignments: false },
  nice: { valueOptions: new Set(['-n', '--adjustment']), stopAtFirstOperand: true, assignments: false },
};

function simpleCommand(all: ShellWord[], redirects: ShellRedirect[], terminator: ShellOperator | null): ShellCommand {
  const prefix: ShellWord[] = [];
  const assignments: ShellWord[] = [];
  let i = 0;
  while (i < all.length) {
    const word = all[i]!;
    if (!word.quoted && leadingKeywords.has(word.raw)) {
      prefix.push(word);
      i++;
      continue;
    }
    if (assignment.test(word.raw)) {
      prefix.push(word);
      assignments.push(word);
      i++;
      continue;
    }
    const wrapper = word.expands ? undefined : wrappers[word.value];
    // `command -v x` asks where x is; it does not run it.
    if (!wrapper || (word.value === 'command' && /^-[a-zA-Z]*[vV]/.test(all[i + 1]?.value ?? ''))) break;
    prefix.push(word);
    i++;
    while (i < all.length) {
      const option = all[i]!;
      if (option.value === '--') {
        prefix.push(option);
        i++;
        break;
      }
      if (wrapper.assignments && assignment.test(option.raw)) {
        prefix.push(option);
        assignments.push(option);
        i++;
        continue;
      }
      if (!option.value.startsWith('-') || option.value === '-') break;
      prefix.push(option);
      i++;
      const name = option.value.includes('=') ? option.value.slice(0, option.value.indexOf('=')) : option.value;
      if (!option.value.includes('=') && wrapper.valueOptions.has(name) && i < all.length) prefix.push(all[i++]!);
    }
  }
  const first = all[0] ?? redirects[0]?.target;
  // Most commands have no prefix, assignment or redirect: one shared empty array for all of them
  // (frozen, so a push fails loudly) keeps a 60k-RUN Dockerfile's commands small (issue 10).
  return { words: i === 0 ? all : all.slice(i), prefix: orNone(prefix), assignments: orNone(assignments), redirects: orNone(redirects), terminator, at: first?.at ?? -1 };
}

const NONE: never[] = Object.freeze([]) as never[];
const orNone = <T>(items: T[]): T[] => (items.length === 0 ? NONE : items);

// What ends a word or changes how it is read (`#word`): blanks, operators, quotes, escapes, expansions.
const SPECIAL = new Uint8Array(128);
for (const c of ' \t\r\n;&|()<>\\\'"$`') SPECIAL[c.charCodeAt(0)] = 1;

function isSpecial(code: number): boolean {
  return code < 128 && SPECIAL[code] === 1;
}

interface PendingHeredoc {
  redirect: ShellRedirect;
  delimiter: string;
  stripTabs: boolean;
}

class Lexer {
  readonly #text: string;
  readonly #offsets: Offsets;
  #i = 0;
  readonly #pending: PendingHeredoc[] = [];

  constructor(source: MappedText) {
    this.#text = source.text;
    this.#offsets = source.offsets;
  }

  *tokens(): Generator<Token> {
    const text = this.#text;
    while (this.#i < text.length) {
      const c = text[this.#i]!;
      if (c === ' ' || c === '\t' || c === '\r') {
        this.#i++;
      } else if (c === '\\' && text[this.#i + 1] === '\n') {
        this.#i += 2;
      } else if (c === '\n') {
        this.#i++;
        yield { kind: 'operator', operator: '\n' };
        this.#readHeredocBodies();
      } else if (c === '#') {
        while (this.#i < text.length && text[this.#i] !== '\n') this.#i++;
      } else {
        const operator = this.#operator();
        if (operator) {
          yield { kind: 'operator', operator };
          continue;
        }
        const redirect = this.#redirect(null);
        if (redirect) {
          yield { kind: 'redirect', redirect };
          continue;
        }
        const word = this.#word();
        // `2>file`: digits right before a redirection operator name the descriptor.
        const fdRedirect = /^\d+$/.test(word.raw) && /[<>]/.test(text[this.#i] ?? '') ? this.#redirect(word.raw) : null;
        if (fdRedirect) yield { kind: 'redirect', redirect: fdRedirect };
        else yield { kind: 'word', word };
      }
    }
  }

  #offsetAt(index: number): number {
    return this.#offsets.at(index) ?? -1;
  }

  #operator(): ShellOperator | null {
    const two = this.#text.slice(this.#i, this.#i + 2);
    if (two === '&&' || two === '||' || two === ';;' || two === '|&') {
      this.#i += 2;
      return two;
    }
    const one = this.#text[this.#i];
    if (one === '&' && this.#text[this.#i + 1] === '>') return null;
    if (one === ';' || one === '|' || one === '&' || one === '(' || one === ')') {
      this.#i++;
      return one;
    }
    return null;
  }

  #redirect(fd: string | null): ShellRedirect | null {
    const rest = this.#text.slice(this.#i, this.#i + 3);
    const operator = /^(?:<<<|<<-|&>>|<<|>>|>&|<&|>\||<>|&>|<|>)/.exec(rest)?.[0];
    if (!operator) return null;
    this.#i += operator.length;
    while (this.#text[this.#i] === ' ' || this.#text[this.#i] === '\t') this.#i++;
    const next = this.#text[this.#i];
    const target = next === undefined || /[\n;&|()<>]/.test(next) ? null : this.#word();
    const redirect: ShellRedirect = { operator, fd, target };
    if ((operator === '<<' || operator === '<<-') && target) {
      this.#pending.push({ redirect, delimiter: target.value, stripTabs: operator === '<<-' });
    }
    return redirect;
  }

  /** Here-document bodies start on the line after their operator, one after another (XCU §2.7.4). */
  #readHeredocBodies(): void {
    const text = this.#text;
    for (const heredoc of this.#pending.splice(0)) {
      const chars: string[] = [];
      const offsets = new OffsetsBuilder();
      while (this.#i < text.length) {
        const end = text.indexOf('\n', this.#i);
        const lineEnd = end === -1 ? text.length : end;
        let from = this.#i;
        if (heredoc.stripTabs) while (text[from] === '\t') from++;
        const line = text.slice(from, lineEnd).replace(/\r$/, '');
        this.#i = end === -1 ? text.length : end + 1;
        if (line === heredoc.delimiter) break;
        for (let k = from; k < Math.min(lineEnd + 1, text.length); k++) {
          chars.push(text[k]!);
          offsets.add(this.#offsetAt(k), 1);
        }
      }
      heredoc.redirect.heredoc = { text: chars.join(''), offsets: offsets.build() };
    }
  }

  #word(): ShellWord {
    const text = this.#text;
    const start = this.#i;
    let value = '';
    let quoted = false;
    let expands = false;
    while (this.#i < text.length) {
      const c = text[this.#i]!;
      if (/[ \t\r\n;&|()<>]/.test(c)) break;
      if (c === '\\') {
        const next = text[this.#i + 1];
        this.#i += 2;
        if (next === '\n' || next === undefined) continue;
        quoted = true;
        value += next;
      } else if (c === "'") {
        const end = this.#closing("'", this.#i + 1);
        value += text.slice(this.#i + 1, end);
        quoted = true;
        this.#i = end + 1;
      } else if (c === '"') {
        quoted = true;
        this.#i++;
        while (this.#i < text.length && text[this.#i] !== '"') {
          const d = text[this.#i]!;
          if (d === '\\' && this.#i + 1 < text.length) {
            const next = text[this.#i + 1]!;
            if (next !== '\n') value += '$`"\\'.includes(next) ? next : `\\${next}`;
            this.#i += 2;
          } else if (d === '$' || d === '`') {
            expands = true;
            const end = this.#expansionEnd(this.#i);
            value += text.slice(this.#i, end);
            this.#i = end;
          } else {
            value += d;
            this.#i++;
          }
        }
        this.#i++;
      } else if (c === '$' && text[this.#i + 1] === "'") {
        // ANSI-C quoting: $'a\tb'.
        const end = this.#closing("'", this.#i + 2, true);
        value += text.slice(this.#i + 2, end);
        quoted = true;
        this.#i = end + 1;
      } else if (c === '$' || c === '`') {
        const end = this.#expansionEnd(this.#i);
        if (end > this.#i + 1 || c === '`') expands = true;
        value += text.slice(this.#i, end);
        this.#i = end;
      } else {
        // A run of plain characters at once: `value += c` per character made a string per character.
        let k = this.#i + 1;
        while (k < text.length && !isSpecial(text.charCodeAt(k))) k++;
        value += text.slice(this.#i, k);
        this.#i = k;
      }
    }
    const end = Math.min(this.#i, text.length);
    const raw = text.slice(start, end);
    // Most words are plain: their value is their raw text, one string for both.
    return { raw, value: value === raw ? raw : value, at: this.#firstOffset(start, end), span: this.#span(start, end), quoted, expands };
  }

  /** Index of the closing quote, or the end of the text when it is missing. */
  #closing(quote: string, from: number, backslashEscapes = false): number {
    for (let k = from; k < this.#text.length; k++) {
      if (backslashEscapes && this.#text[k] === '\\') k++;
      else if (this.#text[k] === quote) return k;
    }
    return this.#text.length;
  }

  /** End (exclusive) of `$name`, `${…}`, `$(…)`, `$((…))` or a backtick substitution starting at `from`. */
  #expansionEnd(from: number): number {
    const text = this.#text;
    if (text[from] === '`') {
      for (let k = from + 1; k < text.length; k++) {
        if (text[k] === '\\') k++;
        else if (text[k] === '`') return k + 1;
      }
      return text.length;
    }
    const next = text[from + 1];
    if (next === '(' || next === '{') return this.#balancedEnd(from + 1, next, next === '(' ? ')' : '}');
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(text.slice(from + 1, from + 64));
    return from + 1 + (name?.[0].length ?? 0);
  }

  /** End (exclusive) of a bracketed run starting at `from`, skipping quoted text and nested brackets. */
  #balancedEnd(from: number, open: string, close: string): number {
    const text = this.#text;
    let depth = 0;
    for (let k = from; k < text.length; k++) {
      const c = text[k];
      if (c === '\\') k++;
      else if (c === "'" && open === '(') k = this.#closing("'", k + 1);
      else if (c === '"') {
        for (k++; k < text.length && text[k] !== '"'; k++) if (text[k] === '\\') k++;
      } else if (c === open) depth++;
      else if (c === close && --depth === 0) return k + 1;
    }
    return text.length;
  }

  #firstOffset(start: number, end: number): number {
    for (let k = start; k < end; k++) if (this.#offsetAt(k) >= 0) return this.#offsetAt(k);
    return -1;
  }

  #span(start: number, end: number): Span | null {
    const first = this.#offsetAt(start);
    if (first < 0 || end <= start) return null;
    for (let k = start + 1; k < end; k++) if (this.#offsetAt(k) !== first + (k - start)) return null;
    return { start: first, end: first + (end - start) };
  }
}

/** The word a shell runs as its program with `-c` (`sh -c '…'`, `bash -euxc "…"`), or null. */
export function shellCommandString(command: ShellCommand): ShellWord | null {
  const args = command.words.slice(1);
  let sawC = false;
  for (let i = 0; i < args.length; i++) {
    const value = args[i]!.value;
    if (value === '--') return sawC ? (args[i + 1] ?? null) : null;
    if (value === '-o' || value === '+o' || value === '-O' || value === '+O') {
      i++;
      continue;
    }
    if (/^[-+][a-zA-Z]+$/.test(value)) {
      if (value.startsWith('-') && value.includes('c')) sawC = true;
      continue;
    }
    return sawC ? args[i]! : null;
  }
  return null;
}
