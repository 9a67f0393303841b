import type { ShellWord } from './command-line.js';

/**
 * A command's arguments read the getopt_long way most tools follow (apk, apt-get, curl, go…):
 * `--name=value` or `--name value` for long options that take a value, clusters of short
 * options (`-qqy`) where a letter that takes a value takes the rest of the word or the next word
 * (`-tNAME`, `-t NAME`), options anywhere among the operands, and `--` ending the options.
 */
export interface ArgumentSpec {
  /** Short option letters that take a value (`'oct'` for `-o X -c Y -t Z`). */
  valueShort?: string;
  /** Long options that take a value, with their dashes (`--target-release`). */
  valueLong?: readonly string[];
}

export interface ParsedOption {
  /** `-t` or `--virtual`, as written (one entry per letter of a short cluster). */
  name: string;
  value: string | null;
  /** The word holding the value: the option's own word (`--x=1`, `-t.name`) or the next one; null when there is none. */
  valueWord: ShellWord | null;
}

export interface ParsedArguments {
  options: ParsedOption[];
  operands: ShellWord[];
}

const LITERAL_LONG_NAME = /^(?:--[A-Za-z0-9][A-Za-z0-9-]*|-[A-Za-z0-9])=/;

export function parseArguments(words: readonly ShellWord[], spec: ArgumentSpec = {}): ParsedArguments {
  // Looked up in the spec itself, not copied into two Sets per call (110 MB of the 1 GB a 1 MiB
  // Dockerfile of `RUN apk add` allocated); the lists are a few dozen entries at most.
  const valueShort = spec.valueShort ?? '';
  const valueLong = spec.valueLong ?? [];
  const options: ParsedOption[] = [];
  const operands: ShellWord[] = [];
  let optionsEnded = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const text = word.value;
    // `--name=$VALUE` (and pflag's `-o=$VALUE`) is still that option, only its value is known at run time;
    // any other word that expands may be anything, an operand or several.
    if (optionsEnded || !text.startsWith('-') || text === '-' || (word.expands && !LITERAL_LONG_NAME.test(text))) {
      operands.push(word);
      continue;
    }
    if (text === '--') {
      optionsEnded = true;
      continue;
    }
    if (text.startsWith('--')) {
      const eq = text.indexOf('=');
      if (eq !== -1) options.push({ name: text.slice(0, eq), value: text.slice(eq + 1), valueWord: word });
      else if (valueLong.includes(text)) {
        const next = words[i + 1];
        options.push({ name: text, value: next?.value ?? null, valueWord: next ?? null });
        if (next) i++;
      } else options.push({ name: text, value: null, valueWord: null });
      continue;
    }
    for (let k = 1; k < text.length; k++) {
      const letter = text[k]!;
      if (!valueShort.includes(letter)) {
        options.push({ name: `-${letter}`, value: null, valueWord: null });
        continue;
      }
      const rest = text.slice(k + 1);
      if (rest) {
        options.push({ name: `-${letter}`, value: rest, valueWord: word });
      } else {
        const next = words[i + 1];
        options.push({ name: `-${letter}`, value: next?.value ?? null, valueWord: next ?? null });
        if (next) i++;
      }
      break;
    }
  }
  return { options, operands };
}
