import { normalizePep440Version } from './pep440-version.js';

/**
 * Distribution files as the simple API lists them, and what their names say: project, version,
 * and for wheels the compatibility tags (https://packaging.python.org/en/latest/specifications/binary-distribution-format/,
 * https://packaging.python.org/en/latest/specifications/source-distribution-format/).
 */

export interface DistributionFile {
  filename: string;
  /** Absolute URL, fragment removed. */
  url: string;
  /** The index page that listed it (credentials removed). */
  index: string;
  /** Hex digest the index gives; null when it gives none (it is then computed from the file). */
  sha256: string | null;
  requiresPython: string | null;
  /** PEP 592: the yank reason ('' when none is given), or null when the file is not yanked. */
  yanked: string | null;
  /** PEP 658/714: the index serves `<url>.metadata`; its digest when the index gives one. */
  coreMetadata: { sha256: string | null } | null;
  kind: 'wheel' | 'sdist';
  /** Normalised PEP 440 version. */
  version: string;
  /** Wheel tags, expanded from compressed tag sets (`py2.py3`); empty for an sdist. */
  tags: WheelTag[];
}

export interface WheelTag {
  python: string;
  abi: string;
  platform: string;
}

/** Archive formats pip accepts as source distributions (`pip._internal.utils.filetypes`). */
const SDIST_EXTENSIONS = ['.tar.gz', '.tgz', '.tar.bz2', '.tbz', '.tar.xz', '.txz', '.tlz', '.tar.lz', '.tar.lzma', '.tar', '.zip'];

export function normalizeProjectName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** What a filename says for a project, or null when it is not a wheel or sdist of it (eggs, installers, other projects). */
export function describeFilename(filename: string, project: string): { kind: 'wheel' | 'sdist'; version: string; tags: WheelTag[] } | null {
  const normalized = normalizeProjectName(project);
  if (filename.toLowerCase().endsWith('.whl')) {
    const parts = filename.slice(0, -4).split('-');
    if (parts.length !== 5 && parts.length !== 6) return null;
    const [name, version] = parts;
    const [python, abi, platform] = parts.slice(-3);
    if (!name || !version || !python || !abi || !platform || normalizeProjectName(name) !== normalized) return null;
    const cleaned = normalizePep440Version(version);
    if (!cleaned) return null;
    const tags: WheelTag[] = [];
    for (const p of python.split('.')) for (const a of abi.split('.')) for (const pl of platform.split('.')) tags.push({ python: p, abi: a, platform: pl });
    return { kind: 'wheel', version: cleaned, tags };
  }
  const extension = SDIST_EXTENSIONS.find((ext) => filename.toLowerCase().endsWith(ext));
  if (!extension) return null;
  const stem = filename.slice(0, -extension.length);
  // The name part may itself hold '-' (legacy sdists): find the split whose left side is the project.
  for (let dash = stem.indexOf('-'); dash !== -1; dash = stem.indexOf('-', dash + 1)) {
    if (normalizeProjectName(stem.slice(0, dash)) !== normalized) continue;
    const cleaned = normalizePep440Version(stem.slice(dash + 1));
    return cleaned ? { kind: 'sdist', version: cleaned, tags: [] } : null;
  }
  return null;
}

/** The interpreter a resolution targets: CPython `major.minor` on glibc Linux x86_64. */
export interface TargetInterpreter {
  /** `3.12` */
  pythonVersion: string;
}

/**
 * Whether pip on the target could install this wheel: CPython on glibc Linux x86_64, so
 * `py3`/`py3N`/`cp3N` python tags, `none`/`abi3`/`cp3N` ABIs, `any`/`linux`/`manylinux*` x86_64 platforms
 * (https://packaging.python.org/en/latest/specifications/platform-compatibility-tags/).
 */
export function isWheelCompatible(tags: WheelTag[], target: TargetInterpreter): boolean {
  const [major, minorText] = target.pythonVersion.split('.');
  const minor = Number(minorText);
  const cp = `cp${major}${minor}`;
  const olderOrSame = (tag: string, prefix: string) => {
    const match = new RegExp(`^${prefix}${major}(\\d*)$`).exec(tag);
    return match !== null && (match[1] === '' || Number(match[1]) <= minor);
  };
  const platformOk = (platform: string) => platform === 'any' || /^(linux|manylinux1|manylinux2010|manylinux2014|manylinux_\d+_\d+)_x86_64$/.test(platform);
  return tags.some(({ python, abi, platform }) => {
    if (!platformOk(platform)) return false;
    if (abi === 'none') return olderOrSame(python, 'py') || python === cp;
    if (abi === 'abi3') return /^cp\d/.test(python) && olderOrSame(python, 'cp');
    return abi === cp && python === cp;
  });
}
