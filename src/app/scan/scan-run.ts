import type { RepoConfig } from '../../core/config.js';
import type { Datasources } from '../../core/datasources/datasource.js';
import { dockerDatasource } from '../../core/datasources/docker/index.js';
import { RegistryClient } from '../../core/datasources/docker/registry-client.js';
import type { CredentialStore } from '../../core/datasources/docker/docker-config.js';

/**
 * One scan run: everything that is shared by the repositories it covers. A scheduled run over
 * a hundred repositories looks each distinct image tag up once, however many repositories use it.
 */
export class ScanRun {
  readonly #registries = new Map<string, RegistryClient>();

  constructor(readonly credentials: CredentialStore | undefined) {}

  /** Datasources for one repository's config (insecure registries differ per repository). */
  datasourcesFor(config: RepoConfig): Datasources {
    const insecure = Object.entries(config.registries).filter(([, r]) => r.insecure).map(([host]) => host).sort();
    const key = insecure.join(',');
    let client = this.#registries.get(key);
    if (!client) {
      client = new RegistryClient({ insecureRegistries: insecure, ...(this.credentials ? { credentials: this.credentials } : {}) });
      this.#registries.set(key, client);
    }
    return { docker: dockerDatasource(client) };
  }
}
