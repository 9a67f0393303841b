/**
 * Build-argument substitution as BuildKit applies it to FROM, COPY --from, RUN --mount and ARG
 * defaults (https://docs.docker.com/reference/dockerfile/#environment-replacement), following
 * its shell lexer (moby/buildkit `frontend/dockerfile/shell/lex.go`): `$X`, `${X}`, `${X:-word}`,
 * `${X-word}`, `${X:+word}`, `${X+word}`, `${X:?word}`, the escape character, and quote removal:
 * `'…'` is literal, `"…"` expands `$` and lets the escape character quote `"`, `$` and itself,
 * and quotes inside a `${X:-"word"}` are removed too.
 */

export interface BuildArg {
  name: string;
  /** Default value after substitution, or null when the ARG has no default. */
  value: string | null;
  /** Where the default is written, when it is one contiguous run of text; null otherwise. */
  site: { start: number; end: number; raw: string } | null;
  /** Why a default that is written could not be evaluated (`ARG X="open`), when that is why `value` is null. */
  unresolved?: string;
  /** The value comes from the target platform (BuildKit's automatic TARGETARCH…, or an ARG built from one). */
  platform?: true;
}

export type Scope = ReadonlyMap<string, BuildArg>;

/** `platform`: the value used a platform ARG, so another target platform would give another value. */
export type Expansion = { value: string; platform?: true } | { unresolved: string };

class Unresolved {
  /** `syntax`: the text itself is not a word BuildKit reads; `value`: a variable's value is unknown. */
  constructor(
    readonly reason: string,
    readonly kind: 'syntax' | 'value' = 'value',
  ) {}
}

export function expand(text: string, scope: Scope, escape: string): Expansion {
  const lexer = new Lexer(text, scope, escape);
  try {
    const value = lexer.word(null);
    return lexer.usedPlatform ? { value, platform: true } : { value };
  } catch (error) {
    if (error instanceof Unresolved) return { unresolved: error.reason };
    throw error;
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** One pass over a word, as lex.go's `shellWord` reads it. Throws `Unresolved` (caught by `expand`). */
class Lexer {
  #i = 0;
  /** Whether a platform ARG's value went into the word. */
  usedPlatform = false;

  constructor(
    readonly text: string,
    readonly scope: Scope,
    readonly escape: string,
  ) {}

  /** The word up to `stop` (consumed) or the end; quotes removed, variables expanded. */
  word(stop: '}' | null): string {
    let out = '';
    const { text } = this;
    while (this.#i < text.length) {
      const char = text[this.#i]!;
      if (stop !== null && char === stop) {
        this.#i++;
        return out;
      }
      if (char === '$') out += this.#dollar();
      else if (char === "'") out += this.#singleQuoted();
      else if (char === '"') out += this.#doubleQuoted();
      else if (char === this.escape) {
        // Outside quotes the escape character quotes whatever follows it; at the end it vanishes.
        out += text[this.#i + 1] ?? '';
        this.#i += 2;
      } else {
        out += char;
        this.#i++;
      }
    }
    if (stop !== null) throw this.#invalid(`a \${…} is missing its closing }`);
    return out;
  }

  #singleQuoted(): string {
    const end = this.text.indexOf("'", this.#i + 1);
    if (end === -1) throw this.#invalid('a single quote is never closed');
    const value = this.text.slice(this.#i + 1, end);
    this.#i = end + 1;
    return value;
  }

  #doubleQuoted(): string {
    let out = '';
    const { text } = this;
    this.#i++;
    while (this.#i < text.length) {
      const char = text[this.#i]!;
      if (char === '"') {
        this.#i++;
        return out;
      }
      if (char === '$') {
        out += this.#dollar();
        continue;
      }
      this.#i++;
      if (char === this.escape) {
        const next = text[this.#i];
        if (next === undefined) continue;
        // Inside double quotes only `"`, `$` and the escape character itself can be escaped.
        if (next === '"' || next === '$' || next === this.escape) {
          out += next;
          this.#i++;
          continue;
        }
      }
      out += char;
    }
    throw this.#invalid('a double quote is never closed');
  }

  #dollar(): string {
    const { text } = this;
    this.#i++;
    if (text[this.#i] !== '{') {
      const name = this.#name();
      return name === '' ? '$' : this.#valueOf(name);
    }
    this.#i++;
    const name = this.#name();
    if (name === '') throw this.#cannotEvaluate();
    const next = text[this.#i];
    if (next === '}') {
      this.#i++;
      return this.#valueOf(name);
    }
    const colon = next === ':';
    const operator = text[this.#i + (colon ? 1 : 0)];
    if (operator !== '-' && operator !== '+' && operator !== '?') throw this.#cannotEvaluate();
    this.#i += colon ? 2 : 1;
    const arg = this.scope.get(name);
    const value = arg?.value ?? null;
    if (arg?.platform) this.usedPlatform = true;
    const useValue = value !== null && (!colon || value !== '');
    const word = this.word('}');
    if (operator === '-') return useValue ? value : word;
    if (operator === '+') return useValue ? word : '';
    if (useValue) return value;
    throw new Unresolved(`${name} must be given at build time (\${${name}${colon ? ':' : ''}?…}), so the image is only known then`);
  }

  #name(): string {
    const start = this.#i;
    if (!NAME_START.test(this.text[this.#i] ?? '')) return '';
    while (NAME_CHAR.test(this.text[this.#i] ?? '')) this.#i++;
    return this.text.slice(start, this.#i);
  }

  #valueOf(name: string): string {
    const arg = this.scope.get(name);
    if (arg?.platform) this.usedPlatform = true;
    if (arg?.value != null) return arg.value;
    if (arg?.unresolved) throw new Unresolved(`ARG ${name}: ${arg.unresolved}`);
    throw new Unresolved(
      arg
        ? `ARG ${name} has no default value, so the image is only known at build time`
        : `${name} is not declared with ARG before it is used, so the image is only known at build time`,
    );
  }

  #cannotEvaluate(): Unresolved {
    return new Unresolved(`"${this.text}" uses a variable form repro-pins cannot evaluate statically`, 'syntax');
  }

  #invalid(what: string): Unresolved {
    return new Unresolved(`"${this.text}": ${what}, so BuildKit rejects it`, 'syntax');
  }

  /** For `soleVariable`: the index just past a `${…}` that starts at `from`, honouring quotes in its word. */
  static closingBrace(text: string, from: number, escape: string): number | null {
    const lexer = new Lexer(text, new Map(), escape);
    lexer.#i = from;
    try {
      lexer.#dollar();
    } catch (error) {
      // An unset name inside is fine here: only the extent of the text is asked for.
      if (!(error instanceof Unresolved) || error.kind === 'syntax') return null;
    }
    return lexer.#i;
  }
}

/**
 * When the whole text is one variable reference, its name and where its inline default word is
 * written (`${X:-word}` or `${X-word}`), quotes included.
 */
export function soleVariable(text: string, escape = '\\'): { name: string; defaultWord: { start: number; text: string } | null } | null {
  const short = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
  if (short) return { name: short[1]!, defaultWord: null };
  const head = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)?/.exec(text);
  if (!head) return null;
  if (head[2] === undefined && text !== `\${${head[1]!}}`) return null;
  if (Lexer.closingBrace(text, 0, escape) !== text.length) return null;
  if (head[2] === undefined) return { name: head[1]!, defaultWord: null };
  const start = head[0].length;
  return { name: head[1]!, defaultWord: { start, text: text.slice(start, -1) } };
}

/**
 * Where the image a written word names is written, so a pin can go there: a span of the word
 * (`{ from, to }`), or the ARG whose default the word takes whole (`$X`, `${X}`, `${X:-…}` when X
 * has a value). `${X:-word}` with X unset or empty is followed into its word. Null when the image
 * is not written in one place.
 */
export function pinSpot(written: string, scope: Scope, escape: string): { from: number; to: number } | { arg: BuildArg } | null {
  const sole = soleVariable(written, escape);
  if (!sole) return pinSpan(written, escape);
  const arg = scope.get(sole.name);
  if (arg?.value) return arg.site ? { arg } : null;
  if (!sole.defaultWord) return null;
  const inner = pinSpot(sole.defaultWord.text, scope, escape);
  if (inner === null || 'arg' in inner) return inner;
  return { from: sole.defaultWord.start + inner.from, to: sole.defaultWord.start + inner.to };
}

/**
 * Where in a written word a pin goes, as [from, to): the word without the quotes that wrap it
 * whole (`"gcr.io/x:tag"`, `'alpine:3.20'`), so the digest is written inside them; when only
 * its end is quoted (`alpine:"3.20"`), up to that closing quote. Null when a quote is never closed.
 */
export function pinSpan(written: string, escape = '\\'): { from: number; to: number } | null {
  const quotes = quotedRuns(written, escape);
  if (quotes === null) return null;
  const last = quotes[quotes.length - 1];
  if (!last || last.end !== written.length) return { from: 0, to: written.length };
  const whole = quotes.length === 1 && last.start === 0;
  return { from: whole ? 1 : 0, to: written.length - 1 };
}

/** The quoted runs of a word outside `${…}` words, as [start, end) including the quotes; null when one is never closed. */
function quotedRuns(text: string, escape: string): { start: number; end: number }[] | null {
  const runs: { start: number; end: number }[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === escape) i++;
    else if (char === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return null;
      runs.push({ start: i, end: end + 1 });
      i = end;
    } else if (char === '"') {
      let k = i + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === escape ? 2 : 1;
      if (k >= text.length) return null;
      runs.push({ start: i, end: k + 1 });
      i = k;
    }
  }
  return runs;
}
