/**
 * Where each character of a derived text (an instruction with its continuation lines joined, a
 * RUN's script, a here-document) stands in the file, so a pin can be written back into the
 * original bytes. -1 marks a character that stands nowhere (the space a joined line break
 * becomes).
 *
 * Most texts are one run of the file, so the map is kept as runs, not one number per character:
 * a 1 MiB Dockerfile of RUN lines made several per-character copies of itself (issue 10), each
 * kept alive until lint ended. A plain `number[]` is an `Offsets` too (tests, JSON strings).
 */
export interface Offsets {
  readonly length: number;
  /** The file offset of character `index`, or undefined past the end. */
  at(index: number): number | undefined;
  slice(start?: number, end?: number): Offsets;
}

/** Text with the file offset of each of its characters (-1 for a character the file does not hold). */
export interface MappedText {
  text: string;
  offsets: Offsets;
}

/** A run: `count` characters from logical index `from`, at `file`, `file + 1`, … (step 1) or all at `file` (step 0). */
interface Run {
  from: number;
  file: number;
  step: 0 | 1;
}

/** One run: the common case (a token, a one-line RUN), three numbers and no array. */
class LinearOffsets implements Offsets {
  constructor(
    readonly length: number,
    readonly file: number,
    readonly step: 0 | 1,
  ) {}

  at(index: number): number | undefined {
    return index >= 0 && index < this.length ? this.file + this.step * index : undefined;
  }

  slice(start = 0, end = this.length): Offsets {
    const from = clamp(start, this.length);
    const to = Math.max(from, clamp(end, this.length));
    return new LinearOffsets(to - from, this.file + this.step * from, this.step);
  }
}

export class OffsetRuns implements Offsets {
  #lastRun = 0;

  private constructor(
    readonly length: number,
    readonly runs: readonly Run[],
  ) {}

  /** `length` characters that stand at `start`, `start + 1`, … in the file. */
  static contiguous(start: number, length: number): Offsets {
    return new LinearOffsets(length, start, 1);
  }

  /** `length` characters that all stand at `at` (a decoded value that is not the file's bytes). */
  static constant(at: number, length: number): Offsets {
    return new LinearOffsets(length, at, 0);
  }

  static fromRuns(runs: readonly Run[], length: number): Offsets {
    if (runs.length === 0) return new LinearOffsets(0, 0, 1);
    if (runs.length === 1) return new LinearOffsets(length, runs[0]!.file, runs[0]!.step);
    return new OffsetRuns(length, runs);
  }

  at(index: number): number | undefined {
    if (!(index >= 0 && index < this.length)) return undefined;
    const run = this.runs[this.#runIndex(index)]!;
    return run.file + run.step * (index - run.from);
  }

  slice(start = 0, end = this.length): Offsets {
    const from = clamp(start, this.length);
    const to = Math.max(from, clamp(end, this.length));
    if (to === from) return new LinearOffsets(0, 0, 1);
    const runs = this.runs;
    const sliced: Run[] = [];
    for (let k = this.#runIndex(from); k < runs.length && runs[k]!.from < to; k++) {
      const run = runs[k]!;
      const skip = Math.max(0, from - run.from);
      sliced.push({ from: run.from + skip - from, file: run.file + run.step * skip, step: run.step });
    }
    return OffsetRuns.fromRuns(sliced, to - from);
  }

  /** The run holding `index`: sequential reads (the shell lexer) hit the last one found or the next. */
  #runIndex(index: number): number {
    const runs = this.runs;
    const last = this.#lastRun;
    const fits = (k: number) => runs[k]!.from <= index && (k + 1 === runs.length || runs[k + 1]!.from > index);
    if (fits(last)) return last;
    if (last + 1 < runs.length && fits(last + 1)) return (this.#lastRun = last + 1);
    let low = 0;
    let high = runs.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (runs[mid]!.from <= index) low = mid;
      else high = mid - 1;
    }
    return (this.#lastRun = low);
  }
}

/** Builds an `OffsetRuns` a piece at a time, merging pieces that continue each other. */
export class OffsetsBuilder {
  readonly #runs: Run[] = [];
  #length = 0;

  /** `count` characters at `file`, `file + 1`, … (or, with step 0, all at `file`). */
  add(file: number, count: number, step: 0 | 1 = 1): void {
    if (count <= 0) return;
    const last = this.#runs[this.#runs.length - 1];
    const continues = last !== undefined && last.step === step && (step === 1 ? last.file + (this.#length - last.from) === file && file >= 0 : last.file === file);
    if (!continues) this.#runs.push({ from: this.#length, file, step: file < 0 ? 0 : step });
    this.#length += count;
  }

  build(): Offsets {
    return OffsetRuns.fromRuns(this.#runs, this.#length);
  }
}

/** The first character's file offset that stands somewhere (not -1). */
export function firstPlaced(offsets: Offsets): number | undefined {
  for (let i = 0; i < offsets.length; i++) {
    const at = offsets.at(i)!;
    if (at >= 0) return at;
  }
  return undefined;
}

function clamp(index: number, length: number): number {
  if (index < 0) return Math.max(0, length + index);
  return Math.min(index, length);
}
