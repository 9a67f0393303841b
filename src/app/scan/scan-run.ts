import { createHash } from 'node:crypto';
import type { RepoConfig } from '../../core/config.js';
import { ALPINE_KEYS_ENV, alpineDatasource } from '../../core/datasources/alpine/index.js';
import type { Datasource, Datasources } from '../../core/datasources/datasource.js';
import type { DatasourceDecorator } from '../../core/datasources/shared-lookups.js';
import { DEBIAN_KEYRING_ENV, debianDatasource, UBUNTU_KEYRING_ENV } from '../../core/datasources/debian/index.js';
import type { CredentialStore } from '../../core/datasources/docker/docker-config.js';
import { dockerDatasource } from '../../core/datasources/docker/index.js';
import { RegistryClient } from '../../core/datasources/docker/registry-client.js';
import { ActionResolver, GitHubApi, githubTagsDatasource } from '../../core/datasources/github-tags/index.js';
import { PythonIndexClient, pythonIndexDatasource } from '../../core/datasources/python-index/index.js';
import type { DatasourceName } from '../../core/reference.js';
import type { Dispatcher } from 'undici';
import { ALLOW_HOSTS_ENV, guardedDispatcher, parseAllowList, type AllowList } from '../../core/datasources/destination-guard.js';

/** Where a repository's installation reaches GitHub's REST API (github.com or GHES), and with which token. */
export interface GitHubAccess {
  baseUrl: string;
  token: string;
}

/**
 * One scan run: everything shared by the repositories it covers. A scheduled run over a hundred
 * repositories looks each distinct image tag, package index and action ref up once, however many
 * repositories use it. Only what a repository's config changes (insecure registries, mirrors)
 * or its installation's token separates the caches.
 */
export class ScanRun {
  readonly #shared = new Map<string, Datasource>();
  readonly #allow: AllowList;
  /** Every connection a repository's config or files can point somewhere goes through it. */
  readonly #guard: Dispatcher;

  constructor(
    readonly credentials: CredentialStore | undefined,
    readonly env: NodeJS.ProcessEnv = {},
    /** The App's metrics and, with REDIS_URL, the lookup cache the fleet shares, around each datasource. */
    private readonly decorate: DatasourceDecorator = (_name, _namespace, datasource) => datasource,
  ) {
    const parsed = parseAllowList(env[ALLOW_HOSTS_ENV]);
    // The operator's own setting, checked at App start too (app.ts): a typo must never silently widen or narrow what it reaches.
    if (!parsed.ok) throw new Error(parsed.message);
    this.#allow = parsed.allow;
    this.#guard = guardedDispatcher({ allow: this.#allow });
  }

  datasourcesFor(config: RepoConfig, github: GitHubAccess): Datasources {
    const insecure = Object.entries(config.registries).filter(([, r]) => r.insecure).map(([host]) => host).sort();
    const dispatcher = this.#guard;
    return {
      // A repository names its insecure registries, so the App never sends credentials in clear to any of them.
      docker: this.#once('docker', `docker ${insecure.join(',')}`, () =>
        dockerDatasource(new RegistryClient({ insecureRegistries: insecure, plainHttpCredentials: false, dispatcher, ...(this.credentials ? { credentials: this.credentials } : {}) })),
      ),
      'python-index': this.#once('python-index', 'python-index', () =>
        // No `env`: `${VAR}` in a repository's index URLs is not expanded from the App's environment.
        pythonIndexDatasource(
          new PythonIndexClient({ indexUrl: this.env.PIP_INDEX_URL, extraIndexUrls: this.env.PIP_EXTRA_INDEX_URL?.split(/\s+/).filter(Boolean), dispatcher }),
        ),
      ),
      alpine: this.#once('alpine', `alpine ${JSON.stringify(config.alpine ?? {})}`, () =>
        // Trusted keys come from the operator's environment, never from a repository's config.
        alpineDatasource({ mirror: config.alpine?.mirror, arch: config.alpine?.arch, keysDir: this.env[ALPINE_KEYS_ENV] || undefined, dispatcher }),
      ),
      debian: this.#once('debian', `debian ${JSON.stringify([config.debian ?? {}, config.ubuntu ?? {}])}`, () =>
        debianDatasource({
          debian: config.debian,
          ubuntu: config.ubuntu,
          keyrings: { debian: this.env[DEBIAN_KEYRING_ENV] || undefined, ubuntu: this.env[UBUNTU_KEYRING_ENV] || undefined },
          dispatcher,
        }),
      ),
      // Keyed by a hash of the token: installations never share a client, and no token sits in a key.
      'github-tags': this.#once('github-tags', `github ${github.baseUrl} ${createHash('sha256').update(github.token).digest('hex')}`, () =>
        githubTagsDatasource(new ActionResolver(new GitHubApi({ baseUrl: github.baseUrl, token: github.token, dispatcher: this.#guardAllowing(github.baseUrl) }))),
      ),
    };
  }

  /** The operator's GitHub (GHE_HOST) may sit on a private network: its host is allowed, redirects elsewhere are still checked. */
  #guardAllowing(baseUrl: string): Dispatcher {
    const host = new URL(baseUrl).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    return guardedDispatcher({ allow: { hosts: [...this.#allow.hosts, host], addresses: this.#allow.addresses } });
  }

  #once(name: DatasourceName, key: string, create: () => Datasource): Datasource {
    let datasource = this.#shared.get(key);
    if (!datasource) {
      datasource = this.decorate(name, key, create());
      this.#shared.set(key, datasource);
    }
    return datasource;
  }
}
