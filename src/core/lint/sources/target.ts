import type { RepoConfig } from '../../config.js';
import type { DependencyRef, SourceFile } from '../../reference.js';
import { mappedText } from '../../shell/command-line.js';
import type { LintTarget } from '../rule.js';
import { dockerfileView } from './dockerfile.js';
import { lintFileKind } from './files.js';
import { shellSteps, type ShellScript } from './shell-script.js';
import { workflowScripts } from './workflow.js';

/** Reads a file once into what every rule looks at. Never throws. */
export function lintTarget(file: SourceFile, refs: readonly DependencyRef[], config: RepoConfig): LintTarget {
  const kind = lintFileKind(file);
  const dockerfile = kind === 'dockerfile' ? dockerfileView(file) : null;
  let scripts: ShellScript[] = [];
  if (dockerfile) scripts = dockerfile.stages.flatMap((stage) => stage.runs.map((run) => run.script));
  else if (kind === 'workflow' || kind === 'action') scripts = workflowScripts(file, kind);
  else if (kind === 'script') scripts = [{ origin: 'script', steps: shellSteps(mappedText(file.text), new Map(), 0) }];
  return { file, kind, refs, scripts, dockerfile, config };
}
