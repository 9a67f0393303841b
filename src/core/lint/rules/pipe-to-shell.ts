import { programName, type ShellCommand, type ShellWord } from '../../shell/command-line.js';
import { everyStep, lineOf, type LintTarget, type Rule, type RuleHit } from '../rule.js';
import { POSIX_SHELLS } from '../sources/shell-script.js';

const DOWNLOADERS = new Set(['curl', 'wget']);
const SCRIPTING = /^(?:python(?:\d+(?:\.\d+)?)?|perl|ruby|node|nodejs)$/;

/**
 * Whether an interpreter reads its program from standard input: with no script operand (or
 * `-`), and no `-c` / `-e` program of its own. `curl … | python3 -c 'import json…'` parses data
 * and `curl … | sh -c 'cat > f'` runs a fixed program: neither is reported.
 */
function runsStdin(command: ShellCommand): boolean {
  const program = programName(command);
  if (program === null) return false;
  const args = command.words.slice(1).map((w) => w.value);
  if (POSIX_SHELLS.has(program)) {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === '-' || arg === '--') return true;
      if (!/^[-+]/.test(arg)) return false;
      if (/^-[a-zA-Z]*c/.test(arg)) return false;
      if (/^-[a-zA-Z]*s/.test(arg)) return true;
      // `-o pipefail`, `-eo pipefail`: the option name is the next word.
      if (/^[-+][a-zA-Z]*o$/.test(arg)) i++;
    }
    return true;
  }
  if (!SCRIPTING.test(program)) return false;
  for (const arg of args) {
    if (/^-(?:[cemEp]|-eval|-print)$/.test(arg) || /^-[a-zA-Z]*[ce]$/.test(arg)) return false;
    if (arg === '-') return true;
    if (!arg.startsWith('-')) return false;
  }
  return true;
}

function urlOf(words: readonly ShellWord[]): string | null {
  return words.find((w) => /^(?:https?|ftp):\/\//i.test(w.value))?.value ?? null;
}

/**
 * A download piped into an interpreter (`curl -fsSL … | sh`, `wget -qO- … | sudo bash`) runs
 * whatever the server sends that day, unchecked. `sh -c "$(curl …)"` and `bash <(curl …)` are
 * the same thing written differently.
 */
export const pipeToShell: Rule = {
  id: 'pipe-to-shell',
  level: 'error',
  finds: 'a download (curl, wget) piped into an interpreter',
  check: (target) => {
    const hits: RuleHit[] = [];
    const seen = new Set<ShellCommand>();
    const steps = everyStep(target).map(({ step }) => step);
    const stdinRunners = new StdinRunners();
    steps.forEach((step, index) => {
      const { command, pipeline } = step;
      const program = programName(command) ?? '';
      let download: ShellCommand | undefined;
      let interpreter = program;
      if (DOWNLOADERS.has(program) && !seen.has(command)) {
        const runner = stdinRunners.after(pipeline, command);
        if (runner) {
          download = command;
          interpreter = programName(runner) ?? '';
        }
      } else if (POSIX_SHELLS.has(program) || SCRIPTING.test(program)) {
        // sh -c "$(curl -fsSL …)": the downloaded text is the program.
        const substituted = command.words.slice(1).find((w) => /(?:\$\(|`)\s*(?:\S*\/)?(?:curl|wget)\s/.test(w.value));
        // bash <(curl …): process substitution; the splitter reads `<` and `(` apart, so the download is the next command.
        const processSubstitution = command.redirects.some((r) => r.operator === '<' && r.target === null) ? steps[index + 1]?.command : undefined;
        if (substituted) hits.push(hit(target, step.at, program, substituted.value.replace(/\s+/g, ' ')));
        else if (processSubstitution && DOWNLOADERS.has(programName(processSubstitution) ?? '')) {
          seen.add(processSubstitution);
          download = processSubstitution;
        }
      }
      if (download) hits.push(hit(target, download.words[0]?.at ?? step.at, interpreter, urlOf(download.words) ?? programName(download) ?? 'a download'));
    });
    return hits;
  },
};

/**
 * For each command of a pipeline, the first later command that runs its standard input, worked
 * out once per pipeline from its end: a search of the rest of the pipeline per download was
 * quadratic on `curl x | curl x | …`.
 */
class StdinRunners {
  readonly #byPipeline = new Map<readonly ShellCommand[], Map<ShellCommand, ShellCommand | undefined>>();

  after(pipeline: readonly ShellCommand[], command: ShellCommand): ShellCommand | undefined {
    let next = this.#byPipeline.get(pipeline);
    if (!next) {
      next = new Map();
      let runner: ShellCommand | undefined;
      for (let i = pipeline.length - 1; i >= 0; i--) {
        next.set(pipeline[i]!, runner);
        if (runsStdin(pipeline[i]!)) runner = pipeline[i];
      }
      this.#byPipeline.set(pipeline, next);
    }
    return next.get(command);
  }
}

function hit(target: LintTarget, at: number, interpreter: string, what: string): RuleHit {
  return {
    line: lineOf(target, at),
    message: `${what} is piped into ${interpreter} and run unchecked: whatever the server sends next time runs in the build`,
    fix: `download it to a file, check it against a pinned checksum (echo '<sha256>  install.sh' | sha256sum -c -), then run it; or install a pinned release instead`,
  };
}
