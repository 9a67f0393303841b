import type { DependencyRef } from '../../reference.js';
import type { Datasource, LookupResult } from '../datasource.js';
import { HttpFetcher, type FetcherOptions } from '../http-fetcher.js';
import { describeStatus } from '../http.js';
import { parseApkIndexArchive, type ApkPackage } from './apkindex.js';

export const DEFAULT_ALPINE_MIRROR = 'https://dl-cdn.alpinelinux.org/alpine';
export const DEFAULT_ALPINE_ARCH = 'x86_64';
/** The repositories an Alpine image enables in /etc/apk/repositories, searched in this order. */
export const ALPINE_REPOSITORIES = ['main', 'community'] as const;

export interface AlpineDatasourceOptions extends FetcherOptions {
  mirror?: string;
  arch?: string;
}

type IndexLoad = { ok: true; packages: Map<string, ApkPackage> } | { ok: false; message: string };

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

  const loadIndex = (branch: string, repository: string): Promise<IndexLoad> => {
    const url = `${mirror}/${branch}/${repository}/${arch}/APKINDEX.tar.gz`;
    let load = indexes.get(url);
    if (!load) {
      load = (async (): Promise<IndexLoad> => {
        const fetched = await fetcher.get(url, {}, url);
        if (!fetched.ok) return fetched;
        const { status, body } = fetched.reply;
        if (status !== 200) return { ok: false, message: `${url} answered ${describeStatus(status)}` };
        const parsed = parseApkIndexArchive(body);
        return parsed.ok ? parsed : { ok: false, message: `${url} ${parsed.message}` };
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
        if (found) return { ok: true, pin: pinFor(ref, found, branch) };
      }
      const where = `Alpine ${branch} (${ALPINE_REPOSITORIES.join(', ')}; ${arch})`;
      if (failures.length === 0) return { ok: false, message: `package "${ref.name}" is not in ${where}` };
      return { ok: false, message: `package "${ref.name}" was not found in ${where}: ${failures.join('; ')}` };
    },
  };
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
