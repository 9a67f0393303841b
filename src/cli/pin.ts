import { join } from 'node:path';
import { formatProblem, type ManagerName, type Problem } from '../core/reference.js';
import { planPins, type PinChange } from '../core/plan.js';
import { managersByName } from '../core/managers/index.js';
import { RegistryClient } from '../core/datasources/docker/registry-client.js';
import { dockerDatasource } from '../core/datasources/docker/index.js';
import { PythonIndexClient, pythonIndexDatasource } from '../core/datasources/python-index/index.js';
import { ActionResolver, DEFAULT_GITHUB_API_URL, GitHubApi, githubTagsDatasource, parseGitHubApiUrl } from '../core/datasources/github-tags/index.js';
import { ALPINE_KEYS_ENV, alpineDatasource } from '../core/datasources/alpine/index.js';
import { DEBIAN_KEYRING_ENV, debianDatasource, UBUNTU_KEYRING_ENV } from '../core/datasources/debian/index.js';
import type { Datasources } from '../core/datasources/datasource.js';
import { loadDockerCredentials } from '../core/datasources/docker/docker-config.js';
import type { RepoConfig } from '../core/config.js';
import type { CliIo } from './main.js';
import { stopWritesOnSignals, writeFileAtomic } from './local-repo.js';
import { Semaphore } from '../core/concurrency.js';
import { progressReporter } from './progress.js';
import { referenceJson } from './scan.js';
import { scanDirectory, UsageError } from './repo-context.js';

export interface PinOptions {
  dryRun: boolean;
  json: boolean;
  only: ManagerName[] | null;
}

/** The datasources of one CLI run: each is created once, so its cache spans every file. */
export function datasourcesFor(config: RepoConfig, env: NodeJS.ProcessEnv): Datasources {
  return {
    docker: dockerDatasource(registryClientFor(config, env)),
    // pip's own variables; ${VAR} in index URLs expands from the same environment, as pip does.
    'python-index': pythonIndexDatasource(
      new PythonIndexClient({ indexUrl: env.PIP_INDEX_URL, extraIndexUrls: env.PIP_EXTRA_INDEX_URL?.split(/\s+/).filter(Boolean), env }),
    ),
    'github-tags': githubTagsDatasource(new ActionResolver(githubApiFor(env))),
    // Trusted keys come from the user's environment, never from the repository's config.
    alpine: alpineDatasource({ mirror: config.alpine?.mirror, arch: config.alpine?.arch, keysDir: env[ALPINE_KEYS_ENV] || undefined }),
    debian: debianDatasource({ debian: config.debian, ubuntu: config.ubuntu, keyrings: { debian: env[DEBIAN_KEYRING_ENV] || undefined, ubuntu: env[UBUNTU_KEYRING_ENV] || undefined } }),
  };
}

/** GitHub's REST API as GitHub Actions itself names it: GITHUB_API_URL (GHES: https://HOST/api/v3) and GITHUB_TOKEN. */
export function githubApiFor(env: NodeJS.ProcessEnv): GitHubApi {
  const parsed = parseGitHubApiUrl(env.GITHUB_API_URL || DEFAULT_GITHUB_API_URL);
  if (!parsed.ok) throw new UsageError(`GITHUB_API_URL: ${parsed.message}`);
  return new GitHubApi({ baseUrl: parsed.url, token: env.GITHUB_TOKEN || undefined });
}

export function registryClientFor(config: RepoConfig, env: NodeJS.ProcessEnv): RegistryClient {
  let credentials;
  try {
    credentials = loadDockerCredentials(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const insecureRegistries = Object.entries(config.registries).filter(([, r]) => r.insecure).map(([host]) => host);
  return new RegistryClient({ insecureRegistries, credentials });
}

function describeChange(change: PinChange): string {
  const from = change.from ? `${change.from.length > 24 ? `${change.from.slice(0, 19)}…` : change.from} → ` : '';
  const note = change.note ? `\t(${change.note})` : '';
  return `${change.file}:${change.line}\t${change.name}${change.value === null ? '' : `:${change.value}`}\t${from}${change.to}${note}`;
}

export async function runPin(dir: string, options: PinOptions, io: CliIo): Promise<number> {
  const uninstall = stopWritesOnSignals();
  try {
    return await pinDirectory(dir, options, io);
  } finally {
    uninstall();
  }
}

async function pinDirectory(dir: string, options: PinOptions, io: CliIo): Promise<number> {
  const scan = await scanDirectory(dir, options.only);
  const datasources = datasourcesFor(scan.config, io.env);
  const progress = progressReporter(io.stderr, io.isTTY, 'Resolving');
  const plan = await planPins(scan.files, scan.refs, datasources, managersByName, scan.config, progress.update);

  // Every file is written on its own, atomically: one failure leaves the others pinned.
  const written: string[] = [];
  const writeProblems: Problem[] = [];
  if (!options.dryRun) {
    // Each write waits on an fsync; a few in flight keep the disk busy without exhausting file handles.
    const writes = new Semaphore(16);
    await Promise.all(
      [...plan.files].map(([path, text]) =>
        writes.run(async () => {
          try {
            await writeFileAtomic(join(dir, path), text);
            written.push(path);
          } catch (error) {
            writeProblems.push({ file: path, line: 1, dependency: null, message: `could not be written: ${(error as Error).message}` });
          }
        }),
      ),
    );
    written.sort();
  }
  const problems = [...scan.problems, ...plan.problems, ...writeProblems];

  if (options.json) {
    const document = {
      dryRun: options.dryRun,
      changes: plan.changes,
      written,
      current: plan.current.map(referenceJson),
      skipped: plan.skipped.map(referenceJson),
      errors: problems,
    };
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    for (const change of plan.changes) io.stdout.write(`${describeChange(change)}\n`);
    for (const ref of plan.skipped) io.stderr.write(`skipped: ${ref.file}:${ref.line}: ${ref.name}: ${ref.skipped}\n`);
    for (const problem of problems) io.stderr.write(`error: ${formatProblem(problem)}\n`);
    const verb = options.dryRun ? 'would pin' : 'pinned';
    io.stderr.write(
      `${verb} ${plan.changes.length} references in ${plan.files.size} files; ${plan.current.length} already current; ` +
        `${plan.skipped.length} skipped; ${problems.length} errors; ${plan.lookups} distinct lookups\n`,
    );
  }
  return problems.length > 0 ? 1 : 0;
}
