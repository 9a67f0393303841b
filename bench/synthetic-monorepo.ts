/**
 * The benchmark's inputs, generated from a fixed seed so every run sees the same images and the
 * same repository (only the registry's port differs): a catalog of image tags, and a monorepo of
 * Dockerfiles and compose files referencing them in the ways real repositories do.
 */
import { createHash } from 'node:crypto';

/** mulberry32: a small, fast, seedable PRNG (https://gist.github.com/tommyettinger/46a874533244883189143505d203312c). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CatalogImage {
  /** `bench/svc-17` */
  repository: string;
  tag: string;
  /** Pushed as an OCI index of two platform manifests rather than one manifest. */
  multiArch: boolean;
}

export const imageKey = (repository: string, tag: string): string => `${repository}:${tag}`;

/** `repositories` × `tagsPerRepository` distinct tags; every 4th repository has a `latest`. */
export function imageCatalog(repositories: number, tagsPerRepository: number, seed: number): CatalogImage[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const images: CatalogImage[] = [];
  for (let r = 0; r < repositories; r++) {
    const repository = `bench/svc-${String(r).padStart(2, '0')}`;
    const tags = new Set<string>(r % 4 === 0 ? ['latest'] : []);
    while (tags.size < tagsPerRepository) {
      const version = `${1 + Math.floor(random() * 4)}.${Math.floor(random() * 12)}.${Math.floor(random() * 20)}`;
      tags.add(`${pick([version, version, version.replace(/\.\d+$/, ''), `${version}-alpine`, `${version}-slim`])}`);
    }
    for (const tag of tags) images.push({ repository, tag, multiArch: images.length % 10 === 7 });
  }
  return images;
}

export interface MonorepoSpec {
  /** Registry host the references name (`127.0.0.1:PORT`). */
  host: string;
  images: CatalogImage[];
  /** `repository:tag` → the digest the registry serves, for the references written already pinned. */
  digests: ReadonlyMap<string, string>;
  components: number;
  seed: number;
}

export interface Monorepo {
  /** Repository-relative path → text. */
  files: Map<string, string>;
  dockerfiles: number;
  composeFiles: number;
  /** What `pin` must report if it reads the files as the generator meant them. */
  expected: {
    /** References that can take a pin (each use of an ARG default counts once). */
    pinnable: number;
    /** …of which already carry the digest the registry serves. */
    current: number;
    /** …of which carry a digest the registry does not serve. */
    stale: number;
    /** References that can only be known at build or run time. */
    skipped: number;
  };
  /** How often each `repository:tag` is referenced. */
  uses: Map<string, number>;
}

/**
 * Each component gets three Dockerfiles and two compose files in nested folders, so
 * `components` = 400 gives 2,000 files. The first references walk the whole catalog in a
 * shuffled order, so every tag is used; the rest favour the front of the catalog, so uses per
 * tag range from a handful to hundreds.
 */
export function generateMonorepo(spec: MonorepoSpec): Monorepo {
  const random = seededRandom(spec.seed);
  const chance = (p: number): boolean => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const expected = { pinnable: 0, current: 0, stale: 0, skipped: 0 };
  const uses = new Map<string, number>();

  const unused = [...spec.images];
  for (let i = unused.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [unused[i], unused[j]] = [unused[j]!, unused[i]!];
  }
  const nextImage = (): CatalogImage => unused.pop() ?? spec.images[Math.floor(random() ** 2 * spec.images.length)]!;

  let staleCount = 0;
  /** One reference as written: `prefix/repo[:tag][@digest]`, and how `pin` must treat it. */
  const reference = (prefix: string): { text: string; state: 'current' | 'stale' | 'unpinned' } => {
    const image = nextImage();
    const key = imageKey(image.repository, image.tag);
    uses.set(key, (uses.get(key) ?? 0) + 1);
    const roll = random();
    // A digest-only reference has no tag to resolve, so `latest` is left out only when unpinned.
    if (roll < 0.1) {
      const stale = `sha256:${staleDigestHex(++staleCount)}`;
      return { text: `${prefix}/${image.repository}:${image.tag}@${stale}`, state: 'stale' };
    }
    if (roll < 0.15) return { text: `${prefix}/${image.repository}:${image.tag}@${spec.digests.get(key)}`, state: 'current' };
    const tag = image.tag === 'latest' && chance(0.5) ? '' : `:${image.tag}`;
    return { text: `${prefix}/${image.repository}${tag}`, state: 'unpinned' };
  };
  const count = (state: 'current' | 'stale' | 'unpinned', times = 1): void => {
    expected.pinnable += times;
    if (state === 'current') expected.current += times;
    if (state === 'stale') expected.stale += times;
  };
  const use = (prefix: string): string => {
    const ref = reference(prefix);
    count(ref.state);
    return ref.text;
  };

  const dockerfile = (): string => {
    const lines: string[] = [];
    if (chance(0.1)) lines.push(`# syntax=${use(spec.host)}`);
    const registryArg = chance(0.3);
    if (registryArg) lines.push(`ARG REGISTRY=${spec.host}`);
    // FROM ${BASE}: the pin goes into the ARG default, however many stages use it.
    const base = chance(0.5) ? reference(spec.host) : null;
    if (base) lines.push(`ARG BASE=${base.text}`);
    const variant = chance(0.05);
    if (variant) lines.push('ARG VARIANT');
    const from = (): string => {
      if (registryArg && chance(0.5)) return use('${REGISTRY}');
      return use(spec.host);
    };
    const baseFrom = (): string => {
      if (!base) return from();
      count(base.state);
      return '${BASE}';
    };

    lines.push('', `FROM ${baseFrom()} AS build`, 'WORKDIR /src', 'COPY . .');
    if (chance(0.5)) lines.push(`COPY --from=${use(spec.host)} /usr/local/bin/tool /usr/local/bin/tool`);
    if (chance(0.2)) lines.push(`RUN --mount=type=bind,from=${use(spec.host)},source=/etc,target=/mnt/etc cat /mnt/etc/os-release`);
    lines.push('RUN make build DESTDIR=/out');
    const stages = Math.floor(random() * 3);
    for (let s = 0; s < stages; s++) {
      const name = ['test', 'lint', 'docs'][s]!;
      lines.push('', `FROM ${s === 1 && base ? baseFrom() : from()} AS ${name}`, 'COPY --from=build /out /out', `RUN make ${name}`);
    }
    if (variant) {
      expected.skipped++;
      lines.push('', 'FROM ${VARIANT} AS variant', 'COPY --from=build /out /out');
    }
    if (chance(0.4)) {
      lines.push('', 'FROM scratch', 'COPY --from=build /out /app', 'ENTRYPOINT ["/app/service"]');
    } else {
      lines.push('', `FROM ${from()} AS runtime`, 'COPY --from=build /out /app');
      if (chance(0.3)) lines.push(`COPY --from=${use(spec.host)} /etc/ssl/certs /etc/ssl/certs`);
      if (chance(0.3)) lines.push('', 'FROM runtime AS final', 'USER 65532');
    }
    return `${lines.join('\n')}\n`;
  };

  const compose = (project: string): string => {
    const lines = [`name: ${project}`, 'services:'];
    const services = 3 + Math.floor(random() * 4);
    for (let s = 0; s < services; s++) {
      lines.push(`  ${pick(['api', 'worker', 'web', 'cron', 'cache', 'db', 'proxy', 'queue'])}-${s}:`);
      const roll = random();
      if (roll < 0.1) {
        // compose builds and tags this image itself: nothing to pin.
        lines.push('    build: .', `    image: local/${project}:dev`);
      } else if (roll < 0.13) {
        expected.skipped++;
        lines.push(`    image: ${spec.host}/bench/svc-00:\${TAG:-latest}`);
      } else {
        const image = use(spec.host);
        lines.push(`    image: ${chance(0.2) ? `"${image}"` : image}`);
      }
      lines.push('    restart: unless-stopped');
      if (chance(0.5)) lines.push('    environment:', `      LOG_LEVEL: ${pick(['info', 'debug', 'warn'])}`);
    }
    return `${lines.join('\n')}\n`;
  };

  const files = new Map<string, string>();
  let dockerfiles = 0;
  let composeFiles = 0;
  for (let c = 0; c < spec.components; c++) {
    const area = pick(['services', 'tools', 'platform/infra', 'libs/internal/runtime']);
    const dir = `${area}/team-${String(c % 23).padStart(2, '0')}/component-${String(c).padStart(3, '0')}`;
    for (const path of ['Dockerfile', 'Dockerfile.dev', 'ci/build.Dockerfile']) {
      files.set(`${dir}/${path}`, dockerfile());
      dockerfiles++;
    }
    for (const path of ['compose.yaml', 'deploy/docker-compose.prod.yml']) {
      files.set(`${dir}/${path}`, compose(`component-${c}`));
      composeFiles++;
    }
  }
  if (unused.length > 0) throw new Error(`generator bug: ${unused.length} catalog images were never referenced`);
  return { files, dockerfiles, composeFiles, expected, uses };
}

/** A digest no registry serves: the hash of a counter, so it is the same on every run. */
function staleDigestHex(n: number): string {
  return createHash('sha256').update(`repro-pins bench stale digest ${n}`).digest('hex');
}
