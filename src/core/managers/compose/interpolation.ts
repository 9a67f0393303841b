/**
 * compose's variable interpolation (https://docs.docker.com/reference/compose-file/interpolation/):
 * `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`, `${VAR:?msg}`,
 * `${VAR?msg}`, and `$$` for a literal `$`; words may hold further variables.
 *
 * `valueOf` says what a variable holds: a string when it is set, `undefined` when it is not set
 * (so defaults apply, as when compose runs with nothing in its environment), `null` when it is
 * set to something not known statically. A variable that is not set and has no default is
 * unknown: compose would take it from the environment it runs in.
 */
export type Interpolation = { value: string } | { unknown: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolate(text: string, valueOf: (name: string) => string | null | undefined): Interpolation {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) return { value: out + text.slice(i) };
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
      continue;
    }
    if (next !== '{') {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (!name) {
        out += '$';
        i = dollar + 1;
        continue;
      }
      const value = valueOf(name);
      if (value === null || value === undefined) return { unknown: unknownReason(name, value) };
      out += value;
      i = dollar + 1 + name.length;
      continue;
    }
    const close = closingBrace(text, dollar + 2);
    if (close === -1) return { unknown: `a \${ in "${text}" is never closed` };
    const inner = text.slice(dollar + 2, close);
    const expanded = braced(inner, valueOf);
    if ('unknown' in expanded) return expanded;
    out += expanded.value;
    i = close + 1;
  }
  return { value: out };
}

function braced(inner: string, valueOf: (name: string) => string | null | undefined): Interpolation {
  const name = NAME.exec(inner)?.[0];
  if (!name) return { unknown: `"\${${inner}}" is not a variable compose reads` };
  const rest = inner.slice(name.length);
  const value = valueOf(name);
  if (rest === '') return value === null || value === undefined ? { unknown: unknownReason(name, value) } : { value };
  const form = /^(:?)([-+?])/.exec(rest);
  if (!form) return { unknown: `"\${${inner}}" uses a form compose does not read` };
  const [, colon, operator] = form;
  const word = rest.slice(form[0].length);
  if (value === null) return { unknown: `${name} is not known statically` };
  const set = value !== undefined && (colon === '' || value !== '');
  if (operator === '-') return set ? { value: value! } : interpolate(word, valueOf);
  if (operator === '+') return set ? interpolate(word, valueOf) : { value: '' };
  return set ? { value: value! } : { unknown: `${name} must be set when compose runs (${word || 'required'})` };
}

function unknownReason(name: string, value: null | undefined): string {
  return value === null ? `${name} is not known statically` : `${name} is not set and has no default, so compose takes it from the environment it runs in`;
}

/** The index of the `}` closing a `${` whose name starts at `from`, counting nested `${…}`. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') i++;
    else if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}
