/**
 * A Debian `Packages` index (deb822 stanzas: https://wiki.debian.org/DebianRepository/Format#A.22Packages.22_Indices),
 * read for the fields a pin needs. A `binary-<arch>` index also lists the `Architecture: all`
 * packages, which install on every architecture.
 */

export interface DebianPackage {
  name: string;
  version: string;
  architecture: string;
  /** `same`, `foreign`, `allowed`, or null when the stanza has no Multi-Arch field. */
  multiArch: string | null;
}

/** Every stanza by package name; one name may have several (one per architecture, or several versions). */
export function parsePackagesIndex(text: string): Map<string, DebianPackage[]> {
  const packages = new Map<string, DebianPackage[]>();
  let name: string | null = null;
  let version: string | null = null;
  let architecture: string | null = null;
  let multiArch: string | null = null;
  const flush = () => {
    if (name && version) {
      const entry = { name, version, architecture: architecture ?? 'all', multiArch };
      const list = packages.get(name);
      if (list) list.push(entry);
      else packages.set(name, [entry]);
    }
    name = version = architecture = multiArch = null;
  };
  let at = 0;
  while (at <= text.length) {
    const newline = text.indexOf('\n', at);
    const end = newline === -1 ? text.length : newline;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(at, end - 1) : text.slice(at, end);
    at = end + 1;
    if (line.trim() === '') {
      flush();
      continue;
    }
    // Continuation lines (a long Description) start with a space or a tab.
    if (line[0] === ' ' || line[0] === '\t') continue;
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const key = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'package') name = value;
    else if (key === 'version') version = value;
    else if (key === 'architecture') architecture = value;
    else if (key === 'multi-arch') multiArch = value;
  }
  flush();
  return packages;
}
