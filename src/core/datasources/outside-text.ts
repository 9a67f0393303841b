/**
 * Text a mirror, index or API answered with, as a message shows it: quoted and escaped (a
 * newline or a control character cannot start a new line of output or a Markdown block) and cut
 * short (a hostile answer cannot make a message of a megabyte).
 */
export function quoteOutsideText(text: string, max = 80): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
