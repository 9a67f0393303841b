import { parseAptInstall } from '../../managers/apt/apt-install.js';
import type { ShellCommand } from '../../shell/command-line.js';
import { suiteForStage } from '../../managers/apt/suite.js';
import type { DockerfileView, StageView } from '../sources/dockerfile.js';
import { lineOf, type Rule, type RuleHit } from '../rule.js';

/**
 * Pinned apt versions only rebuild while the archive still has them: Debian and Ubuntu keep
 * only the newest version of a package in a suite, so next month `=version` fails or, unpinned,
 * installs something else. A snapshot archive serves the archive as it was at one moment.
 *
 * Evidence that a stage configured one, before its first install, in it or the stages it is
 * built on: a RUN that mentions snapshot.debian.org / snapshot.ubuntu.com or apt's own
 * `--snapshot` (`-S`, `APT::Snapshot`), or a COPY/ADD into /etc/apt/sources.list* (whose content
 * we cannot read, so we take it as configured). One finding per stage, at its first install.
 */
export const aptNoSnapshot: Rule = {
  id: 'apt-no-snapshot',
  level: 'warning',
  finds: 'apt installs with no snapshot source (snapshot.debian.org, `--snapshot`) configured in the image',
  check: (target) => {
    const view = target.dockerfile;
    if (!view) return [];
    const hits: RuleHit[] = [];
    view.stages.forEach((stage, index) => {
      const install = stage.runs.flatMap(({ script }) => script.steps).find(({ command }) => installsPackages(command));
      if (!install || hasSnapshotSource(view, index, install.at)) return;
      const base = stage.stage.baseImage;
      const name = stage.stage.name ?? `#${stage.stage.index + 1}`;
      const detected = suiteForStage(stage.stage, target.config);
      const ubuntu = detected.distro === 'ubuntu';
      const suite = 'suite' in detected ? detected.suite : '<suite>';
      const timestamp = datedTag(base) ?? '<YYYYMMDDTHHMMSSZ>';
      hits.push({
        line: lineOf(target, install.at),
        message: `stage ${name}${base ? ` (${base})` : ''} installs apt packages from the live archive with no snapshot source configured: the archive keeps only the newest versions, so a rebuild gets other packages or fails`,
        fix: ubuntu
          ? `update from a snapshot before installing: apt-get update --snapshot ${timestamp} (apt 2.7+, Ubuntu 24.04 and later), or a snapshot.ubuntu.com source`
          : `before apt-get update, point apt at a snapshot: echo 'deb [check-valid-until=no] http://snapshot.debian.org/archive/debian/${timestamp} ${suite} main' > /etc/apt/sources.list && rm -f /etc/apt/sources.list.d/debian.sources`,
      });
    });
    return hits;
  },
};

function installsPackages(command: ShellCommand): boolean {
  const install = parseAptInstall(command);
  return install !== null && install.packages.length + install.unread.length > 0;
}

function hasSnapshotSource(view: DockerfileView, index: number, before: number): boolean {
  const chain: StageView[] = [];
  const seen = new Set<number>();
  for (let at: number | null = index; at !== null && !seen.has(at); at = view.stages[at]?.parent ?? null) {
    seen.add(at);
    const stage = view.stages[at];
    if (stage) chain.push(stage);
  }
  return chain.some((stage, i) => stage.aptSourcesAt.some((offset) => i > 0 || offset <= before));
}

/** Debian's dated tags (`debian:bookworm-20240311-slim`) are built from the snapshot of that day: suggest it. */
function datedTag(image: string | null): string | null {
  const date = image ? /:(?:[^@]*[-_])?(20\d{6})(?:[-_.@]|$)/.exec(image)?.[1] : undefined;
  return date ? `${date}T000000Z` : null;
}
