/**
 * How tag names are grouped and ranked to find "the most specific tag at a commit": actions
 * publish floating tags (`v4`, `v4.2`) beside exact releases (`v4.2.2`) on the same commit, and a
 * pin's comment should name the exact one.
 */

/**
 * The prefix one tag listing is fetched with: a version's major (`v4` for `v4`, `v4.2`, `v4.2.2`,
 * `v4-beta`), so one request serves every ref of that major and finds its exact releases; any
 * other name is its own prefix.
 */
export function seriesPrefix(ref: string): string {
  return /^(v?\d+)(?:[.+-]|$)/i.exec(ref)?.[1] ?? ref;
}

/**
 * Whether a listed name belongs to the series of `prefix`. A prefix listing also returns names
 * that merely start with the same characters (`v40.1.0` for `v4`); those are not the same series.
 */
export function inSeries(name: string, prefix: string): boolean {
  return name === prefix || (name.startsWith(prefix) && /^[.+\-_/]/.test(name.slice(prefix.length)));
}

/** Whether `tag` is `of` itself or a release within it (`v4.2.2` within `v4` and `v4.2`). */
export function isWithin(tag: string, of: string): boolean {
  return tag === of || tag.startsWith(`${of}.`);
}

interface Rank {
  numbers: number[];
  stable: boolean;
}

function rankOf(name: string): Rank {
  const match = /^v?(\d+(?:\.\d+)*)(.*)$/i.exec(name);
  if (!match) return { numbers: [], stable: false };
  const [, version = '', suffix = ''] = match;
  // Build metadata (`+build.5`) does not make a pre-release; a `-rc.1` suffix does.
  return { numbers: version.split('.').map(Number), stable: suffix === '' || suffix.startsWith('+') };
}

/**
 * Most specific first: more version components (`v4.2.2` before `v4.2` before `v4`), then final
 * releases before pre-releases, then higher versions, then longer names; ties by name so the
 * order never depends on the listing's.
 */
export function bySpecificity(a: string, b: string): number {
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra.numbers.length !== rb.numbers.length) return rb.numbers.length - ra.numbers.length;
  if (ra.stable !== rb.stable) return ra.stable ? -1 : 1;
  for (let i = 0; i < ra.numbers.length; i += 1) {
    const diff = (rb.numbers[i] ?? 0) - (ra.numbers[i] ?? 0);
    if (diff !== 0) return diff;
  }
  if (a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * git's ref-name rules (git-check-ref-format(1)) for the name under `refs/tags/`: a tag name
 * goes into a workflow as the `# <tag>` comment after the pinned SHA, so a name git itself could
 * not hold (a newline that starts an `env:` block, a space, a control character) is refused.
 * Rules: no component starting with `.` or ending with `.lock`; no `..`; no control character,
 * space, `~ ^ : ? * [ \\`; no leading, trailing or doubled `/`; no trailing `.`; no `@{`; not `@`.
 */
export function isGitRefName(name: string): boolean {
  if (name === '' || name === '@' || name.length > 255) return false;
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{') || name.endsWith('.')) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}
