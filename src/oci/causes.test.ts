import { CAUSE_RULES, explainDifferences, type Facts } from './causes.js';
import type { FileEntry } from './schema.js';
import type { FileAspect, FileDifference, LayerComparison, PlatformComparison, ValueChange } from './verdict.js';

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}` as const;

function entry(path: string, over: Partial<FileEntry> = {}): FileEntry {
  return { path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 0, sha256: 'a'.repeat(64), linkname: '', ...over };
}

function diff(path: string, aspects: FileAspect[], a: Partial<FileEntry> = {}, b: Partial<FileEntry> = {}): FileDifference {
  return { path, aspects, a: aspects.includes('added') ? null : entry(path, a), b: aspects.includes('removed') ? null : entry(path, b) };
}

function layer(index: number, files: FileDifference[] | null, over: Partial<LayerComparison> = {}): LayerComparison {
  return { index, status: 'different', diffIdA: D(index + 1), diffIdB: D(index + 100), digestA: D(index + 1), digestB: D(index + 100), mediaTypeA: 'application/vnd.oci.image.layer.v1.tar+gzip', mediaTypeB: 'application/vnd.oci.image.layer.v1.tar+gzip', files, entriesA: 10, entriesB: 10, unavailable: null, ...over };
}

function platform(over: Partial<PlatformComparison> = {}): PlatformComparison {
  return { platform: 'linux/amd64', status: 'different', manifestA: D(1000), manifestB: D(1001), configA: D(2000), configB: D(2001), manifestChanges: [], configChanges: [], layers: [], ...over };
}

function facts(platforms: PlatformComparison[], over: Partial<Facts> = {}): Facts {
  const summary = { location: 'a', form: 'oci-archive' as const, digest: D(1), mediaType: 'application/vnd.oci.image.index.v1+json', platforms: ['linux/amd64'], attestations: 0, buildInfo: null };
  return { identical: false, a: summary, b: { ...summary, location: 'b', digest: D(2) }, indexChanges: [], platforms, notes: [], ...over };
}

function ids(f: Facts): string[] {
  return explainDifferences(f).map((c) => c.id);
}

function rule(id: string) {
  const found = CAUSE_RULES.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}

describe('cause rules', () => {
  it('attestations: every platform is identical, only the index differs', () => {
    const f = facts([platform({ status: 'same', manifestB: D(1000), configB: D(2000) })], {
      indexChanges: [{ path: 'attestation manifests', a: 1, b: 1 }],
      a: { ...facts([]).a, attestations: 1 },
    });
    const cause = rule('attestations').explain(f);
    expect(cause?.fix).toContain('--provenance=false --sbom=false');
    expect(ids(f)).toEqual(['attestations']);
  });

  it('platforms-differ: a platform only one build has', () => {
    expect(rule('platforms-differ').explain(facts([platform({ status: 'only-in-b', platform: 'linux/arm64' })]))?.evidence).toEqual(['linux/arm64 only in B']);
  });

  it('moved-base-image: the base digest annotation changed', () => {
    const change: ValueChange = { path: 'annotations.org.opencontainers.image.base.digest', a: D(5), b: D(6) };
    const cause = rule('moved-base-image').explain(facts([platform({ manifestChanges: [change] })]));
    expect(cause?.evidence[0]).toContain('the base image was');
    expect(cause?.fix).toContain('pin the base image by digest');
  });

  it('moved-base-image: the lowest layer differs file by file', () => {
    const wholesale = Array.from({ length: 8 }, (_, i) => diff(`usr/lib/lib${i}.so`, ['content']));
    const f = facts([platform({ layers: [layer(0, wholesale), layer(1, [diff('app/x', ['content'])])] })]);
    expect(rule('moved-base-image').explain(f)?.evidence).toEqual(['linux/amd64: the lowest layer differs almost file by file']);
    // A few changed files in the lowest layer are no moved base.
    const few = facts([platform({ layers: [layer(0, [diff('etc/x', ['content'])])] })]);
    expect(rule('moved-base-image').explain(few)).toBeNull();
  });

  it('compression-or-tool-version: same config, different manifests', () => {
    const f = facts([
      platform({ configB: D(2000), layers: [layer(0, null, { status: 'recompressed', diffIdB: D(1) })] }),
    ], { a: { ...facts([]).a, buildInfo: { tools: { buildkit: 'v0.19.0' } } }, b: { ...facts([]).b, buildInfo: { tools: { buildkit: 'v0.20.0' } } } });
    const cause = rule('compression-or-tool-version').explain(f);
    expect(cause?.evidence).toEqual([
      'linux/amd64: the configs are identical (sha256:000000000000) but the manifests differ',
      'linux/amd64: 1 layer(s) hold the same files but were compressed differently',
      'build.json: buildkit v0.19.0 in A, v0.20.0 in B',
    ]);
    expect(rule('compression-or-tool-version').explain(facts([platform()]))).toBeNull();
  });

  it('unclamped-timestamps: mtimes differ; spots builds clamped to different epochs', () => {
    const f = facts([platform({ layers: [layer(1, [diff('a', ['mtime'], { mtime: 100 }, { mtime: 200 }), diff('b', ['mtime'], { mtime: 100 }, { mtime: 200 })])] })]);
    const cause = rule('unclamped-timestamps').explain(f);
    expect(cause?.evidence[0]).toBe('2 file(s) differ in mtime, e.g. /a (1970-01-01T00:01:40Z vs 1970-01-01T00:03:20Z), /b (1970-01-01T00:01:40Z vs 1970-01-01T00:03:20Z)');
    expect(cause?.evidence[1]).toContain('clamped to different epochs');
    expect(cause?.fix).toMatch(/SOURCE_DATE_EPOCH.*rewrite-timestamp=true.*--timestamp/);
  });

  it('config-timestamps: created and history times in the config', () => {
    const f = facts([platform({ configChanges: [{ path: 'created', a: '2024-01-01T00:00:00Z', b: '2024-01-02T00:00:00Z' }, { path: 'config.Labels.x', a: '1', b: '2' }] })]);
    expect(rule('config-timestamps').explain(f)?.evidence[0]).toBe('linux/amd64 config created: 2024-01-01T00:00:00Z vs 2024-01-02T00:00:00Z');
    expect(ids(f)).toEqual(['config-timestamps']);
  });

  it('package-manager-state: apt lists, logs, ldconfig aux-cache and apk scripts.tar, with the fix for each', () => {
    const files = ['var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease', 'var/log/dpkg.log', 'var/cache/ldconfig/aux-cache', 'lib/apk/db/scripts.tar'].map((p) => diff(p, ['content']));
    const cause = rule('package-manager-state').explain(facts([platform({ layers: [layer(1, files)] })]));
    expect(cause?.fix).toContain('rm -rf /var/lib/apt/lists/*');
    expect(cause?.fix).toContain('/var/log');
    expect(cause?.fix).toContain('rm -f /var/cache/ldconfig/aux-cache');
    expect(cause?.fix).toContain('/lib/apk/db/scripts.tar');
    // Those files are not also blamed on a nondeterministic step.
    expect(rule('nondeterministic-content').explain(facts([platform({ layers: [layer(1, files)] })]))).toBeNull();
  });

  it('python-bytecode: .pyc content', () => {
    const f = facts([platform({ layers: [layer(2, [diff('usr/lib/python3.12/__pycache__/os.cpython-312.pyc', ['content'])])] })]);
    expect(ids(f)).toEqual(['python-bytecode']);
    expect(rule('python-bytecode').explain(f)?.fix).toContain('--invalidation-mode checked-hash');
  });

  it('nondeterministic-content: names the files and what differs', () => {
    const f = facts([platform({ layers: [layer(1, [diff('built-at', ['content'])])] })]);
    expect(rule('nondeterministic-content').explain(f)?.evidence).toEqual(['1 file(s): /built-at (content)']);
  });

  it('files-added-or-removed, owner-or-mode and entry-order', () => {
    const f = facts([platform({ layers: [layer(1, [diff('tmp/x', ['added']), diff('bin/tool', ['mode'], { mode: 0o755 }, { mode: 0o775 }), diff('etc/a', ['order'])])] })]);
    expect(ids(f)).toEqual(['files-added-or-removed', 'owner-or-mode', 'entry-order']);
    expect(rule('owner-or-mode').explain(f)?.evidence).toEqual(['1 file(s): /bin/tool (mode 0755 vs 0775)']);
    expect(rule('files-added-or-removed').explain(f)?.evidence).toEqual(['1 path(s): /tmp/x (only in B)']);
  });

  it('says so when no rule matches', () => {
    expect(ids(facts([platform()]))).toEqual(['unknown']);
  });
});
