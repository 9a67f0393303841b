import type { Scalar } from 'yaml';
import type { MappedText } from '../../shell/command-line.js';

/**
 * A YAML scalar's value (a workflow `run:` script) mapped back to file offsets, so a finding in
 * line 7 of a `run: |` block names the file's line, not the script's.
 *
 * The value's characters appear in the source in order; what the source has in between is
 * indentation, the block header, quotes, escapes and folded line breaks. Each value character
 * is matched to the next source character equal to it, skipping only those; a character that
 * has no match (an escape such as `\n` in a double-quoted scalar) takes the current offset.
 */
export function scalarText(source: string, node: Scalar): MappedText {
  const value = node.value === null || node.value === undefined ? '' : String(node.value);
  const [start = 0, end = source.length] = node.range ?? [];
  const offsets: number[] = new Array<number>(value.length);
  let p = start;
  for (let k = 0; k < value.length; k++) {
    const c = value[k]!;
    let q = p;
    while (q < end && source[q] !== c && SKIPPABLE.has(source[q]!)) q++;
    if (q < end && source[q] === c) {
      offsets[k] = q;
      p = q + 1;
    } else {
      offsets[k] = Math.min(p, Math.max(start, end - 1));
    }
  }
  return { text: value, offsets };
}

// What a YAML source holds around a scalar's characters: indentation and line breaks, block
// headers (`|`, `>-`, `|2+`), quotes and the backslash of an escape.
const SKIPPABLE = new Set([' ', '\t', '\r', '\n', '|', '>', '-', '+', '"', "'", '\\', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
