/**
 * `uses: owner/repo[/path]@ref` as a dependency reference, and the pin written back in its place.
 * Grammar: https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsuses
 * (steps), #jobsjob_iduses (reusable workflows) and metadata-syntax#runsstepsuses (composite actions).
 *
 * A pin is `owner/repo@<40-hex commit> # <tag>`, the form Dependabot, Renovate and pinact write:
 * the SHA is what runs, the comment says which release it is. The span a reference records starts
 * at the ref and, when the scalar is already followed by a pin comment on its line (ours, Renovate's
 * or ratchet's: pin-comments.ts), ends after that comment, so both are rewritten together and
 * nothing else moves. Each tool's comment keeps its own spelling.
 */
import type { Scalar } from 'yaml';
import { lineAt, type DependencyRef, type Pin, type Problem, type SourceFile } from '../../reference.js';
import { scalarContent } from '../yaml-scalars.js';
import { hasRatchetComment, pinCommentAt, RATCHET_EXCLUDED, type PinComment } from './pin-comments.js';

/** A full commit SHA: the only `@ref` a repository owner cannot move. */
export const COMMIT_SHA = /^[0-9a-f]{40}$/i;

// Owners are logins (GitHub Enterprise Server adds `_` and `.`); repository names use `[\w.-]`.
// A path never holds `@`, so the first `@` ends the name.
const ACTION_USES = /^([\w.-]+)\/([\w.-]+)((?:\/[^@\s]+)?)@(.+)$/s;

// What `git check-ref-format` refuses (https://git-scm.com/docs/git-check-ref-format), plus whitespace.
const INVALID_REF = /[\s\x00-\x1f\x7f~^:?*[\\]|\.\.|@\{|^[./]|[./]$|\.lock$/;

const EXPRESSION_REASON = 'the action uses a GitHub Actions expression (${{ ... }}), so it is only known when the workflow runs';

/** Local actions and workflows (`./path`) live in the repository itself: there is nothing to pin. */
export function isLocalUses(text: string): boolean {
  return text.startsWith('./') || text.startsWith('../') || text === '.';
}

/**
 * The reference a `uses:` scalar names, a Problem when it is not of the `owner/repo[/path]@ref`
 * form, or null for a local action or an empty value. `docker://` images are the caller's.
 */
export function actionAt(file: SourceFile, node: Scalar): DependencyRef | Problem | null {
  const content = scalarContent(file.text, node);
  if (content === null || content.text.length === 0 || isLocalUses(content.text)) return null;
  const text = content.text;
  const line = lineAt(file.text, content.span?.start ?? content.start);
  const base = { file: file.path, line, manager: 'github-actions' as const, datasource: 'github-tags' as const };
  if (text.includes('${{')) return { ...base, name: text, value: null, digest: null, pinned: false, skipped: EXPRESSION_REASON };

  const match = ACTION_USES.exec(text);
  if (!match) {
    return { file: file.path, line, dependency: text, message: 'is not an action reference: `uses:` takes owner/repo[/path]@ref, ./local/path or docker://image' };
  }
  const [, owner = '', repo = '', path = '', gitRef = ''] = match;
  const name = `${owner}/${repo}${path}`;
  if (INVALID_REF.test(gitRef)) return { file: file.path, line, dependency: text, message: `"${gitRef}" is not a valid git tag, branch or commit name` };

  const sha = COMMIT_SHA.test(gitRef) ? gitRef : null;
  const scalarEnd = node.range?.[1] ?? 0;
  const comment = content.span ? pinCommentAt(file.text, scalarEnd) : null;
  const unpinnable = comment ? commentProblem(comment, name) : null;
  const ref: DependencyRef = {
    ...base,
    name,
    // A SHA carries the version its comment names (unless the comment is about something else); a tag or branch is the value itself.
    value: sha ? (unpinnable === null ? commentVersion(comment) : null) : gitRef,
    digest: sha,
    pinned: sha !== null,
    skipped: content.skipped ?? unpinnable,
  };
  if (content.span && unpinnable === null) {
    const start = content.span.end - gitRef.length;
    const end = comment && comment.kind !== 'ratchet-exclude' ? comment.end : scalarEnd;
    ref.site = { span: { start, end }, raw: file.text.slice(start, end) };
  }
  return ref;
}

/** The version a pin comment names for the SHA before it; ratchet's is the ref it pinned (`v3` of `owner/repo@v3`). */
function commentVersion(comment: PinComment | null): string | null {
  if (comment?.kind === 'version') return comment.tag;
  if (comment?.kind !== 'ratchet') return null;
  const gitRef = ACTION_USES.exec(comment.original)?.[4] ?? null;
  return gitRef === null || COMMIT_SHA.test(gitRef) ? null : gitRef;
}

/** Why a reference is left alone because of its comment: excluded, or a ratchet comment that does not describe it. */
function commentProblem(comment: PinComment, name: string): string | null {
  if (comment.kind === 'ratchet-exclude') return RATCHET_EXCLUDED;
  if (comment.kind !== 'ratchet') return null;
  const match = ACTION_USES.exec(comment.original);
  const said = match ? `${match[1]}/${match[2]}${match[3]}` : null;
  // GitHub compares owner and repository names without case.
  if (said === null || said.toLowerCase() !== name.toLowerCase()) {
    return `its \`# ratchet:${comment.original}\` comment names another action than ${name}; correct the comment or remove it to pin this reference`;
  }
  if (INVALID_REF.test(match?.[4] ?? '')) return `its \`# ratchet:${comment.original}\` comment names "${match?.[4] ?? ''}", which is not a valid git tag, branch or commit name`;
  return null;
}

/**
 * Writes `<sha> # <tag>` over the recorded span: the ref, the closing quote of a quoted scalar
 * (the comment goes after it) and any version comment already there. A version comment keeps its
 * own spelling (`#v4.1.0`, `# tag=v4.1.0`, `# renovate: tag=v4.1.0`); only the version changes.
 * A ratchet comment is not a version but the ref to follow, so only the SHA changes. No comment
 * is added where one cannot go: a flow mapping that continues on the same line (`{ uses: a/b@v1, with: … }`).
 */
export function replaceActionPin(text: string, ref: DependencyRef, pin: Pin): string {
  const site = ref.site;
  if (!site) throw new Error(`${ref.file}:${ref.line}: ${ref.name} has no pin site (skipped: ${ref.skipped})`);
  const current = text.slice(site.span.start, site.span.end);
  if (current !== site.raw) throw new Error(`${ref.file}:${ref.line}: expected "${site.raw}" at offset ${site.span.start}, found "${current}"`);
  if (!pin.digest || !COMMIT_SHA.test(pin.digest)) throw new Error(`${ref.file}:${ref.line}: ${ref.name}: an action pin needs a 40-hex commit SHA`);

  const written = ref.digest ?? ref.value ?? '';
  if (!site.raw.startsWith(written)) throw new Error(`${ref.file}:${ref.line}: ${ref.name}: the pin site does not start with "${written}"`);
  const rest = site.raw.slice(written.length);
  const quote = rest.startsWith('"') || rest.startsWith("'") ? rest.slice(0, 1) : '';
  const comment = pinCommentAt(rest, quote.length);

  let tail = '';
  if (comment?.kind === 'ratchet') {
    // ratchet's comment names the ref to follow, not the release: it is kept as ratchet wrote
    // it, and only names the ref looked up when the `uses:` itself was not pinned yet.
    const refStart = comment.end - (ACTION_USES.exec(comment.original)?.[4] ?? '').length;
    tail = `${rest.slice(quote.length, refStart)}${ref.value ?? rest.slice(refStart, comment.end)}${rest.slice(comment.end)}`;
  } else if (pin.tag !== undefined) {
    if (comment?.kind === 'version') tail = `${comment.head}${pin.tag}`;
    else if (/^[ \t]*(?:#|\r?\n|$)/.test(text.slice(site.span.end))) tail = ` # ${pin.tag}`;
  } else if (comment) {
    tail = rest.slice(quote.length);
  }
  return text.slice(0, site.span.start) + pin.digest + quote + tail + text.slice(site.span.end);
}

/**
 * A pinned action is current when it runs the commit the lookup answered and its comment names
 * the tag the lookup chose (the datasource keeps a comment that is still true, so `# v4` at v4's
 * commit is not rewritten to `# v4.2.2`). SHAs compare without regard to case.
 */
export function isActionPinCurrent(ref: DependencyRef, pin: Pin): boolean {
  if (ref.digest === null || pin.digest === undefined || ref.digest.toLowerCase() !== pin.digest.toLowerCase()) return false;
  // A ratchet comment is never rewritten to the release's tag, so the SHA alone decides.
  if (ref.site && hasRatchetComment(ref.site.raw)) return true;
  return pin.tag === undefined || pin.tag === ref.value;
}
