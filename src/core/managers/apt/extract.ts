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
    const target: Record<string, string> = 'suite' in detected ? { distro: detected.distro, suite: detected.suite } : {};
    const change = sourceChangeBefore(stage, install.command.at);
    const fromRelease = install.targetRelease ? `is installed with --target-release ${install.targetRelease}, which repro-pins does not read`
      : change ? `is installed after ${change.program} changes the stage's apt sources (line ${change.line}), so the suite's index does not say which version apt takes` : null;
    install.packages.forEach((pkg, slot) => {
      const skipped = pkg.unpinnable ?? fromRelease ?? ('unknown' in detected ? detected.unknown : null) ?? (pkg.word.span ? null : 'is split across lines, so it cannot be rewritten in place');
      const foreignArch: Record<string, string> = pkg.arch && pkg.arch !== 'any' && pkg.arch !== 'native' ? { arch: pkg.arch } : {};
      refs.push({
        file: file.path,
        line: lineAt(file.text, pkg.word.at),
        manager: 'apt',
        datasource: 'debian',
        name: pkg.name,
        value: pkg.version,
        digest: null,
        pinned: pkg.version !== null,
        skipped,
        context: { ...target, ...foreignArch, ...slotContext({ list, slot }) },
        ...(skipped === null && pkg.word.span ? { site: { span: pkg.word.span, raw: pkg.word.raw } } : {}),
      });
    });
    for (const word of install.unread) refs.push(unreadWordRef(file, word, 'apt', 'debian'));
  });
  return { refs, problems: [] };
}
