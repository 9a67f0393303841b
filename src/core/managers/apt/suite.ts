import type { RepoConfig } from '../../config.js';
import { DOCKER_HUB, isImageRefError, parseImageRef } from '../../image-ref.js';
import type { Distro } from '../../datasources/debian/index.js';
import type { DockerfileStage } from '../dockerfile/stages.js';

/**
 * Which Debian or Ubuntu release an image is built on, from its name and tag. Every mapping
 * that is not written in the tag itself lives in this file.
 */

export type SuiteDetection = { distro: Distro; suite: string } | { distro: Distro | null; unknown: string };

export const DEBIAN_RELEASES: Readonly<Record<string, string>> = { '10': 'buster', '11': 'bullseye', '12': 'bookworm', '13': 'trixie', '14': 'forky' };
export const UBUNTU_RELEASES: Readonly<Record<string, string>> = {
  '18.04': 'bionic',
  '20.04': 'focal',
  '22.04': 'jammy',
  '24.04': 'noble',
  '24.10': 'oracular',
  '25.04': 'plucky',
  '25.10': 'questing',
};
/**
 * Releases that left deb.debian.org for archive.debian.org: named, so `python:3.7-slim-stretch`
 * is not taken for the current stable, and skipped unless a `debian.mirror` is configured (which
 * then serves them, e.g. http://archive.debian.org/debian).
 */
export const ARCHIVED_DEBIAN_RELEASES: Readonly<Record<string, string>> = { '7': 'wheezy', '8': 'jessie', '9': 'stretch' };
const archivedCodenames = new Set(Object.values(ARCHIVED_DEBIAN_RELEASES));
const ARCHIVED_HINT = 'it is only on archive.debian.org now: set debian.mirror (e.g. http://archive.debian.org/debian) and debian.suite in .github/repro-pins.yml to pin from there';

/** Debian's moving suite names, which its archive serves under `dists/` too. */
const DEBIAN_SUITE_ALIASES = new Set(['stable', 'oldstable', 'oldoldstable', 'testing', 'unstable', 'sid']);

/**
 * The Debian release of Docker official images whose plain tags (`python:3.12-slim`,
 * `golang:1.23`) name none: docker-library builds them on the current Debian stable, trixie
 * since August 2025 (docker-library/official-images `library/python`, `library/golang`,
 * October 2025). Only images checked there are listed; others must name their release
 * (`node:20-bookworm-slim`) or set `debian.suite`. Revisit when Debian 14 (forky) is released.
 */
export const OFFICIAL_IMAGE_DEFAULT_DEBIAN: Readonly<Record<string, string>> = { python: 'trixie', golang: 'trixie' };

const CONFIG_HINT = 'name the release in the tag (debian:bookworm-slim, python:3.12-slim-bookworm, ubuntu:24.04) or set debian.suite or ubuntu.suite in .github/repro-pins.yml';

const debianCodenames = new Set(Object.values(DEBIAN_RELEASES));
const ubuntuCodenames = new Set(Object.values(UBUNTU_RELEASES));

export function debianSuiteOf(image: string): SuiteDetection {
  const parsed = parseImageRef(image);
  if (isImageRefError(parsed)) return { distro: null, unknown: `the base image "${image}" is not a valid image reference` };
  const repository = parsed.repository.slice(parsed.repository.lastIndexOf('/') + 1);
  const tag = parsed.tag ?? 'latest';
  const parts = tag.split(/[-_]/);
  const first = parts[0]!;
  const archived = parts.find((p) => archivedCodenames.has(p)) ?? (repository === 'debian' ? ARCHIVED_DEBIAN_RELEASES[/^(\d+)(?:\.\d+)*$/.exec(first)?.[1] ?? ''] : undefined);
  if (archived) return { distro: 'debian', unknown: `${image} is built on Debian ${archived}, which ${ARCHIVED_HINT}` };
  if (repository === 'debian') {
    // debian:latest is the current stable, which the archive serves as `stable`.
    if (first === 'latest') return { distro: 'debian', suite: 'stable' };
    if (debianCodenames.has(first) || DEBIAN_SUITE_ALIASES.has(first)) return { distro: 'debian', suite: first === 'unstable' ? 'sid' : first };
    const major = /^(\d+)(?:\.\d+)*$/.exec(first)?.[1];
    const release = major === undefined ? undefined : DEBIAN_RELEASES[major];
    if (release) return { distro: 'debian', suite: release };
    return { distro: 'debian', unknown: `${image} names no Debian release repro-pins knows: ${CONFIG_HINT}` };
  }
  if (repository === 'ubuntu') {
    if (ubuntuCodenames.has(first)) return { distro: 'ubuntu', suite: first };
    const release = UBUNTU_RELEASES[/^\d+\.\d+/.exec(first)?.[0] ?? ''];
    if (release) return { distro: 'ubuntu', suite: release };
    return { distro: 'ubuntu', unknown: `${image} does not say which Ubuntu release it is (latest and rolling move): ${CONFIG_HINT}` };
  }
  const debian = parts.find((p) => debianCodenames.has(p)) ?? debianByNumber(parts);
  if (debian) return { distro: 'debian', suite: debian };
  const ubuntu = parts.find((p) => ubuntuCodenames.has(p));
  if (ubuntu) return { distro: 'ubuntu', suite: ubuntu };
  const isOfficial = parsed.registry === DOCKER_HUB && parsed.repository === `library/${repository}`;
  const fallback = OFFICIAL_IMAGE_DEFAULT_DEBIAN[repository];
  if (isOfficial && fallback && !/alpine|windows|nanoserver/.test(tag)) return { distro: 'debian', suite: fallback };
  return { distro: null, unknown: `cannot tell which Debian or Ubuntu release ${image} is built on: ${CONFIG_HINT}` };
}

/** `base:debian13`, `app:1.2-debian12-slim`, `foo:debian-12`: Debian named by its number in a tag. */
function debianByNumber(parts: string[]): string | undefined {
  for (let i = 0; i < parts.length; i++) {
    const joined = /^debian(\d+)$/.exec(parts[i]!)?.[1] ?? (parts[i] === 'debian' ? /^(\d+)$/.exec(parts[i + 1] ?? '')?.[1] : undefined);
    const release = joined === undefined ? undefined : DEBIAN_RELEASES[joined];
    if (release) return release;
  }
  return undefined;
}

/** The suite a stage's packages come from: the config's suite for the stage's distribution, else its base image. */
export function suiteForStage(stage: DockerfileStage, config: RepoConfig | undefined): SuiteDetection {
  const detected: SuiteDetection = stage.baseImage === null ? { distro: null, unknown: `the stage's base image is not known statically (${stage.unknownBase ?? 'no image'}); ${CONFIG_HINT}` } : debianSuiteOf(stage.baseImage);
  const debianSuite = config?.debian?.suite;
  const ubuntuSuite = config?.ubuntu?.suite;
  if (detected.distro === 'debian' && debianSuite) return { distro: 'debian', suite: debianSuite };
  if (detected.distro === 'ubuntu' && ubuntuSuite) return { distro: 'ubuntu', suite: ubuntuSuite };
  if (detected.distro === null && 'unknown' in detected) {
    if (debianSuite) return { distro: 'debian', suite: debianSuite };
    if (ubuntuSuite) return { distro: 'ubuntu', suite: ubuntuSuite };
  }
  return detected;
}
