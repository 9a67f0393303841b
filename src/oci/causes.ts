/**
 * Likely causes of a difference, as a table of small rules. Each rule looks at the facts of one
 * comparison and either names its cause with the evidence and the fix, or says nothing. The table
 * order is the order of likelihood the diagnosis shows.
 */
import { BASE_DIGEST_ANNOTATION } from './media-types.js';
import type { Cause, FileAspect, FileDifference, LayerComparison, PlatformComparison, Verdict } from './verdict.js';

export type Facts = Omit<Verdict, 'causes'>;

export interface CauseRule {
  id: string;
  explain(facts: Facts): Omit<Cause, 'id'> | null;
}

/** A differing path with where it was found. */
interface Located {
  platform: string;
  layer: LayerComparison;
  file: FileDifference;
}

const MAX_EXAMPLES = 5;

export const CAUSE_RULES: readonly CauseRule[] = [
  {
    id: 'attestations',
    explain(facts) {
      const platformsSame = facts.platforms.length > 0 && facts.platforms.every((p) => p.status === 'same');
      if (!platformsSame) return null;
      const evidence = facts.indexChanges.map((c) => `index ${c.path}: ${show(c.a)} vs ${show(c.b)}`);
      return {
        title: 'only the image index differs: every platform image is identical',
        evidence: [
          `attestation manifests: A has ${facts.a.attestations}, B has ${facts.b.attestations}`,
          ...evidence,
        ],
        fix: 'Provenance and SBOM attestations record the build time and runner, so the index differs on every build: build with `--provenance=false --sbom=false` (attest separately, e.g. with a signed attestation pushed beside the image).',
      };
    },
  },
  {
    id: 'platforms-differ',
    explain(facts) {
      const missing = facts.platforms.filter((p) => p.status === 'only-in-a' || p.status === 'only-in-b');
      if (missing.length === 0) return null;
      return {
        title: 'the builds hold different platforms',
        evidence: missing.map((p) => `${p.platform} only in ${p.status === 'only-in-a' ? 'A' : 'B'}`),
        fix: 'Build the same `--platform` list in both builds.',
      };
    },
  },
  {
    id: 'moved-base-image',
    explain(facts) {
      const evidence: string[] = [];
      for (const p of differing(facts)) {
        const base = p.manifestChanges.find((c) => c.path === `annotations.${BASE_DIGEST_ANNOTATION}`);
        if (base) evidence.push(`${p.platform}: the base image was ${show(base.a)} in A and ${show(base.b)} in B`);
        const lowest = wholesaleLowestLayers(p);
        if (lowest > 0) evidence.push(`${p.platform}: the lowest ${lowest === 1 ? 'layer differs' : `${lowest} layers differ`} almost file by file`);
      }
      if (evidence.length === 0) return null;
      return {
        title: 'the base image moved between the builds',
        evidence,
        fix: 'A tag like `FROM debian:12` points at new images over time: pin the base image by digest (`repro-pins pin` writes `name:tag@sha256:…`).',
      };
    },
  },
  {
    id: 'compression-or-tool-version',
    explain(facts) {
      const evidence: string[] = [];
      for (const p of differing(facts)) {
        if (p.configA !== p.configB) continue;
        const recompressed = p.layers.filter((l) => l.status === 'recompressed');
        evidence.push(`${p.platform}: the configs are identical (${short(p.configA)}) but the manifests differ`);
        if (recompressed.length > 0) evidence.push(`${p.platform}: ${recompressed.length} layer(s) hold the same files but were compressed differently`);
        for (const l of p.layers) {
          if (l.mediaTypeA && l.mediaTypeB && l.mediaTypeA !== l.mediaTypeB) evidence.push(`${p.platform} layer ${l.index}: ${l.mediaTypeA} vs ${l.mediaTypeB}`);
        }
        for (const c of p.manifestChanges) evidence.push(`${p.platform} manifest ${c.path}: ${show(c.a)} vs ${show(c.b)}`);
      }
      if (evidence.length === 0) return null;
      evidence.push(...toolVersionDifferences(facts));
      return {
        title: 'same files and config, different compression or build tool',
        evidence,
        fix: 'Layer compression depends on the builder and its settings: pin the build tool version in both builds (BuildKit: `driver-opts: image=moby/buildkit:vX.Y.Z@sha256:…`) and set the compression explicitly (`--output type=oci,compression=gzip,force-compression=true,…`).',
      };
    },
  },
  {
    id: 'unclamped-timestamps',
    explain(facts) {
      const changed = files(facts).filter((f) => f.file.aspects.includes('mtime'));
      if (changed.length === 0) return null;
      const evidence = [`${changed.length} file(s) differ in mtime, e.g. ${examples(changed, (f) => `${display(f.file.path)} (${time(f.file.a?.mtime)} vs ${time(f.file.b?.mtime)})`)}`];
      const epochs = clampedEpochs(changed);
      if (epochs) evidence.push(`every differing mtime is ${time(epochs.a)} in A and ${time(epochs.b)} in B: the builds were clamped to different epochs`);
      evidence.push(...epochDifference(facts));
      return {
        title: 'file timestamps are not clamped',
        evidence,
        fix: 'Set SOURCE_DATE_EPOCH to the commit time (`SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`) and clamp file times to it: with BuildKit pass `--build-arg SOURCE_DATE_EPOCH` and export with `rewrite-timestamp=true` (BuildKit 0.13 or later); with buildah use `--timestamp $SOURCE_DATE_EPOCH` (or `--source-date-epoch $SOURCE_DATE_EPOCH --rewrite-timestamp` on buildah 1.41 or later).',
      };
    },
  },
  {
    id: 'config-timestamps',
    explain(facts) {
      const changes = differing(facts).flatMap((p) => p.configChanges.filter((c) => /^(created|history\[\d+\]\.created)$/.test(c.path)).map((c) => ({ p, c })));
      if (changes.length === 0) return null;
      return {
        title: 'the image config records build times',
        evidence: [
          examples(changes, ({ p, c }) => `${p.platform} config ${c.path}: ${show(c.a)} vs ${show(c.b)}`),
          ...epochDifference(facts),
        ],
        fix: 'The config\'s `created` and `history[].created` come from the clock unless SOURCE_DATE_EPOCH is set: set it to the commit time (`SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`; BuildKit reads it as a build arg, buildah needs `--timestamp $SOURCE_DATE_EPOCH` or `--source-date-epoch`).',
      };
    },
  },
  {
    id: 'package-manager-state',
    explain(facts) {
      const hits = files(facts).filter((f) => packageManagerFile(f.file.path) !== null);
      if (hits.length === 0) return null;
      const kinds = [...new Set(hits.map((f) => packageManagerFile(f.file.path)!))];
      return {
        title: 'package manager logs and caches differ',
        evidence: [`${hits.length} file(s): ${examples(hits, (f) => `${display(f.file.path)} (${f.file.aspects.join(', ')})`)}`],
        fix: kinds.map((k) => PACKAGE_MANAGER_FIXES[k]).join(' '),
      };
    },
  },
  {
    id: 'python-bytecode',
    explain(facts) {
      const hits = files(facts).filter((f) => f.file.path.endsWith('.pyc') && f.file.aspects.some((a) => a === 'content' || a === 'added' || a === 'removed'));
      if (hits.length === 0) return null;
      return {
        title: 'Python bytecode (.pyc) differs',
        evidence: [`${hits.length} .pyc file(s): ${examples(hits, (f) => display(f.file.path))}`],
        fix: '.pyc files embed the source file\'s mtime: set SOURCE_DATE_EPOCH during the build (py_compile and pip then write hash-based .pyc files), or compile with `python -m compileall --invalidation-mode checked-hash`, or do not write them (`PYTHONDONTWRITEBYTECODE=1`, `pip install --no-compile`).',
      };
    },
  },
  {
    id: 'nondeterministic-content',
    explain(facts) {
      const hits = files(facts).filter(
        (f) => f.file.aspects.some((a) => a === 'content' || a === 'link' || a === 'type') && !explainedElsewhere(f.file.path),
      );
      if (hits.length === 0) return null;
      return {
        title: 'a build step writes different content each time',
        evidence: [`${hits.length} file(s): ${examples(hits, (f) => `${display(f.file.path)} (${f.file.aspects.filter((a) => a !== 'mtime').join(', ')})`)}`],
        fix: 'Find the step that writes these files and make it deterministic: derive dates from SOURCE_DATE_EPOCH instead of the clock, drop random values and build ids, pin downloads by checksum, or delete the file in the same step.',
      };
    },
  },
  {
    id: 'files-added-or-removed',
    explain(facts) {
      const hits = files(facts).filter((f) => (f.file.aspects.includes('added') || f.file.aspects.includes('removed')) && !explainedElsewhere(f.file.path));
      if (hits.length === 0) return null;
      return {
        title: 'one build has files the other lacks',
        evidence: [`${hits.length} path(s): ${examples(hits, (f) => `${display(f.file.path)} (${f.file.aspects[0] === 'added' ? 'only in B' : 'only in A'})`)}`],
        fix: 'A step depends on something outside the commit (an unpinned package or download, the network, the runner): pin it (`repro-pins pin`), or remove what it leaves behind in the same step.',
      };
    },
  },
  {
    id: 'owner-or-mode',
    explain(facts) {
      const hits = files(facts).filter((f) => f.file.aspects.some((a) => a === 'mode' || a === 'owner'));
      if (hits.length === 0) return null;
      return {
        title: 'file modes or owners differ',
        evidence: [`${hits.length} file(s): ${examples(hits, (f) => `${display(f.file.path)} (${describeModeOwner(f.file)})`)}`],
        fix: 'Modes come from the checkout and the umask, owners from the build user: set them explicitly (`COPY --chmod=… --chown=…`, `umask 022` in RUN), and check out with the same git settings (`core.fileMode`) on both runners.',
      };
    },
  },
  {
    id: 'entry-order',
    explain(facts) {
      const hits = files(facts).filter((f) => f.file.aspects.includes('order'));
      if (hits.length === 0) return null;
      return {
        title: 'layer entries are written in a different order',
        evidence: [`${hits.length} entr(y/ies) moved: ${examples(hits, (f) => display(f.file.path))}`],
        fix: 'The tar writer decides the order: use the same build tool and version in both builds (pin BuildKit or buildah).',
      };
    },
  },
];

/** Runs every rule; when none matches, says so rather than guess. */
export function explainDifferences(facts: Facts): Cause[] {
  const causes = CAUSE_RULES.flatMap((rule) => {
    const found = rule.explain(facts);
    return found ? [{ id: rule.id, ...found }] : [];
  });
  if (causes.length > 0) return causes;
  return [
    {
      id: 'unknown',
      title: 'no known cause matched',
      evidence: [`image digests ${short(facts.a.digest)} vs ${short(facts.b.digest)}`],
      fix: 'Compare the differences listed above; `repro-pins verify --json` gives every field.',
    },
  ];
}

function differing(facts: Facts): PlatformComparison[] {
  return facts.platforms.filter((p) => p.status === 'different');
}

function files(facts: Facts): Located[] {
  return differing(facts).flatMap((p) => p.layers.flatMap((layer) => (layer.files ?? []).map((file) => ({ platform: p.platform, layer, file }))));
}

/**
 * How many layers from the bottom differ in nearly all their files' content (not only in
 * timestamps). A single-layer image has no base to tell apart from the build, so it never counts.
 */
function wholesaleLowestLayers(p: PlatformComparison): number {
  if (p.layers.length < 2) return 0;
  let count = 0;
  for (const layer of p.layers) {
    if (layer.status === 'same' || layer.status === 'recompressed' || !layer.files) break;
    const total = Math.max(layer.entriesA ?? 0, layer.entriesB ?? 0);
    const substantive = layer.files.filter((f) => f.aspects.some((a: FileAspect) => a === 'content' || a === 'added' || a === 'removed' || a === 'type')).length;
    if (total < 4 || substantive / total < 0.8) break;
    count++;
  }
  return count;
}

const PACKAGE_MANAGER_FILES: Array<[RegExp, PackageManagerKind]> = [
  [/^var\/lib\/apt\/lists\//, 'apt'],
  [/^var\/cache\/apt\//, 'apt'],
  [/^var\/cache\/debconf\/.+-old$/, 'apt'],
  [/^var\/lib\/dpkg\/.+-old$/, 'apt'],
  [/^var\/log\//, 'logs'],
  [/^var\/cache\/ldconfig\/aux-cache$/, 'ldconfig'],
  [/^lib\/apk\/db\/scripts\.tar$/, 'apk-scripts'],
  [/^var\/cache\/apk\//, 'apk-cache'],
];
type PackageManagerKind = 'apt' | 'logs' | 'ldconfig' | 'apk-scripts' | 'apk-cache';
const PACKAGE_MANAGER_FIXES: Record<PackageManagerKind, string> = {
  apt: 'Remove apt\'s lists and caches in the same RUN as `apt-get install`: `rm -rf /var/lib/apt/lists/* /var/cache/apt/*` (and `/var/cache/debconf/*-old /var/lib/dpkg/*-old`).',
  logs: 'Remove the logs package managers write (`rm -rf /var/log/apt /var/log/dpkg.log /var/log/alternatives.log`, or all of `/var/log/*`) in the same RUN.',
  ldconfig: 'Remove ldconfig\'s cache of file times: `rm -f /var/cache/ldconfig/aux-cache` in the same RUN.',
  'apk-scripts': '`/lib/apk/db/scripts.tar` stores package scripts with the time apk wrote them: build with SOURCE_DATE_EPOCH and `rewrite-timestamp=true`, or delete it in the same RUN if the image never removes packages.',
  'apk-cache': 'Install with `apk add --no-cache` so no index is left in `/var/cache/apk`.',
};

function packageManagerFile(path: string): PackageManagerKind | null {
  return PACKAGE_MANAGER_FILES.find(([pattern]) => pattern.test(path))?.[1] ?? null;
}

/** Paths a more specific rule already explains. */
function explainedElsewhere(path: string): boolean {
  return packageManagerFile(path) !== null || path.endsWith('.pyc');
}

/** When every mtime difference is one constant value against another, the builds used different epochs. */
function clampedEpochs(changed: Located[]): { a: number; b: number } | null {
  const a = new Set(changed.map((f) => f.file.a?.mtime));
  const b = new Set(changed.map((f) => f.file.b?.mtime));
  if (changed.length < 2 || a.size !== 1 || b.size !== 1) return null;
  const [ea] = a;
  const [eb] = b;
  return ea === undefined || eb === undefined ? null : { a: ea, b: eb };
}

function epochDifference(facts: Facts): string[] {
  const a = facts.a.buildInfo?.sourceDateEpoch;
  const b = facts.b.buildInfo?.sourceDateEpoch;
  if (a === undefined || b === undefined || String(a) === String(b)) return [];
  return [`build.json: SOURCE_DATE_EPOCH was ${a} in A and ${b} in B`];
}

function toolVersionDifferences(facts: Facts): string[] {
  const a = facts.a.buildInfo?.tools ?? {};
  const b = facts.b.buildInfo?.tools ?? {};
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((tool) => a[tool] !== b[tool])
    .map((tool) => `build.json: ${tool} ${a[tool] ?? '(not recorded)'} in A, ${b[tool] ?? '(not recorded)'} in B`);
}

function describeModeOwner(file: FileDifference): string {
  const parts: string[] = [];
  if (file.aspects.includes('mode')) parts.push(`mode ${octal(file.a?.mode)} vs ${octal(file.b?.mode)}`);
  if (file.aspects.includes('owner')) parts.push(`owner ${file.a?.uid}:${file.a?.gid} vs ${file.b?.uid}:${file.b?.gid}`);
  return parts.join(', ');
}

function examples<T>(items: T[], describe: (item: T) => string): string {
  const shown = items.slice(0, MAX_EXAMPLES).map(describe).join(', ');
  return items.length > MAX_EXAMPLES ? `${shown} and ${items.length - MAX_EXAMPLES} more` : shown;
}

/** A layer path as a user sees it in the image: absolute. */
export function display(path: string): string {
  return path === '.' ? '/' : `/${path}`;
}

export function time(seconds: number | undefined): string {
  if (seconds === undefined) return '(none)';
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace('.000Z', 'Z');
}

export function octal(mode: number | undefined): string {
  return mode === undefined ? '(none)' : `0${mode.toString(8)}`;
}

export function short(digest: string | null): string {
  return digest ? digest.slice(0, 'sha256:'.length + 12) : '(none)';
}

export function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
