import picomatch from 'picomatch';
import type { RepoConfig } from '../../config.js';
import { managers } from '../../managers/index.js';
import { dockerfileManager } from '../../managers/dockerfile/index.js';
import { githubActionsManager } from '../../managers/github-actions/index.js';
import type { SourceFile } from '../../reference.js';
import { POSIX_SHELLS } from './shell-script.js';

/** What the rules read in a file beyond its references: RUN lines, `run:` steps, or a whole script. */
export type LintFileKind = 'dockerfile' | 'workflow' | 'action' | 'script';

// GitHub runs workflows only from .github/workflows at the root; action metadata may be anywhere.
const WORKFLOW = /^\.github\/workflows\/[^/]+\.ya?ml$/;
const SCRIPT_NAME = /\.(?:sh|bash)$/;
// Files without an extension that are never shell scripts: not worth reading for a `#!` line.
const NOT_SCRIPTS = /^(?:LICEN[CS]E|COPYING|NOTICE|AUTHORS|CONTRIBUTORS|CODEOWNERS|OWNERS|MAINTAINERS|CHANGELOG|README|Makefile|GNUmakefile|Dockerfile|Containerfile|Jenkinsfile|Procfile|Gemfile|Rakefile|Vagrantfile|Brewfile|Podfile|Pipfile|Tiltfile|Earthfile|go\.mod|go\.sum)$/i;

/**
 * What the rules read a file as, from its path, or for a file with no telling name from its
 * `#!` line: `*.sh`, `*.bash` and files whose shebang names a POSIX shell are scripts.
 */
export function lintFileKind(file: SourceFile): LintFileKind | null {
  if (dockerfileManager.matches(file.path)) return 'dockerfile';
  if (WORKFLOW.test(file.path)) return 'workflow';
  if (githubActionsManager.matches(file.path)) return 'action';
  if (SCRIPT_NAME.test(file.path) || isShellShebang(file.text)) return 'script';
  return null;
}

/** Whether a text starts with a `#!` line that runs a POSIX shell (`#!/bin/sh`, `#!/usr/bin/env -S bash -e`). */
export function isShellShebang(text: string): boolean {
  const line = /^#![ \t]*([^\r\n]*)/.exec(text.replace(/^\uFEFF/, ''))?.[1];
  if (line === undefined) return false;
  const words = line.trim().split(/[ \t]+/);
  let program = basename(words.shift() ?? '');
  // `#!/usr/bin/env [-S] [-u NAME] [NAME=value] bash` and `#!/bin/busybox sh` name the shell later.
  while ((program === 'env' || program === 'busybox') && words.length > 0) {
    const next = words.shift()!;
    if (next === '-u' || next === '--unset') words.shift();
    else if (!next.startsWith('-') && !next.includes('=')) program = basename(next);
  }
  return POSIX_SHELLS.has(program);
}

/**
 * The paths the rules want to read, after `ignorePaths`: every file a manager reads (for its
 * references and the suppression comments beside them), workflows and action metadata, `*.sh`
 * scripts, and files without an extension that may be scripts — `lintFiles` keeps only those
 * whose first line is a shell shebang, so the caller just reads what this returns.
 */
export function selectLintFiles(paths: readonly string[], config: RepoConfig): string[] {
  const ignored = ignoredPaths(config);
  return paths.filter((path) => !ignored(path) && (managers.some((m) => m.matches(path)) || SCRIPT_NAME.test(path) || mayBeScript(path)));
}

/** Whether a path may hold a shell script that only its `#!` line tells apart: no extension, not a well-known non-script. */
export function mayBeScript(path: string): boolean {
  const name = basename(path);
  return !name.includes('.') && !NOT_SCRIPTS.test(name);
}

export function ignoredPaths(config: RepoConfig): (path: string) => boolean {
  return config.ignorePaths.length > 0 ? picomatch(config.ignorePaths, { dot: true }) : () => false;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
