import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { DOCKER_HUB } from '../../image-ref.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/**
 * Credentials by registry name as `ImageRef.registry` spells it (`docker.io`, `ghcr.io`,
 * `localhost:5000`). A `Map<string, RegistryCredentials>` with such keys is one.
 */
export interface CredentialStore {
  get(registry: string): RegistryCredentials | undefined;
}

// Only the keys we read; the file holds many others (credsStore, proxies, HttpHeaders, ...).
const dockerConfigSchema = z.looseObject({
  auths: z
    .record(z.string(), z.looseObject({ auth: z.string().optional(), username: z.string().optional(), password: z.string().optional() }))
    .optional(),
});

/**
 * Reads the `auths` map of the Docker CLI config (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`), as `docker login` writes it.
 *
 * Credential helpers (`credsStore`, `credHelpers`) are not supported: they mean running an external
 * `docker-credential-*` program; entries they own appear in `auths` with no secret and are skipped,
 * as are `identitytoken` (OAuth refresh token) entries.
 */
export function loadDockerCredentials(env: NodeJS.ProcessEnv = process.env): CredentialStore {
  const file = env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(env.HOME || homedir(), '.docker', 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new Error(`Could not read the Docker config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the error, which may be a secret.
    throw new Error(`The Docker config file ${file} is not valid JSON; fix it or run \`docker login\` again.`);
  }
  const parsed = dockerConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`The Docker config file ${file} does not have the shape \`docker login\` writes: "auths" must map registries to objects of strings.`);
  }
  const store = new Map<string, RegistryCredentials>();
  for (const [key, entry] of Object.entries(parsed.data.auths ?? {})) {
    let { username, password } = entry;
    if (entry.auth) {
      // As the Docker CLI does, `auth` (base64 of "user:password") wins over the separate fields.
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) throw new Error(`The Docker config file ${file} has an "auth" for "${key}" that is not base64 of user:password.`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (username && password !== undefined) store.set(normalizeRegistryKey(key), { username, password });
  }
  return { get: (registry) => store.get(normalizeRegistryKey(registry)) };
}

/**
 * `auths` keys are bare hosts or URLs; Docker Hub's is the legacy `https://index.docker.io/v1/`
 * (docker/cli `registry.IndexServer`).
 */
function normalizeRegistryKey(key: string): string {
  const host = (key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0] ?? '').toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}
