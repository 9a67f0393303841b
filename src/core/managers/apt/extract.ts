import type { RepoConfig } from '../../config.js';
import { lineAt, type DependencyRef, type Extraction, type SourceFile } from '../../reference.js';
import { slotContext, unreadWordRef } from '../../shell/package-list.js';
import { readRunCommands, type DockerfileStage } from '../dockerfile/stages.js';
import { parseAptInstall, type AptInstall } from './apt-install.js';
import { aptSourceChanges } from './sources.js';
import { suiteForStage } from './suite.js';

/** Every `apt-get install` / `apt install` of a Dockerfile's RUN instructions, in file order, with its stage. */
export function aptInstallLists(text: string): { stage: DockerfileStage; install: AptInstall }[] {
  return readRunCommands(text, parseAptInstall).map(({ stage, found }) => ({ stage, install: found }));
}

/**
 * One reference per package word of every apt install. `context` carries the distribution and
 * suite for the lookup, a foreign `arch` when the word names one, and the word's list and slot
 * so `replaceAll` finds it again by structure.
 */
export function extractApt(file: SourceFile, config: RepoConfig | undefined): Extraction {
  const refs: DependencyRef[] = [];
  const sourceChangeBefore = aptSourceChanges(file.text);
  aptInstallLists(file.text).forEach(({ stage, install }, list) => {
    const detected = suiteForStage(stage, config);
    const change = sourceChangeBefore(stage, install.command.at);
    const fromRelease = install.targetRelease ? `is installed with --target-release ${install.targetRelease}, which repro-pins does not read`
      : change ? `is installed after ${change.program} changes the stage's apt sources (line ${change.line}), so the suite's index does not say which version apt takes` : null;
    install.packages.forEach((pkg, slot) => {
      const skipped = pkg.unpinnable ?? fromRelease ?? ('unknown' in detected ? detected.unknown : null) ?? (pkg.word.span ? null : 'is split across lines, so it cannot be rewritten in place');
      // Written field by field, not spread: on Node 20 each spread object gets a hidden class of its own (issue 10).
      const context: Record<string, string> = slotContext({ list, slot });
      if ('suite' in detected) {
        context.distro = detected.distro;
        context.suite = detected.suite;
      }
      if (pkg.arch && pkg.arch !== 'any' && pkg.arch !== 'native') context.arch = pkg.arch;
      const ref: DependencyRef = {
        file: file.path,
        line: lineAt(file.text, pkg.word.at),
        manager: 'apt',
        datasource: 'debian',
        name: pkg.name,
        value: pkg.version,
        digest: null,
        pinned: pkg.version !== null,
        skipped,
        context,
      };
      if (skipped === null && pkg.word.span) ref.site = { span: pkg.word.span, raw: pkg.word.raw };
      refs.push(ref);
    });
    for (const word of install.unread) refs.push(unreadWordRef(file, word, 'apt', 'debian'));
  });
  return { refs, problems: [] };
}
