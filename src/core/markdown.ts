/**
 * Markdown pieces shared by every body the App writes (PRs, dashboard, comments, check runs).
 *
 * Outside text (tag names, notes, package names, file paths, error messages) goes through `text`
 * or `code` before it is written, so it stays inert: it cannot end a table row, start a block,
 * mention someone or inject HTML (issue 10, "Outside text is inert in Markdown"). `table` then
 * keeps every cell in its cell. Rules from the GFM spec (https://github.github.com/gfm/):
 * backslash escapes (§6.1), entity references (§6.2), code spans (§6.3), tables (§4.10).
 */

/** Markdown line endings (GFM §2.2); outside text is always kept on one line. */
const LINE_ENDINGS = /\r\n|\r|\n/g;

/** ASCII punctuation that could start emphasis, a code span, a link or image, strikethrough or a heading. */
const INLINE_PUNCTUATION = /[\\`*_[\]#!~]/g;

/**
 * Outside text as inline Markdown that renders as exactly that text: markup escaped with
 * backslashes, `& < >` as entities (no HTML), and a zero-width joiner after `@` so GitHub links no
 * user or team (a backslash is not enough: GitHub finds mentions in the rendered text).
 */
export function text(raw: string): string {
  return raw
    .replace(LINE_ENDINGS, ' ')
    .replace(INLINE_PUNCTUATION, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(?=[\p{L}\p{N}_-])/gu, '@\u200D');
}

/**
 * Outside text as a code span: a fence longer than any run of backticks inside (GFM §6.3), padded
 * when the text begins or ends with a backtick or a space (one space each side is stripped).
 * Inside a code span nothing is markup, HTML or a mention.
 */
export function code(raw: string): string {
  const content = raw.replace(LINE_ENDINGS, ' ');
  let longest = 0;
  for (const run of content.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = '`'.repeat(longest + 1);
  if (content.trim() === '') return `${fence}${content || ' '}${fence}`;
  const pad = /^[` ]|[` ]$/.test(content) ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * A Markdown fragment (made with `text`, `code` or the App's own words) kept inside one table
 * cell: a newline would end the row and a `|` would split the cell, even inside a code span
 * (GFM §4.10 example 200), so pipes are escaped and line endings become spaces.
 */
export function cell(fragment: string): string {
  return fragment.replace(LINE_ENDINGS, ' ').replace(/\|/g, '\\|');
}

/** A table of fragments: every cell goes through `cell`. */
export function table(header: string[], rows: string[][]): string {
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}

/** Hidden markers let the App find its own PRs, comments and issues again without extra state. */
export function marker(kind: string, value = ''): string {
  return `<!-- repro-pins:${kind}${value ? ` ${value}` : ''} -->`;
}
