import { pipelines, programName, shellCommandString, splitShellCommands, type MappedText, type ShellCommand, type ShellWord } from '../../shell/command-line.js';
import { OffsetRuns } from '../../offsets.js';

/**
 * A shell program the rules read — a Dockerfile RUN, a workflow `run:` step, a shell script —
 * as its simple commands, each with the pipeline it stands in and the environment it runs
 * with. Rules never split shell text themselves: `src/core/shell/` does, here, once.
 */
export type ShellOrigin = 'dockerfile' | 'workflow' | 'script';

export interface ShellScript {
  origin: ShellOrigin;
  steps: ShellStep[];
}

export interface ShellStep {
  command: ShellCommand;
  /** The commands of the pipeline this one belongs to, in order (just this one when it is not piped). */
  pipeline: readonly ShellCommand[];
  /**
   * Variables in the command's environment: those inherited (Dockerfile ENV and ARG, workflow
   * `env:`), those exported earlier in the same program, and the command's own `NAME=value`.
   */
  env: ReadonlyMap<string, string>;
  /** File offset the command is reported at: its program word, or where the program starts. */
  at: number;
}

export type Environment = ReadonlyMap<string, string>;

export const POSIX_SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh']);

// `bash -c "…"` nests a program in a word; three levels cover `sudo sh -c "bash -c '…'"`.
const MAX_NESTING = 3;

/** The steps of a shell text that stands in a file (mapped to file offsets). */
export function shellSteps(source: MappedText, inherited: Environment, fallback: number): ShellStep[] {
  return commandSteps(splitShellCommands(source), inherited, fallback, 0);
}

/**
 * The steps of already split commands (a Dockerfile RUN's), following the environment through
 * `export`, `set -a` and the programs that `sh -c '…'` runs.
 */
export function commandSteps(commands: readonly ShellCommand[], inherited: Environment, fallback: number, depth = 0): ShellStep[] {
  const steps: ShellStep[] = [];
  const exported = new ExportHistory(inherited);
  const variables = new Map<string, string>();
  let exportAll = false;
  for (const pipeline of pipelines(commands)) {
    for (const command of pipeline) {
      const own = command.assignments.length === 0 ? NO_ASSIGNMENTS : assignmentsOf(command.assignments);
      const env = exported.view(own);
      const at = reportOffset(command, fallback);
      steps.push({ command, pipeline, env, at });
      const program = programName(command);
      if (command.words.length === 0) {
        // `NAME=value` alone sets a shell variable; only `export` (or `set -a`) hands it to programs.
        for (const [name, value] of own) {
          variables.set(name, value);
          if (exportAll || exported.has(name)) exported.set(name, value);
        }
      } else if (program === 'export') {
        for (const word of command.words.slice(1)) {
          const eq = word.value.indexOf('=');
          if (eq > 0) exported.set(word.value.slice(0, eq), word.value.slice(eq + 1));
          else if (/^[A-Za-z_]\w*$/.test(word.value)) exported.set(word.value, variables.get(word.value) ?? '');
        }
      } else if (program === 'set' && command.words.slice(1).some((w) => /^-[a-zA-Z]*a/.test(w.value) || w.value === 'allexport')) {
        exportAll = true;
      } else if (program !== null && POSIX_SHELLS.has(program) && depth < MAX_NESTING) {
        const script = shellCommandString(command);
        if (script) for (const item of commandSteps(splitShellCommands(wordText(script)), env, at, depth + 1)) steps.push(item);
      }
    }
  }
  return steps;
}

/**
 * The exported variables of a program as a history of `export`s, so that each step's
 * environment is a view at its position instead of a copy: a copy per command was quadratic
 * (20 s and 2 GB for a script of 10k `export` lines). Lookups are a binary search per name.
 */
class ExportHistory {
  // Made on the first export: most programs (a Dockerfile's RUNs) export nothing, and every
  // step's view keeps its history alive.
  #byName: Map<string, { at: number[]; values: string[] }> | null = null;
  #position = 0;

  constructor(readonly base: Environment) {}

  set(name: string, value: string): void {
    this.#position++;
    this.#byName ??= new Map();
    let history = this.#byName.get(name);
    if (!history) {
      history = { at: [], values: [] };
      this.#byName.set(name, history);
    }
    history.at.push(this.#position);
    history.values.push(value);
  }

  has(name: string): boolean {
    return this.#byName?.has(name) === true || this.base.has(name);
  }

  /** The value a name had after the first `position` exports. */
  valueAt(name: string, position: number): string | undefined {
    const history = this.#byName?.get(name);
    if (history) {
      let low = 0;
      let high = history.at.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (history.at[mid]! <= position) low = mid + 1;
        else high = mid;
      }
      if (low > 0) return history.values[low - 1];
    }
    return this.base.get(name);
  }

  /** Every name set by the first `position` exports, or inherited. */
  namesAt(position: number): string[] {
    const names = new Set(this.base.keys());
    for (const [name, history] of this.#byName ?? []) if (history.at[0]! <= position) names.add(name);
    return [...names];
  }

  view(own: ReadonlyMap<string, string>): Environment {
    return new EnvironmentView(this, this.#position, own);
  }
}

/** A step's environment: its own `NAME=value` words over the exports made before it. Read-only. */
class EnvironmentView implements ReadonlyMap<string, string> {
  #entries: Map<string, string> | null = null;

  constructor(
    private readonly history: ExportHistory,
    private readonly position: number,
    private readonly own: ReadonlyMap<string, string>,
  ) {}

  get(name: string): string | undefined {
    return this.own.get(name) ?? this.history.valueAt(name, this.position);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Iteration is rare (no rule lists the environment), so the whole map is built only then. */
  #all(): Map<string, string> {
    if (!this.#entries) {
      this.#entries = new Map();
      for (const name of this.history.namesAt(this.position)) this.#entries.set(name, this.history.valueAt(name, this.position)!);
      for (const [name, value] of this.own) this.#entries.set(name, value);
    }
    return this.#entries;
  }

  get size(): number {
    return this.#all().size;
  }

  forEach(callback: (value: string, key: string, map: ReadonlyMap<string, string>) => void): void {
    for (const [key, value] of this.#all()) callback(value, key, this);
  }

  entries(): MapIterator<[string, string]> {
    return this.#all().entries();
  }

  keys(): MapIterator<string> {
    return this.#all().keys();
  }

  values(): MapIterator<string> {
    return this.#all().values();
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.#all()[Symbol.iterator]();
  }
}

/** `NAME=value` words as a map. */
// The `own` environment of the many commands that assign nothing: one shared, read-only, empty map.
const NO_ASSIGNMENTS: ReadonlyMap<string, string> = new Map();

export function assignmentsOf(words: readonly ShellWord[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const word of words) {
    const eq = word.value.indexOf('=');
    if (eq > 0) map.set(word.value.slice(0, eq).replace(/\+$/, ''), word.value.slice(eq + 1));
  }
  return map;
}


/**
 * A word's value mapped to file offsets: exact when the word is one run of the file whose
 * quotes add nothing but their two ends, else every character at the word's start (the line
 * stays right, which is what a finding needs).
 */
export function wordText(word: ShellWord): MappedText {
  const { raw, value, span } = word;
  let start: number | null = null;
  if (span && raw === value) start = span.start;
  else if (span && raw.length >= 2 && (raw[0] === "'" || raw[0] === '"') && raw.endsWith(raw[0]) && raw.slice(1, -1) === value) start = span.start + 1;
  return { text: value, offsets: start === null ? OffsetRuns.constant(word.at, value.length) : OffsetRuns.contiguous(start, value.length) };
}

/** Where a command is reported: its program word, else its first word, else the fallback. */
function reportOffset(command: ShellCommand, fallback: number): number {
  const program = command.words[0]?.at ?? -1;
  if (program >= 0) return program;
  return command.at >= 0 ? command.at : fallback;
}
