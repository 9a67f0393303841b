import type { DependencyRef } from '../../reference.js';
import type { Datasource, LookupResult } from '../datasource.js';
import { HttpFetcher, type FetcherOptions } from '../http-fetcher.js';
import { describeStatus } from '../http.js';
import { parsePackagesIndex, type DebianPackage } from './packages-index.js';
import { compareDebianVersions } from './version.js';
import { decompressXzAsync, XzError } from './xz.js';
import { decompressionCap, gunzipCapped, INDEX_DECOMPRESSION } from '../decompression.js';

export type Distro = 'debian' | 'ubuntu';

export const DEBIAN_DEFAULTS = {
  mirror: 'https://deb.debian.org/debian',
  securityMirror: 'https://security.debian.org/debian-security',
  arch: 'amd64',
} as const;
export const UBUNTU_DEFAULTS = { mirror: 'http://archive.ubuntu.com/ubuntu', arch: 'amd64' } as const;
/** Ubuntu serves only amd64 and i386 from its archive; every other architecture lives on ports. */
export const UBUNTU_PORTS_MIRROR = 'http://ports.ubuntu.com/ubuntu-ports';

/**
 * The components searched, in order; a later one is downloaded only for packages the earlier
 * ones lack. Debian images enable `main` only; Ubuntu images enable `main`, `universe`,
 * `restricted` and `multiverse`, of which `main` and `universe` hold what Dockerfiles install.
 */
export const COMPONENTS: Record<Distro, readonly string[]> = { debian: ['main'], ubuntu: ['main', 'universe'] };

export interface DebianDatasourceOptions extends FetcherOptions {
  debian?: { mirror?: string | undefined; securityMirror?: string | undefined; arch?: string | undefined } | undefined;
  ubuntu?: { mirror?: string | undefined; arch?: string | undefined } | undefined;
}

/** One `Packages` index: a pocket (`bookworm-security`) of a component for an architecture. */
interface IndexSource {
  pocket: string;
  /** `…/dists/<pocket>/<component>/binary-<arch>/Packages`, without the compression suffix. */
  url: string;
  /** The release pocket itself must exist; `-updates` and `-security` may not (sid has neither). */
  required: boolean;
}

type IndexLoad = { ok: true; packages: Map<string, DebianPackage[]> | null } | { ok: false; message: string };

/**
 * Debian and Ubuntu package versions: the highest version (dpkg ordering) that the release, its
 * `-updates` and its `-security` pockets offer, so a security fix wins when it is newer. A
 * reference names its distribution and suite in `context` (`distro`, `suite`) and may ask for a
 * foreign architecture (`arch`). Each index is downloaded once per datasource: create one per run.
 */
export function debianDatasource(options: DebianDatasourceOptions = {}): Datasource {
  const fetcher = new HttpFetcher(options);
  const indexes = new Map<string, Promise<IndexLoad>>();
  const defaultArch = (distro: Distro) => (distro === 'debian' ? options.debian?.arch ?? DEBIAN_DEFAULTS.arch : options.ubuntu?.arch ?? UBUNTU_DEFAULTS.arch);

  const sourcesFor = (distro: Distro, suite: string, component: string, arch: string): IndexSource[] => {
    const path = (pocket: string) => `dists/${pocket}/${component}/binary-${arch}/Packages`;
    if (distro === 'debian') {
      const mirror = trimSlash(options.debian?.mirror ?? DEBIAN_DEFAULTS.mirror);
      const security = trimSlash(options.debian?.securityMirror ?? DEBIAN_DEFAULTS.securityMirror);
      return [
        { pocket: suite, url: `${mirror}/${path(suite)}`, required: true },
        { pocket: `${suite}-updates`, url: `${mirror}/${path(`${suite}-updates`)}`, required: false },
        { pocket: `${suite}-security`, url: `${security}/${path(`${suite}-security`)}`, required: false },
      ];
    }
    const mirror = trimSlash(options.ubuntu?.mirror ?? (arch === 'amd64' || arch === 'i386' ? UBUNTU_DEFAULTS.mirror : UBUNTU_PORTS_MIRROR));
    return [suite, `${suite}-updates`, `${suite}-security`].map((pocket, i) => ({ pocket, url: `${mirror}/${path(pocket)}`, required: i === 0 }));
  };

  /** `Packages.gz` first (zlib is native), then `Packages.xz`, the only one Debian's -updates and -security serve. */
  const loadIndex = (source: IndexSource): Promise<IndexLoad> => {
    let load = indexes.get(source.url);
    if (!load) {
      load = (async (): Promise<IndexLoad> => {
        let missing = '';
        for (const suffix of ['.gz', '.xz'] as const) {
          const url = source.url + suffix;
          const fetched = await fetcher.get(url, {}, url);
          if (!fetched.ok) return fetched;
          const { status, body } = fetched.reply;
          if (status === 404 || status === 410) {
            missing = `${url} answered ${describeStatus(status)}`;
            continue;
          }
          if (status !== 200) return { ok: false, message: `${url} answered ${describeStatus(status)}` };
          try {
            // Capped (a few KB of xz can claim hundreds of MB); the xz decoder yields between chunks.
            const gunzipped = suffix === '.gz' ? gunzipCapped(body, INDEX_DECOMPRESSION, 'could not be decompressed') : null;
            if (gunzipped && !gunzipped.ok) return { ok: false, message: `${url} ${gunzipped.message}` };
            const data = gunzipped ? gunzipped.data : await decompressXzAsync(body, { maxOutputBytes: decompressionCap(body.length, INDEX_DECOMPRESSION) });
            const text = data.toString('utf8');
            return { ok: true, packages: parsePackagesIndex(text) };
          } catch (error) {
            if (suffix === '.xz' && !(error instanceof XzError)) throw error;
            return { ok: false, message: `${url} could not be decompressed: ${(error as Error).message}` };
          }
        }
        return source.required ? { ok: false, message: `${missing} (is ${source.pocket} a release this mirror carries?)` } : { ok: true, packages: null };
      })();
      indexes.set(source.url, load);
    }
    return load;
  };

  return {
    lookupKey(ref) {
      const target = targetOf(ref, defaultArch);
      return target ? `${target.distro}/${target.suite}/${target.arch}/${ref.name}=${ref.value ?? ''}` : null;
    },
    async resolve(ref): Promise<LookupResult> {
      const target = targetOf(ref, defaultArch);
      if (!target) return { ok: false, message: 'no Debian or Ubuntu suite is known for this package' };
      const { distro, suite, arch } = target;
      const pockets: string[] = [];
      for (const component of COMPONENTS[distro]) {
        const sources = sourcesFor(distro, suite, component, arch);
        const candidates: DebianPackage[] = [];
        for (const [i, load] of (await Promise.all(sources.map(loadIndex))).entries()) {
          // A pocket that could not be read might hold the newest (security) version: no guessing.
          if (!load.ok) return load;
          if (!load.packages) continue;
          pockets.push(`${sources[i]!.pocket}/${component}`);
          candidates.push(...(load.packages.get(ref.name) ?? []).filter((p) => p.architecture === arch || p.architecture === 'all'));
        }
        if (candidates.length > 0) return { ok: true, pin: pinFor(ref, candidates, suite) };
      }
      const distroName = distro === 'debian' ? 'Debian' : 'Ubuntu';
      return { ok: false, message: `package "${ref.name}" is not in ${distroName} ${suite} for ${arch} (searched ${pockets.join(', ')})` };
    },
  };
}

function targetOf(ref: DependencyRef, defaultArch: (distro: Distro) => string): { distro: Distro; suite: string; arch: string } | null {
  const distro = ref.context?.distro;
  const suite = ref.context?.suite;
  if ((distro !== 'debian' && distro !== 'ubuntu') || !suite) return null;
  return { distro, suite, arch: ref.context?.arch ?? defaultArch(distro) };
}

function pinFor(ref: DependencyRef, candidates: DebianPackage[], suite: string): { version: string; note?: string } {
  const newest = candidates.reduce((best, p) => (compareDebianVersions(p.version, best.version) > 0 ? p : best));
  if (ref.value === null || ref.value === newest.version || candidates.some((p) => p.version === ref.value)) return { version: newest.version };
  return { version: newest.version, note: `${ref.name}=${ref.value} is no longer in ${suite}, ${suite}-updates or ${suite}-security; re-pinned to ${newest.version}` };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
