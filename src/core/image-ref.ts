/**
 * Container image references, parsed the way the distribution reference grammar
 * (github.com/distribution/reference, `reference.go`) and Docker normalise them.
 */

export interface ImageRef {
  /** Registry host as written or implied (`docker.io` when the name has no domain). */
  registry: string;
  /** Repository path inside the registry; Docker Hub official images get `library/`. */
  repository: string;
  tag: string | null;
  digest: string | null;
  /** The name as written, without tag or digest. */
  name: string;
}

export const DOCKER_HUB = 'docker.io';

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const sha256Digest = /^sha256:[a-f0-9]{64}$/;
const domainPattern = /^(?:localhost|\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::\d+)?$/;

/** Parses an image reference; returns a sentence saying what is wrong when it is not one. */
export function parseImageRef(text: string): ImageRef | { error: string } {
  if (text.length === 0) return { error: 'empty image reference' };
  if (text.length > 512) return { error: 'image reference is longer than 512 characters' };
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) return { error: `"${digest}" is not a valid digest` };
    if (digest.startsWith('sha256:') && !sha256Digest.test(digest)) {
      return { error: `"${digest}" is not a sha256 digest of 64 lowercase hex characters` };
    }
  }
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) return { error: `"${tag}" is not a valid tag` };
  }
  const name = rest;
  const components = name.split('/');
  let registry = DOCKER_HUB;
  const first = components[0] ?? '';
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    if (!domainPattern.test(first)) return { error: `"${first}" is not a valid registry host` };
    registry = first;
    components.shift();
  }
  if (components.length === 0) return { error: 'image reference has no repository name' };
  for (const component of components) {
    if (!pathComponent.test(component)) {
      return { error: `"${name}" is not a valid image name (names are lowercase letters, digits and separators)` };
    }
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  let repository = components.join('/');
  if (registry === DOCKER_HUB && components.length === 1) repository = `library/${repository}`;
  return { registry, repository, tag, digest, name };
}

export function isImageRefError(value: ImageRef | { error: string }): value is { error: string } {
  return 'error' in value;
}

/** The tag a lookup resolves: Docker's default is `latest` when none is written. */
export function effectiveTag(ref: ImageRef): string {
  return ref.tag ?? 'latest';
}

/** Identity of a lookup: one per distinct (registry, repository, tag) per run. */
export function lookupKey(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}:${effectiveTag(ref)}`;
}

/**
 * Writes a pin into the text of a reference as written, keeping everything before the digest
 * (including unexpanded `${VAR}`s). An untagged reference gets the `latest` it resolved to, so
 * the pinned text says which tag the digest came from.
 */
export function writeImagePin(raw: string, ref: ImageRef, digest: string): string {
  const at = raw.lastIndexOf('@');
  const base = at === -1 ? raw : raw.slice(0, at);
  // A variable in the last path component might carry the tag itself; anywhere else it cannot.
  const lastComponent = base.slice(base.lastIndexOf('/') + 1);
  const withTag = ref.tag === null && !lastComponent.includes('$') ? `${base}:latest` : base;
  return `${withTag}@${digest}`;
}
