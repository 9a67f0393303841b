import { createHash } from 'node:crypto';
import type { Key } from 'openpgp';
import type { DependencyRef } from '../../reference.js';
import type { Datasource, LookupResult } from '../datasource.js';
import { HttpFetcher, type FetcherOptions } from '../http-fetcher.js';
import { describeStatus } from '../http.js';
import { bundledKeysPath } from '../../package-files.js';
import { quoteOutsideText } from '../outside-text.js';
import { loadKeyring, verifyInRelease, type ReleaseFile } from './inrelease.js';
import { parsePackagesIndex, type DebianPackage } from './packages-index.js';
import { compareDebianVersions, isDebianPackageName, isDebianVersion } from './version.js';
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
  /**
   * OpenPGP keyrings (binary `.gpg` or armored) the `InRelease` files must be signed with; default
   * for Debian: keys/debian/debian-archive-keyring.gpg; Ubuntu has no default (keys/README.md).
   * The operator's setting (DEBIAN_KEYRING_ENV, UBUNTU_KEYRING_ENV), never a repository's config:
   * a repository that could name its keys could sign its own mirror's answers.
   */
  keyrings?: { debian?: string | undefined; ubuntu?: string | undefined } | undefined;
  /** The clock `Valid-Until` is checked against. */
  now?: () => number;
}

/** The environment variables an operator names keyrings in, for the CLI and the App alike. */
export const DEBIAN_KEYRING_ENV = 'REPRO_PINS_DEBIAN_KEYRING';
export const UBUNTU_KEYRING_ENV = 'REPRO_PINS_UBUNTU_KEYRING';

/** One `Packages` index: a pocket (`bookworm-security`) of a component for an architecture. */
interface IndexSource {
  distro: Distro;
  pocket: string;
  /** `…/dists/<pocket>/`: the InRelease file and the indexes it lists sit under it. */
  base: string;
  /** `<component>/binary-<arch>/Packages`, as InRelease lists it, without the compression suffix. */
  path: string;
  /** The release pocket itself must exist; `-updates` and `-security` may not (sid has neither). */
  required: boolean;
}

type IndexLoad = { ok: true; url: string; packages: Map<string, DebianPackage[]> } | { ok: true; packages: null } | { ok: false; message: string };
type ReleaseLoad = { ok: true; url: string; release: ReleaseFile | null } | { ok: false; message: string };
type KeyringLoad = { ok: true; keys: Key[] } | { ok: false; message: string };

/**
 * Debian and Ubuntu package versions: the highest version (dpkg ordering) that the release, its
 * `-updates` and its `-security` pockets offer, so a security fix wins when it is newer. A
 * reference names its distribution and suite in `context` (`distro`, `suite`) and may ask for a
 * foreign architecture (`arch`). Each index is downloaded once per datasource: create one per run.
 */
export function debianDatasource(options: DebianDatasourceOptions = {}): Datasource {
  const fetcher = new HttpFetcher(options);
  const now = options.now ?? Date.now;
  const indexes = new Map<string, Promise<IndexLoad>>();
  const defaultArch = (distro: Distro) => (distro === 'debian' ? options.debian?.arch ?? DEBIAN_DEFAULTS.arch : options.ubuntu?.arch ?? UBUNTU_DEFAULTS.arch);

  const sourcesFor = (distro: Distro, suite: string, component: string, arch: string): IndexSource[] => {
    const path = `${component}/binary-${arch}/Packages`;
    const source = (base: string, pocket: string, required: boolean): IndexSource => ({ distro, pocket, base: `${trimSlash(base)}/dists/${pocket}/`, path, required });
    if (distro === 'debian') {
      const mirror = options.debian?.mirror ?? DEBIAN_DEFAULTS.mirror;
      const security = options.debian?.securityMirror ?? DEBIAN_DEFAULTS.securityMirror;
      return [source(mirror, suite, true), source(mirror, `${suite}-updates`, false), source(security, `${suite}-security`, false)];
    }
    const mirror = options.ubuntu?.mirror ?? (arch === 'amd64' || arch === 'i386' ? UBUNTU_DEFAULTS.mirror : UBUNTU_PORTS_MIRROR);
    return [suite, `${suite}-updates`, `${suite}-security`].map((pocket, i) => source(mirror, pocket, i === 0));
  };

  const keyrings = new Map<Distro, Promise<KeyringLoad>>();
  const keyringOf = (distro: Distro): Promise<KeyringLoad> => {
    let load = keyrings.get(distro);
    if (!load) {
      const configured = options.keyrings?.[distro];
      if (configured) load = loadKeyring(configured);
      else if (distro === 'debian') load = loadKeyring(bundledKeysPath('debian', 'debian-archive-keyring.gpg'));
      else load = Promise.resolve({ ok: false, message: `no Ubuntu keyring is configured to check InRelease signatures with: set ${UBUNTU_KEYRING_ENV} to Ubuntu's ubuntu-archive-keyring.gpg` });
      keyrings.set(distro, load);
    }
    return load;
  };

  /** A pocket's InRelease, verified: null when an optional pocket does not exist (sid has no -updates). */
  const releases = new Map<string, Promise<ReleaseLoad>>();
  const loadRelease = (source: IndexSource): Promise<ReleaseLoad> => {
    const url = `${source.base}InRelease`;
    let load = releases.get(url);
    if (!load) {
      load = (async (): Promise<ReleaseLoad> => {
        const fetched = await fetcher.get(url, {}, url);
        if (!fetched.ok) return fetched;
        const { status, body } = fetched.reply;
        if (status === 404 || status === 410) {
          if (!source.required) return { ok: true, url, release: null };
          return { ok: false, message: `${url} answered ${describeStatus(status)} (is ${source.pocket} a release this mirror carries?)` };
        }
        if (status !== 200) return { ok: false, message: `${url} answered ${describeStatus(status)}` };
        const keyring = await keyringOf(source.distro);
        if (!keyring.ok) return keyring;
        const read = await verifyInRelease(body.toString('utf8'), keyring.keys);
        if (!read.ok) return { ok: false, message: `${url} ${read.message}` };
        const { release } = read;
        // A validly signed file of another suite, or an old one, is still not this pocket's answer.
        if (release.suite !== source.pocket && release.codename !== source.pocket) {
          return { ok: false, message: `${url} is signed for ${quoteOutsideText(release.codename ?? release.suite ?? 'no suite')}, not ${source.pocket}` };
        }
        if (release.validUntil !== null && release.validUntil < now()) return { ok: false, message: `${url} expired on ${new Date(release.validUntil).toISOString()} (Valid-Until): the mirror serves a stale or replayed file` };
        return { ok: true, url, release };
      })();
      releases.set(url, load);
    }
    return load;
  };

  /**
   * The index InRelease lists, `.gz` first (zlib is native), else `.xz` (the only one Debian's
   * -updates and -security serve), checked against the listed size and SHA256 before it is read.
   */
  const loadIndex = (source: IndexSource): Promise<IndexLoad> => {
    const key = source.base + source.path;
    let load = indexes.get(key);
    if (!load) {
      load = (async (): Promise<IndexLoad> => {
        const release = await loadRelease(source);
        if (!release.ok) return release;
        if (!release.release) return { ok: true, packages: null };
        const suffix = (['.gz', '.xz'] as const).find((s) => release.release!.files.has(source.path + s));
        if (!suffix) {
          if (!source.required) return { ok: true, packages: null };
          return { ok: false, message: `${release.url} lists no ${source.path}.gz or .xz (does this mirror carry that component and architecture?)` };
        }
        const expected = release.release.files.get(source.path + suffix)!;
        const url = source.base + source.path + suffix;
        const fetched = await fetcher.get(url, {}, url);
        if (!fetched.ok) return fetched;
        const { status, body } = fetched.reply;
        if (status !== 200) return { ok: false, message: `${url} answered ${describeStatus(status)}` };
        if (body.length !== expected.size) return { ok: false, message: `${url} is ${body.length} bytes, but ${release.url} lists ${expected.size}: not the signed index` };
        const sha256 = createHash('sha256').update(body).digest('hex');
        if (sha256 !== expected.sha256) return { ok: false, message: `${url} has SHA256 ${sha256}, but ${release.url} lists ${expected.sha256}: not the signed index` };
        try {
          // Capped even though signed (a few KB of xz can claim hundreds of MB); the xz decoder yields between chunks.
          const gunzipped = suffix === '.gz' ? gunzipCapped(body, INDEX_DECOMPRESSION, 'could not be decompressed') : null;
          if (gunzipped && !gunzipped.ok) return { ok: false, message: `${url} ${gunzipped.message}` };
          const data = gunzipped ? gunzipped.data : await decompressXzAsync(body, { maxOutputBytes: decompressionCap(body.length, INDEX_DECOMPRESSION) });
          return { ok: true, url, packages: parsePackagesIndex(data.toString('utf8')) };
        } catch (error) {
          if (suffix === '.xz' && !(error instanceof XzError)) throw error;
          return { ok: false, message: `${url} could not be decompressed: ${(error as Error).message}` };
        }
      })();
      indexes.set(key, load);
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
          for (const p of load.packages.get(ref.name) ?? []) {
            if (p.architecture !== arch && p.architecture !== 'all') continue;
            // What a mirror says goes into a RUN line: a name and version outside the grammar are never a pin.
            if (!isDebianPackageName(p.name)) return { ok: false, message: `${load.url} lists a package named ${quoteOutsideText(p.name)}, which is not a Debian package name; not pinned` };
            if (!isDebianVersion(p.version)) return { ok: false, message: `${load.url} gives package "${p.name}" the version ${quoteOutsideText(p.version)}, which is not a Debian version ([epoch:]upstream[-revision], policy §5.6.12); not pinned` };
            candidates.push(p);
          }
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
