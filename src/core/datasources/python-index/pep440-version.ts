/**
 * PEP 440 versions as text (https://packaging.python.org/en/latest/specifications/version-specifiers/#normalization),
 * the way `packaging.version.Version.__str__` writes them. Kept as text throughout: a number
 * type would turn `9007199254740993` into `…992` and 38 digits into `1e+38` (what
 * `@renovatebot/pep440`'s `clean` does, as it goes through JavaScript numbers), and the version is
 * written into requirements files. Anything outside the grammar is not a version: null.
 */

/** packaging's `VERSION_PATTERN`, anchored, case-insensitive, surrounding whitespace allowed. */
const VERSION =
  /^\s*v?(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?(?:[-_.]?(dev)[-_.]?([0-9]+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

/** Longer than any real version: a bound, so an index cannot make a pin of a megabyte. */
const MAX_LENGTH = 256;

/** `007` → `7`, as int() does, without going through a number. */
const integer = (digits: string): string => digits.replace(/^0+(?=[0-9])/, '');

const PRE_LABELS: Record<string, string> = { alpha: 'a', a: 'a', beta: 'b', b: 'b', c: 'rc', pre: 'rc', preview: 'rc', rc: 'rc' };

export function normalizePep440Version(text: string): string | null {
  if (text.length > MAX_LENGTH) return null;
  const match = VERSION.exec(text);
  if (!match) return null;
  const [, epoch, release, preLabel, preNumber, postImplicit, postLabel, postNumber, devLabel, devNumber, local] = match;
  let out = '';
  if (epoch !== undefined && integer(epoch) !== '0') out += `${integer(epoch)}!`;
  out += release!.split('.').map(integer).join('.');
  if (preLabel !== undefined) out += `${PRE_LABELS[preLabel.toLowerCase()]!}${integer(preNumber ?? '0')}`;
  if (postImplicit !== undefined) out += `.post${integer(postImplicit)}`;
  else if (postLabel !== undefined) out += `.post${integer(postNumber ?? '0')}`;
  if (devLabel !== undefined) out += `.dev${integer(devNumber ?? '0')}`;
  // Local segments: lower case, `.` separators, numeric segments as integers.
  if (local !== undefined) out += `+${local.toLowerCase().split(/[-_.]/).map((part) => (/^[0-9]+$/.test(part) ? integer(part) : part)).join('.')}`;
  return out;
}
