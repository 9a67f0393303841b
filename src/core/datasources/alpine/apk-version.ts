/**
 * The grammars an APKINDEX entry must match before its name and version go into a RUN line.
 * A mirror answers with text that ends up in a shell command (`apk add curl=<V:>`), so anything
 * outside the grammar is refused, never written.
 */

/**
 * apk-tools' version format (apk-tools `src/version.c`, `apk_version_validate`; the Alpine wiki's
 * Apk_spec "Package version"): `digits(.digits)*[letter](_suffix[digits])*[~hash](-r digits)`,
 * the suffixes being alpha, beta, pre, rc (before the release) and cvs, svn, git, hg, p (after).
 */
const APK_VERSION = /^[0-9]+(?:\.[0-9]+)*[a-z]?(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*(?:~[0-9a-f]+)?(?:-r[0-9]+)?$/;

/** Package names as abuild accepts them (`abuild` `check_pkgname`: no spaces, no shell metacharacters, not starting with `-`). */
const APK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/** Longer than any real version or name: a bound, so a hostile index cannot make a pin of a megabyte. */
const MAX_LENGTH = 256;

export function isApkVersion(version: string): boolean {
  return version.length <= MAX_LENGTH && APK_VERSION.test(version);
}

export function isApkPackageName(name: string): boolean {
  return name.length <= MAX_LENGTH && APK_NAME.test(name);
}
