import { createHash } from 'node:crypto';
import { z } from 'zod';
import { describeStatus } from '../http.js';
import { HttpFetcher, type FetcherOptions, type Reply } from '../http-fetcher.js';
import { DOCKER_HUB, effectiveTag, lookupKey, type ImageRef } from '../../image-ref.js';
import type { DigestLookup, ImageDigestResolver } from '../datasource.js';
import type { CredentialStore, RegistryCredentials } from './docker-config.js';

/** The shared fetcher's retry and concurrency settings, plus who the client may talk to and how. */
export interface RegistryClientOptions extends FetcherOptions {
  /** Registries (`host[:port]`) spoken to over plain HTTP; loopback registries always are. */
  insecureRegistries?: string[];
  /** Credentials by registry name as `ImageRef.registry` spells it; a `Map` works. */
  credentials?: CredentialStore;
  /**
   * Whether credentials may go over plain HTTP to the registries it is allowed for (loopback and
   * `insecureRegistries`). The CLI says yes, as Docker does; the App says no, because a
   * repository's config names its insecure registries and must not get the operator's
   * credentials sent in clear.
   */
  plainHttpCredentials?: boolean;
}

export interface RequestCounts {
  manifestRequests: number;
  tokenRequests: number;
  retries: number;
}

export interface RegistryStats extends RequestCounts {
  /** The same counts by the host the requests went to (token services included). */
  byHost: Map<string, RequestCounts>;
}

type Failure = { ok: false; message: string };
type Outcome<T> = ({ ok: true } & T) | Failure;

interface Target {
  registry: string;
  host: string;
  baseUrl: string;
  repository: string;
  tag: string;
  /** `repository:tag`, as messages show it. */
  display: string;
}

interface Challenge {
  scheme: string;
  realm: string | undefined;
  service: string | undefined;
  scope: string | undefined;
}

// https://github.com/opencontainers/image-spec/blob/main/media-types.md and the Docker v2.2 manifest spec.
const MANIFEST_MEDIA_TYPE_LIST = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const MANIFEST_MEDIA_TYPES = MANIFEST_MEDIA_TYPE_LIST.join(', ');
// Docker's schema 1 (https://distribution.github.io/distribution/spec/deprecated-schema-v1/): by
// exact name, so OCI's `application/vnd.oci.image.manifest.v1+json` is never taken for it.
const SCHEMA1_MEDIA_TYPES = ['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws'];
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
// Docker Hub serves the v2 API from a host other than the name users write (docker/cli `registry.DefaultV2Registry`).
const DOCKER_HUB_HOST = 'registry-1.docker.io';
// https://distribution.github.io/distribution/spec/auth/token/#token-response-fields: "defaults to 60 seconds".
const DEFAULT_TOKEN_LIFETIME_S = 60;
// Renew a little early so a token does not expire between cache lookup and use.
const TOKEN_LIFETIME_USED = 0.9;

const tokenResponseSchema = z.looseObject({
  token: z.string().min(1).optional(),
  access_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
});

/**
 * Resolves tags to manifest digests over the OCI distribution API, one lookup per distinct
 * (registry, repository, tag) for the lifetime of the client — create one per run.
 */
export class RegistryClient implements ImageDigestResolver {
  readonly stats: RegistryStats = { manifestRequests: 0, tokenRequests: 0, retries: 0, byHost: new Map() };

  readonly #insecure: Set<string>;
  readonly #credentials: CredentialStore | undefined;
  readonly #plainHttpCredentials: boolean;
  readonly #http: HttpFetcher;
  readonly #lookups = new Map<string, Promise<DigestLookup>>();
  readonly #tokens = new Map<string, Promise<Outcome<{ token: string; expiresAt: number }>>>();
  /** The last challenge each host sent, so later lookups fetch their token before the first request. */
  readonly #challenges = new Map<string, Challenge>();

  constructor(options: RegistryClientOptions = {}) {
    this.#insecure = new Set((options.insecureRegistries ?? []).map((host) => host.toLowerCase()));
    this.#credentials = options.credentials;
    this.#plainHttpCredentials = options.plainHttpCredentials ?? true;
    // Registries answer fast or not at all: a shorter timeout than the fetcher's default.
    this.#http = new HttpFetcher({ timeoutMs: 30_000, ...options });
  }

  /** Concurrent and repeated calls for the same lookup share one answer, failures included. */
  resolveDigest(ref: ImageRef): Promise<DigestLookup> {
    const key = lookupKey(ref);
    let lookup = this.#lookups.get(key);
    if (!lookup) {
      lookup = this.#lookup(ref);
      this.#lookups.set(key, lookup);
    }
    return lookup;
  }

  async #lookup(ref: ImageRef): Promise<DigestLookup> {
    const target = this.#target(ref);
    // HEAD first: it does not count against Docker Hub's pull limit (https://docs.docker.com/docker-hub/usage/pulls/).
    const head = await this.#requestManifest(target, 'HEAD');
    if (!head.ok) return head;
    if (head.reply.status !== 405) {
      const failure = explainStatus(target, head.reply) ?? explainMediaType(target, head.reply, 'HEAD');
      if (failure) return failure;
      // HEAD has no body to hash, so only here is the header trusted; one that is missing, or in
      // another algorithm, falls through to a GET whose bytes we hash ourselves.
      // https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
      const digest = head.reply.headers.get('docker-content-digest');
      if (digest !== null && SHA256_DIGEST.test(digest)) return { ok: true, digest };
    }
    const get = await this.#requestManifest(target, 'GET');
    if (!get.ok) return get;
    const failure = explainStatus(target, get.reply) ?? explainMediaType(target, get.reply, 'GET');
    if (failure) return failure;
    if (get.reply.body.length === 0) return fail(`registry ${target.registry} answered an empty manifest for ${target.display}`);
    // The digest of the exact bytes served, never of a re-serialisation: the body is not parsed.
    return { ok: true, digest: `sha256:${createHash('sha256').update(get.reply.body).digest('hex')}` };
  }

  #target(ref: ImageRef): Target {
    const host = ref.registry === DOCKER_HUB ? DOCKER_HUB_HOST : ref.registry;
    const tag = effectiveTag(ref);
    return {
      registry: ref.registry,
      host,
      baseUrl: `${this.#allowsPlainHttp(host) ? 'http' : 'https'}://${host}`,
      repository: ref.repository,
      tag,
      display: `${ref.repository}:${tag}`,
    };
  }

  // Docker treats loopback registries as insecure automatically
  // (https://docs.docker.com/reference/cli/dockerd/#insecure-registries).
  #allowsPlainHttp(host: string): boolean {
    const lower = host.toLowerCase();
    const name = lower.startsWith('[') ? lower.slice(0, lower.indexOf(']') + 1) : lower.replace(/:\d+$/, '');
    return name === 'localhost' || name === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(name) || this.#insecure.has(lower);
  }

  /** One manifest request, answering at most two authentication challenges. */
  async #requestManifest(target: Target, method: 'HEAD' | 'GET'): Promise<Outcome<{ reply: Reply }>> {
    const url = `${target.baseUrl}/v2/${target.repository}/manifests/${target.tag}`;
    let authorization: string | undefined;
    const known = this.#challenges.get(target.host);
    if (known) {
      // Saves the anonymous round trip; if it fails, the 401 below says why.
      const auth = await this.#authorize(known, target, defaultScope(target));
      if (auth.ok) authorization = auth.header;
    }
    for (let pass = 0; pass < 2; pass += 1) {
      const sent = await this.#send(url, method, { accept: MANIFEST_MEDIA_TYPES, ...(authorization && { authorization }) }, 'manifest', target);
      if (!sent.ok || sent.reply.status !== 401) return sent;
      const challenge = parseChallenge(sent.reply.headers.get('www-authenticate'));
      if (!challenge) return fail(`registry ${target.registry} answered 401 Unauthorized for ${target.display} without saying how to authenticate`);
      this.#challenges.set(target.host, challenge);
      const auth = await this.#authorize(challenge, target, challenge.scope ?? defaultScope(target));
      if (!auth.ok) return auth;
      if (auth.header === authorization) break;
      authorization = auth.header;
    }
    return this.#denied(target);
  }

  async #authorize(challenge: Challenge, target: Target, scope: string): Promise<Outcome<{ header: string }>> {
    const credentials = this.#credentials?.get(target.registry);
    if (challenge.scheme === 'basic') {
      if (!credentials) return this.#denied(target);
      if (!this.#mayCarryCredentials(new URL(target.baseUrl))) return this.#clearTextRefused(target);
      return { ok: true, header: basicAuthorization(credentials) };
    }
    if (challenge.scheme !== 'bearer') {
      return fail(`registry ${target.registry} asks for "${challenge.scheme}" authentication, which is not supported (only Bearer and Basic are)`);
    }
    const realm = challenge.realm;
    if (!realm || !/^https?:\/\//i.test(realm) || !URL.canParse(realm)) {
      return fail(`registry ${target.registry} sent a Bearer challenge without a usable token realm for ${target.display}`);
    }
    const key = JSON.stringify([realm, challenge.service ?? '', scope]);
    let token = this.#tokens.get(key);
    const cached = token && (await token);
    if (!token || (cached && cached.ok && Date.now() >= cached.expiresAt)) {
      token = this.#fetchToken(new URL(realm), challenge.service, scope, target);
      this.#tokens.set(key, token);
    }
    const result = await token;
    return result.ok ? { ok: true, header: `Bearer ${result.token}` } : result;
  }

  // https://distribution.github.io/distribution/spec/auth/token/#requesting-a-token
  async #fetchToken(url: URL, service: string | undefined, scope: string, target: Target): Promise<Outcome<{ token: string; expiresAt: number }>> {
    if (service) url.searchParams.set('service', service);
    for (const each of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', each);
    const credentials = this.#credentials?.get(target.registry);
    // Never send a password in clear text to a host we would not speak plain HTTP with.
    const sendCredentials = credentials && this.#mayCarryCredentials(url);
    const sent = await this.#send(url.href, 'GET', sendCredentials ? { authorization: basicAuthorization(credentials) } : {}, 'token', target);
    if (!sent.ok) return sent;
    const { status, body } = sent.reply;
    if (status === 401 || status === 403) return this.#denied(target);
    if (status < 200 || status >= 300) return fail(`token service ${url.host} answered ${describeStatus(status)} for ${target.display}`);
    const parsed = tokenResponseSchema.safeParse(parseJson(body));
    const token = parsed.success ? (parsed.data.token ?? parsed.data.access_token) : undefined;
    if (!parsed.success || !token) return fail(`token service ${url.host} answered without a token for ${target.display}`);
    const lifetimeS = parsed.data.expires_in ?? DEFAULT_TOKEN_LIFETIME_S;
    return { ok: true, token, expiresAt: Date.now() + lifetimeS * 1000 * TOKEN_LIFETIME_USED };
  }

  #mayCarryCredentials(url: URL): boolean {
    return url.protocol === 'https:' || (this.#plainHttpCredentials && this.#allowsPlainHttp(url.host));
  }

  #clearTextRefused(target: Target): Failure {
    return fail(`registry ${target.registry} asks for Basic credentials over plain HTTP for ${target.display}; the App never sends credentials in clear (serve the registry over https)`);
  }

  #denied(target: Target): Failure {
    const login = `docker login ${target.registry}`;
    return this.#credentials?.get(target.registry)
      ? fail(`registry ${target.registry} refused the credentials for ${target.display}: check them with \`${login}\``)
      : fail(`registry ${target.registry} requires authentication for ${target.display}: add credentials with \`${login}\` (or check that the repository exists)`);
  }

  /** Sends one request through the shared retry policy, counting every try for the stats. */
  async #send(url: string, method: 'HEAD' | 'GET', headers: Record<string, string>, kind: 'manifest' | 'token', target: Target): Promise<Outcome<{ reply: Reply }>> {
    const host = new URL(url).host;
    return this.#http.request(url, {
      method,
      headers,
      kind,
      subject: `${kind === 'manifest' ? 'registry' : 'token service'} ${host}`,
      about: target.display,
      onAttempt: (attempt) => {
        this.#count(host, kind === 'manifest' ? 'manifestRequests' : 'tokenRequests');
        if (attempt > 1) this.#count(host, 'retries');
      },
    });
  }

  #count(host: string, counter: keyof RequestCounts): void {
    this.stats[counter] += 1;
    let perHost = this.stats.byHost.get(host);
    if (!perHost) {
      perHost = { manifestRequests: 0, tokenRequests: 0, retries: 0 };
      this.stats.byHost.set(host, perHost);
    }
    perHost[counter] += 1;
  }
}

function fail(message: string): Failure {
  return { ok: false, message };
}

function explainStatus(target: Target, reply: Reply): Failure | undefined {
  if (reply.status >= 200 && reply.status < 300) return undefined;
  if (reply.status === 404) return fail(`tag "${target.tag}" not found in registry ${target.registry} (${target.repository})`);
  return fail(`registry ${target.registry} answered ${describeStatus(reply.status)} for ${target.display}`);
}


/**
 * Only the four manifest media types are pinned: anything else (an HTML login page answered
 * with 200, a blob) would be hashed into a digest no client can pull. HEAD is checked when it
 * names a type; schema 1 has its own sentence, since its digest covers the payload without its
 * signatures, not the bytes served.
 */
function explainMediaType(target: Target, reply: Reply, method: 'HEAD' | 'GET'): Failure | undefined {
  const header = reply.headers.get('content-type');
  if (header === null && method === 'HEAD') return undefined;
  const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
  if (MANIFEST_MEDIA_TYPE_LIST.includes(type)) return undefined;
  if (SCHEMA1_MEDIA_TYPES.includes(type)) {
    return fail(`registry ${target.registry} serves only a deprecated schema 1 manifest for ${target.display}, which cannot be pinned by digest`);
  }
  const shown = header === null ? 'no Content-Type' : `Content-Type ${JSON.stringify(header.slice(0, 100))}`;
  return fail(`registry ${target.registry} answered ${method} for ${target.display} with ${shown}, not a manifest media type (${MANIFEST_MEDIA_TYPES})`);
}

function defaultScope(target: Target): string {
  return `repository:${target.repository}:pull`;
}

function basicAuthorization({ username, password }: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` (RFC 9110 §11.6.1); the first challenge only. */
function parseChallenge(header: string | null): Challenge | undefined {
  const match = header?.match(/^\s*([A-Za-z][\w-]*)(.*)$/s);
  const scheme = match?.[1];
  if (!scheme) return undefined;
  const params = new Map<string, string>();
  for (const [, key, quoted, bare] of (match[2] ?? '').matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    if (key) params.set(key.toLowerCase(), quoted?.replace(/\\(.)/g, '$1') ?? bare ?? '');
  }
  return { scheme: scheme.toLowerCase(), realm: params.get('realm'), service: params.get('service'), scope: params.get('scope') };
}


function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
