/**
 * Debian version comparison, as dpkg does it (deb-version(7); dpkg `lib/dpkg/version.c`,
 * `dpkg_version_compare` and `verrevcmp`): `[epoch:]upstream[-revision]`, compared epoch first
 * (as a number), then upstream, then revision, each by alternating non-digit and digit runs.
 * In the non-digit runs `~` sorts before everything, even the end of the string (so
 * `1.0~rc1` < `1.0`), letters sort before every other character, and digit runs compare as
 * numbers.
 */

export interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** Splits a version into its parts the way dpkg's `parseversion` does (an absent revision is ""). */
export function parseDebianVersion(version: string): DebianVersion {
  const text = version.trim();
  const colon = text.indexOf(':');
  const epochText = colon === -1 ? '' : text.slice(0, colon);
  const epoch = /^\d+$/.test(epochText) ? Number(epochText) : 0;
  const rest = colon === -1 ? text : text.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  return dash === -1 ? { epoch, upstream: rest, revision: '' } : { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

/** Negative when a sorts before b, positive when after, 0 when dpkg considers them equal. */
export function compareDebianVersions(a: string, b: string): number {
  const x = parseDebianVersion(a);
  const y = parseDebianVersion(b);
  if (x.epoch !== y.epoch) return x.epoch > y.epoch ? 1 : -1;
  return Math.sign(compareVersionPart(x.upstream, y.upstream)) || Math.sign(compareVersionPart(x.revision, y.revision));
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLetter = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

/** dpkg's `order`: the weight of one character in a non-digit run; the end of the string weighs 0. */
function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isLetter(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's `verrevcmp`. */
function compareVersionPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDiff = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Longer than any real version or name: a bound, so a hostile index cannot make a pin of a megabyte. */
const MAX_LENGTH = 256;
const UPSTREAM = /^[0-9][A-Za-z0-9.+~-]*$/;
const UPSTREAM_WITHOUT_REVISION = /^[0-9][A-Za-z0-9.+~]*$/;
const REVISION = /^[A-Za-z0-9.+~]+$/;

/**
 * Debian policy §5.6.12 (https://www.debian.org/doc/debian-policy/ch-controlfields.html#version):
 * `[epoch:]upstream_version[-debian_revision]`; the epoch is digits, the upstream version starts
 * with a digit and holds only alphanumerics and `. + ~` (and `-` only when a revision follows),
 * the revision only alphanumerics and `+ . ~`. A version from a mirror goes into a RUN line
 * (`apt-get install curl=<Version>`), so anything else is refused.
 */
export function isDebianVersion(version: string): boolean {
  if (version.length > MAX_LENGTH) return false;
  const colon = version.indexOf(':');
  if (colon !== -1 && !/^[0-9]+$/.test(version.slice(0, colon))) return false;
  const rest = version.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  if (dash === -1) return UPSTREAM_WITHOUT_REVISION.test(rest);
  return UPSTREAM.test(rest.slice(0, dash)) && REVISION.test(rest.slice(dash + 1));
}

/** Debian policy §5.6.1: lower case letters, digits and `+ - .`, at least two characters, starting alphanumeric. */
export function isDebianPackageName(name: string): boolean {
  return name.length <= MAX_LENGTH && /^[a-z0-9][a-z0-9+.-]+$/.test(name);
}
