import type { SourceFile } from '../../reference.js';
import { firstPlaced } from '../../offsets.js';
import { programName } from '../../shell/command-line.js';
import { parseArgs } from '../../managers/dockerfile/extract.js';
import { parseDockerfile, type Instruction, type Token } from '../../managers/dockerfile/instructions.js';
import { dockerfileStages, type DockerfileStage, type RunInstruction } from '../../managers/dockerfile/stages.js';
import type { BuildArg } from '../../managers/dockerfile/variables.js';
import { execFormCommandLine, execFormStrings } from '../../managers/dockerfile/exec-form.js';
import { commandSteps, shellSteps, type ShellScript } from './shell-script.js';

/**
 * A Dockerfile as the rules read it: stages (from `dockerfileStages`, the same reading the apk
 * and apt pins use) with each RUN's commands and environment, and what else a rule asks about
 * (ADD sources, where apt sources are configured).
 */
export interface DockerfileView {
  stages: StageView[];
  addSources: AddSource[];
}

export interface StageView {
  stage: DockerfileStage;
  /** The stage this one is built on (`FROM build AS test`): it inherits that stage's files and ENV. */
  parent: number | null;
  runs: RunView[];
  /** File offsets of instructions that configure an apt snapshot source or bring in their own apt sources. */
  aptSourcesAt: number[];
}

export interface RunView {
  run: RunInstruction;
  script: ShellScript;
}

export interface AddSource {
  /** The source as written (`https://…`, `<<EOF`, `./local`). */
  source: string;
  /** File offset of the source. */
  at: number;
  /** The `--checksum=` value, or null. */
  checksum: string | null;
}

// snapshot.debian.org / snapshot.ubuntu.com sources, or apt's own `--snapshot` (apt 2.7+).
const SNAPSHOT = /snapshot\.debian\.org|snapshot\.ubuntu\.com|--snapshot\b|APT::Snapshot/i;
const APT_SOURCES_PATH = /^\/etc\/apt(?:\/?$|\/sources\.list)/;

export function dockerfileView(file: SourceFile): DockerfileView {
  const { escape, instructions } = parseDockerfile(file.text);
  const stages = dockerfileStages(file.text);
  // Every RUN by its offset, found once: a search of the stage's runs per RUN was quadratic.
  const runsByStart = new Map(stages.flatMap((stage) => stage.runs.map((run) => [run.start, run] as const)));
  const views: StageView[] = [];
  const addSources: AddSource[] = [];
  const globalArgs = new Map<string, BuildArg>();
  const finalEnv: Map<string, string>[] = [];
  let env = new Map<string, string>();
  let args = new Map<string, string>();
  // What the stage's RUNs inherit, made again only after an ARG, ENV or FROM changes it: one
  // copy per RUN was a Map per RUN kept alive by its steps. The steps only read it.
  let runEnv: Map<string, string> | null = null;
  for (const instruction of instructions) {
    if (instruction.keyword !== 'RUN') runEnv = null;
    const view = views[views.length - 1];
    switch (instruction.keyword) {
      case 'FROM': {
        const stage = stages[views.length];
        if (!stage) break;
        const parent = parentStage(instruction, views);
        views.push({ stage, parent, runs: [], aptSourcesAt: [] });
        env = new Map(parent === null ? [] : finalEnv[parent]);
        args = new Map();
        finalEnv.push(env);
        break;
      }
      case 'ARG':
        if (!view) {
          for (const arg of parseArgs(instruction, escape, globalArgs)) globalArgs.set(arg.name, arg);
          break;
        }
        // An ARG is in the environment of the stage's RUNs, with its default or the global one.
        for (const arg of parseArgs(instruction, escape, new Map())) {
          const value = arg.value ?? globalArgs.get(arg.name)?.value ?? null;
          if (value !== null) args.set(arg.name, value);
        }
        break;
      case 'ENV':
        if (view) for (const [name, value] of envPairs(instruction.body.text)) env.set(name, value);
        break;
      case 'RUN': {
        const run = runsByStart.get(instruction.start);
        if (!view || !run) break;
        // ENV wins over an ARG of the same name (https://docs.docker.com/reference/dockerfile/#using-arg-variables).
        runEnv ??= new Map([...args, ...env]);
        const script: ShellScript = { origin: 'dockerfile', steps: runSteps(run, runEnv) };
        view.runs.push({ run, script });
        const text = [run.script.text, ...run.heredocs.map((h) => h.body.text)].join('\n');
        const aptSnapshotFlag = script.steps.some(({ command }) => ['apt', 'apt-get'].includes(programName(command) ?? '') && command.words.some((w) => w.value === '-S'));
        if (SNAPSHOT.test(text) || aptSnapshotFlag) view.aptSourcesAt.push(instruction.start);
        break;
      }
      case 'COPY':
      case 'ADD': {
        const { sources, destination, checksum } = copyOperands(instruction);
        if (view && destination !== null && APT_SOURCES_PATH.test(destination)) view.aptSourcesAt.push(instruction.start);
        if (instruction.keyword === 'ADD') for (const { text, at } of sources) addSources.push({ source: text, at, checksum });
        break;
      }
      default:
        break;
    }
  }
  return { stages: views, addSources };
}

function runSteps(run: RunInstruction, env: Map<string, string>) {
  if (run.form === 'shell') return commandSteps(run.commands, env, run.start);
  const strings = execFormStrings(run.script);
  return strings ? shellSteps(execFormCommandLine(strings), env, run.start) : [];
}

function parentStage(instruction: Instruction, earlier: readonly StageView[]): number | null {
  const image = instruction.args.find((t) => !t.text.startsWith('--'))?.text.toLowerCase();
  if (image === undefined) return null;
  const named = earlier.findIndex((view) => view.stage.name === image);
  if (named !== -1) return named;
  return /^\d+$/.test(image) && Number(image) < earlier.length ? Number(image) : null;
}

/** `ENV A=1 B="two words"`, or the legacy `ENV A one value`. */
export function envPairs(body: string): [string, string][] {
  const text = body.trim();
  const legacy = /^([A-Za-z_]\w*)\s+(.*)$/s.exec(text);
  if (legacy && !/^[A-Za-z_]\w*=/.test(text)) return [[legacy[1]!, legacy[2]!]];
  const pairs: [string, string][] = [];
  const pattern = /([A-Za-z_]\w*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const match of text.matchAll(pattern)) {
    const raw = match[2]!;
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.startsWith("'") ? raw.slice(1, -1) : raw;
    pairs.push([match[1]!, value]);
  }
  return pairs;
}

interface CopyOperands {
  sources: { text: string; at: number }[];
  destination: string | null;
  checksum: string | null;
}

/** COPY / ADD `[--flags] <src>... <dest>`, in the shell or the JSON form. */
function copyOperands(instruction: Instruction): CopyOperands {
  const firstOperand = instruction.args.findIndex((t) => !t.text.startsWith('--'));
  const flags = firstOperand === -1 ? instruction.args : instruction.args.slice(0, firstOperand);
  const checksum = flags.find((f) => /^--checksum=/i.test(f.text))?.text.slice('--checksum='.length) ?? null;
  const rest = instruction.args.slice(flags.length);
  const { body } = instruction;
  const flagsEnd = /^(?:\s*--\S+)*\s*/.exec(body.text)![0].length;
  const restToken: Token = { text: body.text.slice(flagsEnd), offsets: body.offsets.slice(flagsEnd) };
  const json = restToken.text.startsWith('[') ? execFormStrings(restToken) : null;
  const operands = json
    ? json.map((s) => ({ text: s.text, at: firstPlaced(s.offsets) ?? instruction.start }))
    : rest.map((t) => ({ text: t.text, at: firstPlaced(t.offsets) ?? instruction.start }));
  const destination = operands.length >= 2 ? operands[operands.length - 1]!.text : null;
  return { sources: operands.slice(0, -1), destination, checksum };
}
