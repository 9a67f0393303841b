/**
 * Build-argument substitution as BuildKit applies it to FROM, COPY --from and RUN --mount
 * (https://docs.docker.com/reference/dockerfile/#environment-replacement): `$X`, `${X}`,
 * `${X:-word}`, `${X-word}`, `${X:+word}`, `${X+word}`, and the escape character before `$`.
 */

export interface BuildArg {
  name: string;
  /** Default value after substitution, or null when the ARG has no default. */
  value: string | null;
  /** Where the default is written, when it is one contiguous run of text; null otherwise. */
  site: { start: number; end: number; raw: string } | null;
}

export type Scope = ReadonlyMap<string, BuildArg>;

export type Expansion = { value: string } | { unresolved: string };

const reference = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/y;

export function expand(text: string, scope: Scope, escape: string): Expansion {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const char = text[i]!;
    if (char === escape && text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (char !== '$') {
      out += char;
      i++;
      continue;
    }
    reference.lastIndex = i;
    const match = reference.exec(text);
    if (!match) {
      if (text[i + 1] === '{') return { unresolved: `"${text}" uses a variable form repro-pins cannot evaluate statically` };
      out += char;
      i++;
      continue;
    }
    const name = (match[1] ?? match[4])!;
    const operator = match[2];
    const word = match[3] ?? '';
    const arg = scope.get(name);
    const value = arg?.value ?? null;
    const set = value !== null;
    const nonEmpty = set && value !== '';
    if (operator === ':-' || operator === '-') {
      const useValue = operator === ':-' ? nonEmpty : set;
      if (useValue) out += value;
      else {
        const inner = expand(word, scope, escape);
        if ('unresolved' in inner) return inner;
        out += inner.value;
      }
    } else if (operator === ':+' || operator === '+') {
      const useWord = operator === ':+' ? nonEmpty : set;
      if (useWord) {
        const inner = expand(word, scope, escape);
        if ('unresolved' in inner) return inner;
        out += inner.value;
      }
    } else if (set) {
      out += value;
    } else {
      return {
        unresolved: arg
          ? `ARG ${name} has no default value, so the image is only known at build time`
          : `${name} is not declared with ARG before it is used, so the image is only known at build time`,
      };
    }
    i += match[0].length;
  }
  return { value: out };
}

/** When the whole text is one variable reference, its name and the offset of its inline default word. */
export function soleVariable(text: string): { name: string; defaultWord: { start: number; text: string } | null } | null {
  const match = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}$]*))?\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(text);
  if (!match) return null;
  const name = (match[1] ?? match[4])!;
  if (match[2] === undefined) return { name, defaultWord: null };
  const word = match[3] ?? '';
  return { name, defaultWord: { start: text.length - 1 - word.length, text: word } };
}
