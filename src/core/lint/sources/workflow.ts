import { isScalar, isSeq, type Node as YamlNode } from 'yaml';
import type { SourceFile } from '../../reference.js';
import { programName } from '../../shell/command-line.js';
import { mapEntries, mapGet, parseYamlDocuments, type YamlDocument } from '../../managers/yaml-scalars.js';
import { stepTree, type StepItem } from '../../managers/github-actions/steps.js';
import { POSIX_SHELLS, shellSteps, type ShellScript, type ShellStep } from './shell-script.js';
import { scalarText } from './yaml-text.js';

/**
 * The `run:` steps of a workflow (`jobs.<id>.steps[*].run`) or a composite action
 * (`runs.steps[*].run`) that a POSIX shell runs, also inside `parallel:` and `sequential:` groups
 * (../../managers/github-actions/steps.ts), each with the environment GitHub gives it: workflow,
 * job and step `env:`, plus what earlier steps of the job wrote to `$GITHUB_ENV`
 * (https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#setting-an-environment-variable).
 * A file that is not valid YAML gives nothing here; the manager reports it.
 */
export function workflowScripts(file: SourceFile, kind: 'workflow' | 'action'): ShellScript[] {
  const scripts: ShellScript[] = [];
  for (const doc of parseYamlDocuments(file).documents) {
    const root = doc.contents;
    if (kind === 'action') {
      for (const item of stepScripts(file, doc, mapGet(doc, mapGet(doc, root, 'runs'), 'steps'), new Map(), null)) scripts.push(item);
      continue;
    }
    const workflowEnv = envOf(doc, root);
    const workflowShell = defaultShell(doc, root);
    for (const [, job] of mapEntries(doc, mapGet(doc, root, 'jobs'))) {
      const env = new Map([...workflowEnv, ...envOf(doc, job)]);
      const shell = defaultShell(doc, job) ?? workflowShell ?? (runsOnWindows(doc, job) ? 'pwsh' : null);
      for (const item of stepScripts(file, doc, mapGet(doc, job, 'steps'), env, shell)) scripts.push(item);
    }
  }
  return scripts;
}

function stepScripts(file: SourceFile, doc: YamlDocument, steps: unknown, inherited: ReadonlyMap<string, string>, defaultShellName: string | null): ShellScript[] {
  const scripts: ShellScript[] = [];
  /** Reads one step with the $GITHUB_ENV it sees; gives what it writes there. */
  const readStep = (step: YamlNode, githubEnv: ReadonlyMap<string, string>): Map<string, string> => {
    const run = mapGet(doc, step, 'run');
    if (!isScalar(run)) return new Map();
    const shell = scalarString(mapGet(doc, step, 'shell')) ?? defaultShellName;
    // GitHub's default on Linux and macOS runners is bash; `shell: python`, `pwsh` or `cmd` is not ours to read.
    if (shell !== null && !POSIX_SHELLS.has(basename(shell.trim().split(/\s+/)[0] ?? ''))) return new Map();
    const env = new Map([...inherited, ...githubEnv, ...envOf(doc, step)]);
    const script: ShellScript = { origin: 'workflow', steps: shellSteps(scalarText(file.text, run), env, run.range?.[0] ?? 0) };
    scripts.push(script);
    return githubEnvWrites(script.steps);
  };
  // Steps run in order and see what earlier ones wrote, except in a `parallel:` group, whose
  // items start together: each sees the $GITHUB_ENV of the steps before the group, and the steps
  // after it see what every item wrote. A `sequential:` list runs in order, as the job's own steps.
  const readItems = (items: readonly StepItem[], before: ReadonlyMap<string, string>): Map<string, string> => {
    const written = new Map<string, string>();
    for (const item of items) {
      const visible = new Map([...before, ...written]);
      const writes =
        item.kind === 'step' ? [readStep(item.node, visible)] : item.kind === 'sequential' ? [readItems(item.items, visible)] : item.items.map((branch) => readItems([branch], visible));
      for (const [name, value] of writes.flatMap((w) => [...w])) written.set(name, value);
    }
    return written;
  };
  readItems(stepTree(doc, steps), new Map());
  return scripts;
}

/** `env:` of a workflow, job or step as name → value; an expression in place of the mapping gives nothing. */
function envOf(doc: YamlDocument, node: unknown): Map<string, string> {
  const env = new Map<string, string>();
  for (const [name, value] of mapEntries(doc, mapGet(doc, node, 'env'))) env.set(name, isScalar(value) ? String(value.value ?? '') : '');
  return env;
}

function defaultShell(doc: YamlDocument, node: unknown): string | null {
  return scalarString(mapGet(doc, mapGet(doc, mapGet(doc, node, 'defaults'), 'run'), 'shell'));
}

function runsOnWindows(doc: YamlDocument, job: unknown): boolean {
  const runsOn = mapGet(doc, job, 'runs-on');
  const labels = isSeq(runsOn) ? runsOn.items : [runsOn];
  return labels.some((label) => isScalar(label) && /^windows/i.test(String(label.value)));
}

function scalarString(node: unknown): string | null {
  return isScalar(node) && node.value !== null ? String(node.value) : null;
}

/** `echo "NAME=value" >> "$GITHUB_ENV"` (also printf and here-documents) in a step. */
function githubEnvWrites(steps: readonly ShellStep[]): Map<string, string> {
  const writes = new Map<string, string>();
  const toGithubEnv = steps.filter(({ command }) => command.redirects.some((r) => (r.operator === '>>' || r.operator === '>') && r.target?.value.includes('GITHUB_ENV')));
  if (toGithubEnv.length === 0) return writes;
  const lines: string[] = [];
  for (const { command } of steps) {
    if (['echo', 'printf'].includes(programName(command) ?? '')) for (const word of command.words.slice(1)) lines.push(word.value);
    for (const redirect of command.redirects) if (redirect.heredoc) for (const item of redirect.heredoc.text.split('\n')) lines.push(item);
  }
  for (const line of lines) {
    const match = /^([A-Za-z_]\w*)=(.*)$/s.exec(line.trim());
    if (match) writes.set(match[1]!, match[2]!);
  }
  return writes;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
