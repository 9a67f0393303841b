import { createHash } from 'node:crypto';
import { isWheelCompatible, normalizeProjectName, type DistributionFile, type TargetInterpreter } from './distributions.js';
import { parseCoreMetadata, readSdistMetadata, readWheelMetadata, type CoreMetadata } from './core-metadata.js';
import { HttpFetcher, type FetcherOptions, type Reply } from '../http-fetcher.js';
import { describeStatus, withoutCredentials } from '../http.js';
import { SIMPLE_ACCEPT, isSimpleJson, parseHtmlProjectPage, parseJsonProjectPage } from './simple-api.js';

export const PYPI_SIMPLE = 'https://pypi.org/simple/';

export interface PythonIndexOptions extends FetcherOptions {
  /** The index when a file names none: `PIP_INDEX_URL`, else PyPI. */
  indexUrl?: string;
  /** `PIP_EXTRA_INDEX_URL`, split on whitespace. */
  extraIndexUrls?: string[];
  /**
   * Variables for `${NAME}` in index URLs, as pip expands them in requirements files. The CLI
   * passes its user's environment; the App passes none, since a repository's file names the host
   * and must not choose where the App's own environment (its secrets) is sent.
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The indexes one requirements file installs from. */
export interface IndexSelection {
  indexUrls: string[];
  /** `--trusted-host`: plain HTTP allowed there, as pip allows it. */
  trustedHosts: string[];
}

export type ProjectLookup = { ok: true; files: DistributionFile[] } | { ok: false; notFound: boolean; message: string };
export type MetadataLookup = { ok: true; metadata: CoreMetadata; source: string } | { ok: false; message: string };
export type HashLookup = { ok: true; sha256: string } | { ok: false; message: string };

/** Which lookups a run made, for tests and the benchmark. */
export interface PythonIndexStats {
  projectPages: number;
  metadataFiles: number;
  downloads: number;
}

/**
 * Reads project pages, core metadata and distribution files from simple-API indexes. Each
 * distinct request is made once per client (failures included) — create one per run.
 */
export class PythonIndexClient {
  readonly stats: PythonIndexStats = { projectPages: 0, metadataFiles: 0, downloads: 0 };
  readonly #fetcher: HttpFetcher;
  readonly #defaultIndexes: string[];
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #pages = new Map<string, Promise<ProjectLookup>>();
  readonly #metadata = new Map<string, Promise<MetadataLookup>>();
  readonly #downloads = new Map<string, Promise<{ ok: true; body: Buffer } | { ok: false; message: string }>>();
  /**
   * `Authorization` by origin (scheme, host and port) of each index URL that carried credentials,
   * sent to that origin only: never to the same host over plain HTTP (a file's
   * `--trusted-host` + `http://` must not get the operator's password in clear). The
   * configured indexes' credentials are set first and a file's cannot replace them.
   */
  readonly #authorization = new Map<string, string>();

  constructor(options: PythonIndexOptions = {}) {
    this.#fetcher = new HttpFetcher(options);
    this.#env = options.env ?? {};
    this.#defaultIndexes = [options.indexUrl || PYPI_SIMPLE, ...(options.extraIndexUrls ?? [])];
    for (const index of this.#defaultIndexes) this.#indexUrl(index);
  }

  /** The indexes pip would use for a file that names none (`--index-url` in the file replaces the first). */
  get defaultIndexes(): readonly string[] {
    return this.#defaultIndexes;
  }

  /** A project's files from every index, merged as pip merges them; not found only when no index knows it. */
  async findProject(project: string, selection: IndexSelection): Promise<ProjectLookup> {
    const results = await Promise.all(selection.indexUrls.map((index) => this.#projectPage(index, project, selection.trustedHosts)));
    const failure = results.find((r): r is Extract<ProjectLookup, { ok: false }> => !r.ok && !r.notFound);
    if (failure) return failure;
    const found = results.filter((r): r is Extract<ProjectLookup, { ok: true }> => r.ok);
    if (found.length === 0) {
      const where = selection.indexUrls.map((i) => this.#display(i)).join(', ');
      return { ok: false, notFound: true, message: `not found on ${selection.indexUrls.length > 1 ? 'any of the indexes ' : 'the index '}${where}` };
    }
    return { ok: true, files: found.flatMap((r) => r.files) };
  }

  #projectPage(index: string, project: string, trustedHosts: string[]): Promise<ProjectLookup> {
    const key = JSON.stringify([index, normalizeProjectName(project), [...trustedHosts].sort()]);
    let page = this.#pages.get(key);
    if (!page) {
      page = this.#fetchProjectPage(index, project, trustedHosts);
      this.#pages.set(key, page);
    }
    return page;
  }

  async #fetchProjectPage(index: string, project: string, trustedHosts: string[]): Promise<ProjectLookup> {
    const base = this.#indexUrl(index);
    if (!base.ok) return { ok: false, notFound: false, message: base.message };
    const url = new URL(`${normalizeProjectName(project)}/`, base.url.href.endsWith('/') ? base.url : `${base.url.href}/`);
    const display = this.#display(url.href);
    if (url.protocol === 'http:' && !isLoopback(url.hostname) && !trustedHosts.some((h) => h === url.host || h === url.hostname)) {
      return { ok: false, notFound: false, message: `index ${this.#display(base.url.href)} is plain HTTP: pip ignores it unless the file says --trusted-host ${url.hostname}` };
    }
    this.stats.projectPages += 1;
    const fetched = await this.#fetcher.get(url.href, { accept: SIMPLE_ACCEPT, ...this.#authFor(url) }, `index page ${display}`);
    if (!fetched.ok) return { ok: false, notFound: false, message: fetched.message };
    const { reply } = fetched;
    if (reply.status === 404 || reply.status === 410) return { ok: false, notFound: true, message: `not found on the index ${this.#display(base.url.href)}` };
    if (reply.status === 401 || reply.status === 403) {
      return { ok: false, notFound: false, message: `index page ${display} answered ${describeStatus(reply.status)}: put credentials in the index URL (https://user:\${TOKEN}@host/simple)` };
    }
    if (reply.status < 200 || reply.status >= 300) return { ok: false, notFound: false, message: `index page ${display} answered ${describeStatus(reply.status)}` };
    const body = reply.body.toString('utf8');
    const pageUrl = withoutCredentials(reply.url);
    const parsed = isSimpleJson(reply.headers.get('content-type')) ? parseJsonProjectPage(body, pageUrl, project) : parseHtmlProjectPage(body, pageUrl, project);
    return parsed.ok ? parsed : { ok: false, notFound: false, message: `index page ${display} ${parsed.message}` };
  }

  /**
   * The dependencies' source for one version: the PEP 658 `.metadata` file when the index serves
   * one, else the distribution itself (a wheel's METADATA, an sdist's PKG-INFO), whose sha256 is
   * checked against the index before it is read.
   */
  readCoreMetadata(project: string, files: DistributionFile[], target: TargetInterpreter): Promise<MetadataLookup> {
    const wheels = files.filter((f) => f.kind === 'wheel');
    const compatible = wheels.filter((f) => isWheelCompatible(f.tags, target));
    const ordered = [
      ...compatible.filter((f) => f.coreMetadata),
      ...wheels.filter((f) => f.coreMetadata),
      ...files.filter((f) => f.kind === 'sdist' && f.coreMetadata),
      ...compatible,
      ...wheels,
      ...files.filter((f) => f.kind === 'sdist'),
    ];
    const chosen = ordered[0];
    if (!chosen) return Promise.resolve({ ok: false, message: 'has no wheel or sdist to read dependencies from' });
    let lookup = this.#metadata.get(chosen.url);
    if (!lookup) {
      lookup = this.#readMetadata(project, chosen);
      this.#metadata.set(chosen.url, lookup);
    }
    return lookup;
  }

  async #readMetadata(project: string, file: DistributionFile): Promise<MetadataLookup> {
    if (file.coreMetadata) {
      // PEP 658: the metadata file sits at the distribution's URL plus ".metadata".
      const url = `${file.url}.metadata`;
      this.stats.metadataFiles += 1;
      const fetched = await this.#fetcher.get(url, this.#authFor(new URL(url)), `metadata file ${this.#display(url)}`, { kind: 'metadata' });
      if (!fetched.ok) return fetched;
      const failure = badStatus(fetched.reply, `metadata file ${this.#display(url)}`);
      if (failure) return failure;
      const digest = sha256(fetched.reply.body);
      if (file.coreMetadata.sha256 && digest !== file.coreMetadata.sha256) {
        return { ok: false, message: `metadata file ${this.#display(url)} has sha256 ${digest}, but the index lists ${file.coreMetadata.sha256}` };
      }
      return trusted(parseCoreMetadata(fetched.reply.body.toString('utf8')), `${file.filename}.metadata`, project);
    }
    const download = await this.#download(file);
    if (!download.ok) return download;
    const read = file.kind === 'wheel' ? readWheelMetadata(download.body, project) : readSdistMetadata(download.body, file.filename);
    if (!read.ok) return { ok: false, message: `${file.filename} ${read.message}` };
    const metadata = parseCoreMetadata(read.text);
    if (file.kind === 'sdist' && !sdistMetadataIsStatic(metadata)) {
      return {
        ok: false,
        message: `${file.filename} is the only distribution and its PKG-INFO (metadata ${metadata.metadataVersion || 'unknown'}) does not fix its dependencies (PEP 643): they are only known by building it`,
      };
    }
    return trusted(metadata, file.filename, project);
  }

  /** The sha256 of a file: the index's word for it, else computed from the bytes (trust on first use). */
  async fileSha256(file: DistributionFile): Promise<HashLookup> {
    if (file.sha256) return { ok: true, sha256: file.sha256 };
    const download = await this.#download(file);
    return download.ok ? { ok: true, sha256: sha256(download.body) } : download;
  }

  #download(file: DistributionFile): Promise<{ ok: true; body: Buffer } | { ok: false; message: string }> {
    let download = this.#downloads.get(file.url);
    if (!download) {
      download = (async () => {
        this.stats.downloads += 1;
        const display = this.#display(file.url);
        const fetched = await this.#fetcher.get(file.url, this.#authFor(new URL(file.url)), `file ${display}`, { kind: 'archive' });
        if (!fetched.ok) return fetched;
        const failure = badStatus(fetched.reply, `file ${display}`);
        if (failure) return failure;
        const digest = sha256(fetched.reply.body);
        // Never read a file the index vouches for differently: its metadata could lie about dependencies.
        if (file.sha256 && digest !== file.sha256) return { ok: false, message: `${file.filename} downloaded from ${display} has sha256 ${digest}, but the index lists ${file.sha256}` };
        return { ok: true as const, body: fetched.reply.body };
      })();
      this.#downloads.set(file.url, download);
    }
    return download;
  }

  /** Expands `${VAR}`, moves `user:password@` into an Authorization header for that host. */
  #indexUrl(index: string): { ok: true; url: URL } | { ok: false; message: string } {
    // pip expands only ${NAME} with upper-case letters, digits and underscores (req_file.expand_env_variables).
    const expanded = index.replace(/\$\{([A-Z0-9_]+)\}/g, (whole, name: string) => this.#env[name] ?? whole);
    if (!URL.canParse(expanded)) return { ok: false, message: `index URL ${withoutCredentialsText(index)} is not a valid URL` };
    const url = new URL(expanded);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, message: `index URL ${withoutCredentials(url.href)} is not http(s)` };
    if (url.username || url.password) {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      if (!this.#authorization.has(url.origin)) this.#authorization.set(url.origin, `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
      url.username = '';
      url.password = '';
    }
    return { ok: true, url };
  }

  #authFor(url: URL): Record<string, string> {
    const authorization = this.#authorization.get(url.origin);
    return authorization ? { authorization } : {};
  }

  #display(url: string): string {
    return withoutCredentialsText(url);
  }
}

/** PEP 643: from metadata 2.2, fields not listed in `Dynamic` are what any build of the sdist will say. */
function sdistMetadataIsStatic(metadata: CoreMetadata): boolean {
  const [major, minor] = metadata.metadataVersion.split('.').map(Number);
  const atLeast22 = (major ?? 0) > 2 || ((major ?? 0) === 2 && (minor ?? 0) >= 2);
  return atLeast22 && !metadata.dynamic.includes('requires-dist');
}

/** Metadata names its own project; anything else is a broken or hostile upload. */
function trusted(metadata: CoreMetadata, source: string, project: string): MetadataLookup {
  if (metadata.name && normalizeProjectName(metadata.name) !== normalizeProjectName(project)) return { ok: false, message: `${source} describes ${metadata.name}, not ${project}` };
  return { ok: true, metadata, source };
}

function badStatus(reply: Reply, display: string): { ok: false; message: string } | undefined {
  return reply.status >= 200 && reply.status < 300 ? undefined : { ok: false, message: `${display} answered ${describeStatus(reply.status)}` };
}

function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}


/** Credentials never reach a message, even from a URL that does not parse. */
function withoutCredentialsText(url: string): string {
  return withoutCredentials(url).replace(/\/\/[^/@\s]*@/, '//');
}
