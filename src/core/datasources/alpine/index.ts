import type { DependencyRef } from '../../reference.js';
import type { Datasource, LookupResult } from '../datasource.js';
import { HttpFetcher, type FetcherOptions } from '../http-fetcher.js';
import { describeStatus } from '../http.js';
import { bundledKeysPath } from '../../package-files.js';
import { quoteOutsideText } from '../outside-text.js';
import { parseApkIndexArchive, type ApkPackage } from './apkindex.js';
import { isApkPackageName, isApkVersion } from './apk-version.js';
import { loadApkKeys, type ApkKeys } from './apk-signature.js';

export const DEFAULT_ALPINE_MIRROR = 'https://dl-cdn.alpinelinux.org/alpine';
export const DEFAULT_ALPINE_ARCH = 'x86_64';
/** The repositories an Alpine image enables in /etc/apk/repositories, searched in this order. */
export const ALPINE_REPOSITORIES = ['main', 'community'] as const;

export interface AlpineDatasourceOptions extends FetcherOptions {
  mirror?: string;
  arch?: string;
  /**
   * A directory of trusted `*.rsa.pub` keys, as /etc/apk/keys; default: the Alpine keys shipped in
   * keys/alpine. The operator's setting (REPRO_PINS_ALPINE_KEYS), never a repository's config:
   * a repository that could name its keys could sign its own mirror's answers.
   */
  keysDir?: string | undefined;
}

/** The environment variable an operator names a keys directory in, for the CLI and the App alike. */
export const ALPINE_KEYS_ENV = 'REPRO_PINS_ALPINE_KEYS';

type IndexLoad = { ok: true; url: string; packages: Map<string, ApkPackage> } | { ok: false; message: string };

/**
 * apk package versions from the APKINDEX of the branch a reference names in `context.branch`
 * (`v3.20`, `edge`). Each index is downloaded once per datasource, however many packages and
 * files ask, so create one per run.
 */
export function alpineDatasource(options: AlpineDatasourceOptions = {}): Datasource {
  const mirror = (options.mirror ?? DEFAULT_ALPINE_MIRROR).replace(/\/+$/, '');
  const arch = options.arch ?? DEFAULT_ALPINE_ARCH;
  const fetcher = new HttpFetcher(options);
  const indexes = new Map<string, Promise<IndexLoad>>();
  let trusted: Promise<{ ok: true; keys: ApkKeys } | { ok: false; message: string }> | undefined;
  const trustedKeys = () => (trusted ??= loadApkKeys(options.keysDir ?? bundledKeysPath('alpine')));

  const loadIndex = (branch: string, repository: string): Promise<IndexLoad> => {
    const url = `${mirror}/${branch}/${repository}/${arch}/APKINDEX.tar.gz`;
    let load = indexes.get(url);
    if (!load) {
      load = (async (): Promise<IndexLoad> => {
        const fetched = await fetcher.get(url, {}, url);
        if (!fetched.ok) return fetched;
        const { status, body } = fetched.reply;
        if (status !== 200) return { ok: false, message: `${url} answered ${describeStatus(status)}` };
        const keys = await trustedKeys();
        if (!keys.ok) return keys;
        const parsed = parseApkIndexArchive(body, keys.keys);
        return parsed.ok ? { ok: true, url, packages: parsed.packages } : { ok: false, message: `${url} ${parsed.message}` };
      })();
      indexes.set(url, load);
    }
    return load;
  };

  return {
    lookupKey(ref) {
      const branch = ref.context?.branch;
      return branch ? `${branch}/${arch}/${ref.name}=${ref.value ?? ''}` : null;
    },
    async resolve(ref): Promise<LookupResult> {
      const branch = ref.context?.branch;
      if (!branch) return { ok: false, message: 'no Alpine branch is known for this package' };
      const failures: string[] = [];
      for (const repository of ALPINE_REPOSITORIES) {
        const index = await loadIndex(branch, repository);
        if (!index.ok) {
          failures.push(index.message);
          continue;
        }
        const found = index.packages.get(ref.name);
        if (found) return checkedPin(ref, found, branch, index.url);
      }
      const where = `Alpine ${branch} (${ALPINE_REPOSITORIES.join(', ')}; ${arch})`;
      if (failures.length === 0) return { ok: false, message: `package "${ref.name}" is not in ${where}` };
      return { ok: false, message: `package "${ref.name}" was not found in ${where}: ${failures.join('; ')}` };
    },
  };
}

/** What a mirror says goes into a RUN line: it must be an apk name and version, never a pin otherwise. */
function checkedPin(ref: DependencyRef, found: ApkPackage, branch: string, url: string): LookupResult {
  if (!isApkPackageName(found.name)) return { ok: false, message: `${url} lists a package named ${quoteOutsideText(found.name)}, which is not an apk package name; not pinned` };
  if (!isApkVersion(found.version)) return { ok: false, message: `${url} gives package "${found.name}" the version ${quoteOutsideText(found.version)}, which is not an apk version (digits.digits[letter][_suffix][-rN]); not pinned` };
  return { ok: true, pin: pinFor(ref, found, branch) };
}

/**
 * An Alpine repository keeps only the newest build of each package, so a version that differs
 * from the index is one `apk add` can no longer install: the pin moves, and says why.
 */
function pinFor(ref: DependencyRef, found: ApkPackage, branch: string): { version: string; note?: string } {
  if (ref.value === null || ref.value === found.version) return { version: found.version };
  return {
    version: found.version,
    note: `${ref.name}=${ref.value} is gone from Alpine ${branch}, which keeps only the newest version of a package; re-pinned to ${found.version}`,
  };
}
