/** Markdown pieces shared by every body the App writes (PRs, dashboard, comments). */

/** Escapes text for a table cell: pipes split cells and newlines end rows. */
export function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}

/** Hidden markers let the App find its own PRs, comments and issues again without extra state. */
export function marker(kind: string, value = ''): string {
  return `<!-- repro-pins:${kind}${value ? ` ${value}` : ''} -->`;
}
