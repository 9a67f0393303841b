import type { MappedText } from '../../shell/command-line.js';
import type { Token } from './instructions.js';

/**
 * The JSON exec form of a Dockerfile instruction (`RUN ["npm", "install"]`,
 * `ADD ["https://…", "/dst"]`), each string with the file offset of each of its characters,
 * so a finding in an exec-form RUN names the right line.
 */
export function execFormStrings(token: Token): MappedText[] | null {
  const text = token.text;
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) return null;
  } catch {
    return null;
  }
  const strings: MappedText[] = [];
  for (let i = text.indexOf('['); i < text.length; i++) {
    if (text[i] !== '"') continue;
    const chars: string[] = [];
    const offsets: number[] = [];
    for (i++; i < text.length && text[i] !== '"'; i++) {
      const at = token.offsets.at(i) ?? -1;
      if (text[i] !== '\\') {
        chars.push(text[i]!);
        offsets.push(at);
        continue;
      }
      const escape = text[++i] ?? '';
      if (escape === 'u') {
        chars.push(String.fromCharCode(parseInt(text.slice(i + 1, i + 5), 16)));
        i += 4;
      } else {
        chars.push(({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[escape] ?? escape);
      }
      offsets.push(at);
    }
    strings.push({ text: chars.join(''), offsets });
  }
  return strings;
}

// Words the shell reads as they are; `~` only expands at a word's start, and apt versions hold
// it (`20250419~deb12u2`), so a pinned word stays one run of the file (with a span to rewrite).
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-][A-Za-z0-9_@%+=:,./~-]*$/;

/**
 * An exec-form argument list as one shell command line, so the splitter sees through `env` and
 * `sudo` as it does in the shell form. Words the shell would split or expand are single-quoted;
 * the quotes map to the word's first character.
 */
export function execFormCommandLine(strings: readonly MappedText[]): MappedText {
  const chars: string[] = [];
  const offsets: number[] = [];
  strings.forEach((word, index) => {
    if (index > 0) {
      chars.push(' ');
      offsets.push(-1);
    }
    const first = word.offsets.at(0) ?? -1;
    if (SAFE_WORD.test(word.text)) {
      for (let k = 0; k < word.text.length; k++) {
        chars.push(word.text[k]!);
        offsets.push(word.offsets.at(k) ?? first);
      }
      return;
    }
    chars.push("'");
    offsets.push(first);
    word.text.split('').forEach((c, k) => {
      if (c === "'") {
        // 'it'\''s': close, an escaped quote, reopen.
        chars.push("'", '\\', "'", "'");
        offsets.push(first, first, word.offsets.at(k) ?? first, first);
      } else {
        chars.push(c);
        offsets.push(word.offsets.at(k) ?? first);
      }
    });
    chars.push("'");
    offsets.push(first);
  });
  return { text: chars.join(''), offsets };
}
