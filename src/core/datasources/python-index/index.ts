import { compare, satisfies } from '@renovatebot/pep440';
import type { DependencyRef } from '../../reference.js';
import type { Datasource } from '../datasource.js';
import type { PythonIndexClient } from './client.js';

export { PythonIndexClient, PYPI_SIMPLE, type IndexSelection, type PythonIndexOptions } from './client.js';
export type { DistributionFile, TargetInterpreter } from './distributions.js';

/**
 * Python packages from simple-API indexes. The pip manager resolves whole files through
 * `index` (its pins depend on each other); `resolve` answers a single reference — the newest
 * version its specifier allows — for callers that have only one.
 */
export interface PythonIndexDatasource extends Datasource {
  readonly index: PythonIndexClient;
}

export function pythonIndexDatasource(index: PythonIndexClient): PythonIndexDatasource {
  return {
    index,
    lookupKey(ref) {
      return JSON.stringify([ref.name.toLowerCase(), specifierOf(ref)]);
    },
    async resolve(ref) {
      const project = await index.findProject(ref.name, { indexUrls: [...index.defaultIndexes], trustedHosts: [] });
      if (!project.ok) return { ok: false, message: project.message };
      const specifier = specifierOf(ref);
      const versions = [...new Set(project.files.filter((f) => f.yanked === null).map((f) => f.version))]
        .filter((v) => specifier === '' || satisfies(v, specifier))
        .sort(compare);
      const newest = versions[versions.length - 1];
      return newest ? { ok: true, pin: { version: newest } } : { ok: false, message: `no version matches "${specifier}"` };
    },
  };
}

export function isPythonIndexDatasource(datasource: Datasource | undefined): datasource is PythonIndexDatasource {
  return datasource !== undefined && 'index' in datasource;
}

function specifierOf(ref: DependencyRef): string {
  return ref.context?.['specifier'] ?? '';
}
