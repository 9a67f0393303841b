import { lineAt, type SourceFile } from '../../reference.js';
import { programName, shellCommandString, splitShellCommands, type ShellCommand } from '../../shell/command-line.js';
import { execFormCommandLine, execFormStrings } from './exec-form.js';
import { ArgScopes, stageAlias } from './extract.js';
import { parseDockerfile, type Heredoc, type Instruction, type Token } from './instructions.js';
import { expand, type BuildArg } from './variables.js';

/**
 * A Dockerfile as build stages: what each stage is built on and what its RUN instructions run,
 * for the readers of RUN lines (apk and apt pins, reproducibility rules).
 */
export interface DockerfileStage {
  /** 0-based position among the FROM instructions. */
  index: number;
  /** The `AS` name, lower-cased, or null. */
  name: string | null;
  /** 1-based line of the FROM instruction. */
  line: number;
  /**
   * The image the stage is built on, after ARG substitution; a stage built on an earlier stage
   * carries that stage's base. `scratch` is reported as written. Null when it is not known statically.
   */
  baseImage: string | null;
  /** Why `baseImage` is null. */
  unknownBase: string | null;
  /** The earlier stage this one is built on (`FROM builder`), or null when it starts from an image. */
  parent: DockerfileStage | null;
  runs: RunInstruction[];
}

export interface RunInstruction {
  /** 1-based line of the RUN keyword. */
  line: number;
  /** File offset of the RUN keyword. */
  start: number;
  /** `--mount=…`, `--network=…` and the other flags before the command. */
  flags: Token[];
  /** `exec` for the JSON form (`RUN ["sh", "-c", "…"]`), which is not read as shell. */
  form: 'shell' | 'exec';
  /** The command text after the flags, continuation lines joined, mapped to file offsets. */
  script: Token;
  heredocs: Heredoc[];
  /**
   * Every simple command the stage's shell runs: those of the shell-form text, then those of the
   * here-documents the shell itself runs (`RUN <<EOF`, `RUN bash <<EOF`); for the exec form, the
   * program it names, or the script of `["/bin/sh", "-c", "…"]`. Empty for the shell form under a
   * SHELL that is not a POSIX shell.
   */
  commands: ShellCommand[];
}

/** Every simple command of every RUN that `read` recognises, with its stage, in file order. */
export function readRunCommands<T>(file: SourceFile | string, read: (command: ShellCommand) => T | null): { stage: DockerfileStage; found: T }[] {
  // Loops, not nested flatMaps: those made two arrays per RUN and per command (issue 10's 1 MiB Dockerfile).
  const result: { stage: DockerfileStage; found: T }[] = [];
  for (const stage of dockerfileStages(file)) {
    for (const run of stage.runs) {
      for (const command of run.commands) {
        const found = read(command);
        if (found !== null) result.push({ stage, found });
      }
    }
  }
  return result;
}

const posixShells = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'busybox']);

// apk, apt and the rules each ask for the stages of the same file: the last answer is kept
// (read-only for callers), like the parse in `parseDockerfile`.
let lastStages: { text: string; stages: DockerfileStage[] } | null = null;

/** The stages of a Dockerfile with their base images and RUN instructions. Never throws. */
export function dockerfileStages(file: SourceFile | string): DockerfileStage[] {
  const text = typeof file === 'string' ? file : file.text;
  if (lastStages?.text !== text) lastStages = { text, stages: readStages(text) };
  return lastStages.stages;
}

function readStages(text: string): DockerfileStage[] {
  const { escape, instructions } = parseDockerfile(text);
  const stages: DockerfileStage[] = [];
  const args = new ArgScopes();
  let posixShell = true;
  for (const instruction of instructions) {
    const stage = stages[stages.length - 1];
    switch (instruction.keyword) {
      case 'ARG':
        args.declare(instruction, escape);
        break;
      case 'FROM':
        stages.push(newStage(instruction, stages, args.global, escape, text));
        args.enterStage();
        posixShell = true;
        break;
      case 'SHELL': {
        const shell = parseExecForm(instruction.body.text);
        posixShell = shell === null || posixShells.has(basename(shell[0] ?? ''));
        break;
      }
      case 'RUN':
        stage?.runs.push(runInstruction(instruction, text, posixShell));
        break;
      default:
        break;
    }
  }
  return stages;
}

function newStage(instruction: Instruction, earlier: DockerfileStage[], globalArgs: Map<string, BuildArg>, escape: string, text: string): DockerfileStage {
  const stage: DockerfileStage = {
    index: earlier.length,
    name: stageAlias(instruction),
    line: lineAt(text, instruction.start),
    baseImage: null,
    unknownBase: 'the FROM instruction names no image',
    parent: null,
    runs: [],
  };
  const written = instruction.args.find((t) => !t.text.startsWith('--'))?.text;
  if (written === undefined) return stage;
  const expanded = expand(written, globalArgs, escape);
  if ('unresolved' in expanded) return { ...stage, unknownBase: expanded.unresolved };
  const parent = earlier.find((s) => s.name === expanded.value.toLowerCase()) ?? (/^\d+$/.test(expanded.value) ? earlier[Number(expanded.value)] : undefined);
  if (parent) return { ...stage, baseImage: parent.baseImage, unknownBase: parent.unknownBase, parent };
  return { ...stage, baseImage: expanded.value, unknownBase: null };
}

function runInstruction(instruction: Instruction, text: string, posixShell: boolean): RunInstruction {
  const { body } = instruction;
  const flagsEnd = /^(?:\s*--\S+)*\s*/.exec(body.text)![0].length;
  const script: Token = { text: body.text.slice(flagsEnd), offsets: body.offsets.slice(flagsEnd) };
  const firstWord = instruction.args.findIndex((t) => !t.text.startsWith('--'));
  const flags = firstWord === -1 ? instruction.args : instruction.args.slice(0, firstWord);
  const form = parseExecForm(script.text) === null ? 'shell' : 'exec';
  const run: RunInstruction = { line: lineAt(text, instruction.start), start: instruction.start, flags, form, script, heredocs: instruction.heredocs, commands: [] };
  if (form === 'exec') {
    for (const item of execFormCommands(run.script)) run.commands.push(item);
    return run;
  }
  if (!posixShell) return run;
  const commands = splitShellCommands(script);
  for (const item of commands) run.commands.push(item);
  for (const heredoc of instruction.heredocs) {
    if (shellRunsHeredoc(heredoc, commands)) for (const item of splitShellCommands(heredoc.body)) run.commands.push(item);
  }
  return run;
}

/**
 * The exec form runs its program directly, whatever SHELL says: `["apk", "add", "curl"]` is that
 * one command, `["/bin/sh", "-c", "apk add curl"]` runs the script, read with the offsets of its
 * JSON string so a pin lands inside it.
 */
function execFormCommands(script: Token): ShellCommand[] {
  const strings = execFormStrings(script);
  if (!strings) return [];
  const line = splitShellCommands(execFormCommandLine(strings));
  const command = line[0];
  const program = command ? programName(command) : null;
  const inner = command && program && posixShells.has(program) && program !== 'busybox' ? shellCommandString(command) : null;
  const source = inner ? strings.find((s) => s.offsets.at(0) === inner.at && s.text === inner.value) : undefined;
  return source ? splitShellCommands(source) : line;
}

/**
 * BuildKit runs a here-document as the script itself when the RUN names no command (`RUN <<EOF`),
 * unless it starts with a `#!` line for another interpreter; `RUN bash <<EOF` feeds it to a shell.
 * Anything else (`RUN python3 <<EOF`, `RUN cat <<EOF > file`) is data, not shell.
 */
function shellRunsHeredoc(heredoc: Heredoc, commands: ShellCommand[]): boolean {
  const reader = commands.find((c) => c.redirects.some((r) => (r.operator === '<<' || r.operator === '<<-') && r.target?.value === heredoc.delimiter));
  const program = reader?.words[0];
  if (!program) {
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(heredoc.body.text);
    if (!shebang) return true;
    const interpreter = basename(shebang[1]!) === 'env' ? (shebang[2] ?? '') : basename(shebang[1]!);
    return posixShells.has(interpreter);
  }
  const name = basename(program.value);
  const args = reader.words.slice(1);
  // `bash <<EOF` or `sh -ex <<EOF`: the shell reads its script from standard input.
  return posixShells.has(name) && name !== 'busybox' && args.every((a) => a.value.startsWith('-') && a.value !== '-c');
}

/** `["a", "b"]` as a list of strings, or null when the text is not the JSON exec form. */
function parseExecForm(text: string): string[] | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? (parsed as string[]) : null;
  } catch {
    return null;
  }
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
