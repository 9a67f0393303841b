import type { RepoConfig } from '../../config.js';
import { lineAt, type DependencyRef, type Extraction, type SourceFile } from '../../reference.js';
import { readRunCommands, type DockerfileStage } from '../dockerfile/stages.js';
import { slotContext, unreadWordRef } from '../../shell/package-list.js';
import { parseApkAdd, type ApkAdd } from './apk-add.js';
import { branchForStage } from './branch.js';

/** Every `apk add` of a Dockerfile's RUN instructions, in file order, with the stage it runs in. */
export function apkAddLists(text: string): { stage: DockerfileStage; add: ApkAdd }[] {
  return readRunCommands(text, parseApkAdd).map(({ stage, found }) => ({ stage, add: found }));
}

/**
 * One reference per package word of every `apk add`. `context.list` and `context.slot` say
 * which list and which word it is, so `replaceAll` finds them again by structure, whatever
 * other managers wrote into the file before it.
 */
export function extractApk(file: SourceFile, config: RepoConfig | undefined): Extraction {
  const refs: DependencyRef[] = [];
  apkAddLists(file.text).forEach(({ stage, add }, list) => {
    const detected = branchForStage(stage, config);
    const branch = 'branch' in detected ? detected.branch : null;
    const fromRepository = add.repositories.length > 0 ? `is installed with --repository ${add.repositories.join(', ')}, which repro-pins does not read` : null;
    add.packages.forEach((pkg, slot) => {
      const pinned = pkg.operator === '=';
      const skipped = pkg.unpinnable ?? fromRepository ?? ('unknown' in detected ? detected.unknown : null) ?? (pkg.word.span ? null : 'is split across lines, so it cannot be rewritten in place');
      // Written field by field, not spread: on Node 20 each `{ ...a, ...b }` object gets a hidden
      // class of its own (61k apk words made 43k maps, issue 10).
      const context: Record<string, string> = slotContext({ list, slot });
      if (branch) context.branch = branch;
      if (pkg.operator && !pinned) context.constraint = `${pkg.operator}${pkg.version ?? ''}`;
      const ref: DependencyRef = {
        file: file.path,
        line: lineAt(file.text, pkg.word.at),
        manager: 'apk',
        datasource: 'alpine',
        name: pkg.name,
        value: pinned ? pkg.version : null,
        digest: null,
        pinned,
        skipped,
        context,
      };
      if (skipped === null && pkg.word.span) ref.site = { span: pkg.word.span, raw: pkg.word.raw };
      refs.push(ref);
    });
    for (const word of add.unread) refs.push(unreadWordRef(file, word, 'apk', 'alpine'));
  });
  return { refs, problems: [] };
}
