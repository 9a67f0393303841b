/** The diagnosis as text (terminal) or Markdown (a PR comment or check run). */
import { code, table, text } from '../core/markdown.js';
import { display, octal, short, show, time } from './causes.js';
import type { FileDifference, LayerComparison, PlatformComparison, ValueChange, Verdict } from './verdict.js';

export type DiagnosisFormat = 'text' | 'markdown';

/** Files shown per layer; the JSON output has all of them. */
const MAX_FILES = 20;
const MAX_CHANGES = 8;

export function renderDiagnosis(verdict: Verdict, format: DiagnosisFormat): string {
  return format === 'markdown' ? renderMarkdown(verdict) : renderText(verdict);
}

function renderText(v: Verdict): string {
  const out: string[] = [];
  if (v.identical) {
    out.push(`identical: both builds are image ${v.a.digest} (${v.a.platforms.join(', ') || 'no platform'})`);
    out.push(`  A: ${v.a.form} ${v.a.location}`, `  B: ${v.b.form} ${v.b.location}`);
    return `${out.join('\n')}\n`;
  }
  out.push('different: the two builds give different images');
  out.push(`  A: ${v.a.digest} (${v.a.form} ${v.a.location})`, `  B: ${v.b.digest} (${v.b.form} ${v.b.location})`);
  for (const c of v.indexChanges) out.push(`  index ${c.path}: ${show(c.a)} vs ${show(c.b)}`);
  for (const p of v.platforms) {
    out.push('', `${p.platform}: ${platformHeadline(p)}`);
    if (p.status !== 'different') continue;
    for (const line of changeLines('manifest', p.manifestChanges)) out.push(`  ${line}`);
    for (const line of changeLines('config', p.configChanges)) out.push(`  ${line}`);
    for (const layer of p.layers) {
      out.push(`  ${layerHeadline(layer)}`);
      const files = layer.files ?? [];
      for (const f of files.slice(0, MAX_FILES)) out.push(`    ${display(f.path)}: ${f.aspects.join(', ')}${detail(f) ? ` (${detail(f)})` : ''}`);
      if (files.length > MAX_FILES) out.push(`    … and ${files.length - MAX_FILES} more (see --json)`);
    }
  }
  out.push('', 'likely causes:');
  v.causes.forEach((cause, i) => {
    out.push(`  ${i + 1}. ${cause.title} [${cause.id}]`);
    for (const e of cause.evidence) out.push(`     - ${e}`);
    out.push(`     fix: ${cause.fix}`);
  });
  for (const note of v.notes) out.push(`note: ${note}`);
  return `${out.join('\n')}\n`;
}

/**
 * Paths, platforms, locations and notes come from the artifacts, so they are outside text: every
 * one goes through the shared Markdown escapes and cannot break a table, mention or inject HTML.
 */
function renderMarkdown(v: Verdict): string {
  const out: string[] = [];
  const platforms = (side: Verdict['a']): string => side.platforms.map(code).join(', ');
  if (v.identical) {
    out.push(`**Reproducible**: both builds are image ${code(v.a.digest)} (${platforms(v.a)}).`);
    return `${out.join('\n')}\n`;
  }
  out.push('**Not reproducible**: the two builds give different images.', '');
  out.push(
    table(
      ['build', 'image digest', 'from'],
      [v.a, v.b].map((side, i) => [i === 0 ? 'A' : 'B', code(side.digest), `${side.form} ${code(side.location)}`]),
    ),
  );
  for (const c of v.indexChanges) out.push('', `Index ${code(c.path)}: ${code(show(c.a))} vs ${code(show(c.b))}`);
  out.push('', '### Likely causes', '');
  v.causes.forEach((cause, i) => {
    // Titles and fixes are the project's own words (with intended Markdown); evidence quotes the images.
    out.push(`${i + 1}. **${cause.title}** (${code(cause.id)})`);
    for (const e of cause.evidence) out.push(`   - ${text(e)}`);
    out.push(`   - **Fix:** ${cause.fix}`);
  });
  for (const p of v.platforms) {
    out.push('', `### ${code(p.platform)}: ${text(platformHeadline(p))}`);
    if (p.status !== 'different') continue;
    const changes = [...changeLines('manifest', p.manifestChanges), ...changeLines('config', p.configChanges)];
    if (changes.length > 0) out.push('', ...changes.map((c) => `- ${text(c)}`));
    for (const layer of p.layers) {
      if (layer.status === 'same') continue;
      out.push('', `**${text(layerHeadline(layer))}**`);
      const files = layer.files ?? [];
      if (files.length === 0) continue;
      const rows = files.slice(0, MAX_FILES).map((f) => [code(display(f.path)), text(f.aspects.join(', ')), text(detail(f))]);
      if (files.length > MAX_FILES) rows.push(['…', `${files.length - MAX_FILES} more`, '']);
      out.push('', table(['path', 'differs in', 'details'], rows));
    }
  }
  for (const note of v.notes) out.push('', `_Note: ${text(note)}_`);
  return `${out.join('\n')}\n`;
}

function platformHeadline(p: PlatformComparison): string {
  switch (p.status) {
    case 'same':
      return `same (${short(p.manifestA)})`;
    case 'only-in-a':
      return 'only in A';
    case 'only-in-b':
      return 'only in B';
    default:
      return `different (manifest ${short(p.manifestA)} vs ${short(p.manifestB)})`;
  }
}

function layerHeadline(l: LayerComparison): string {
  const id = l.diffIdA === l.diffIdB ? `diffID ${short(l.diffIdA)}` : `diffID ${short(l.diffIdA)} vs ${short(l.diffIdB)}`;
  switch (l.status) {
    case 'same':
      return `layer ${l.index}: same (${id})`;
    case 'recompressed':
      return `layer ${l.index}: same files, compressed differently (${id}; blob ${short(l.digestA)} vs ${short(l.digestB)})`;
    case 'only-in-a':
    case 'only-in-b':
      return `layer ${l.index}: only in ${l.status === 'only-in-a' ? 'A' : 'B'} (${id})${l.unavailable ? `: files unavailable: ${l.unavailable}` : ''}`;
    default: {
      if (l.files === null) return `layer ${l.index}: different (${id}); files unavailable: ${l.unavailable ?? 'no listing'}`;
      const total = Math.max(l.entriesA ?? 0, l.entriesB ?? 0);
      return `layer ${l.index}: different (${id}): ${l.files.length} of ${total} paths differ`;
    }
  }
}

function changeLines(what: string, changes: ValueChange[]): string[] {
  const lines = changes.slice(0, MAX_CHANGES).map((c) => `${what} ${c.path}: ${show(c.a)} vs ${show(c.b)}`);
  if (changes.length > MAX_CHANGES) lines.push(`${what}: … and ${changes.length - MAX_CHANGES} more fields`);
  return lines;
}

/** What differs about one path, value against value. */
function detail(f: FileDifference): string {
  const { a, b } = f;
  if (!a || !b) {
    const entry = a ?? b;
    return entry ? `${entry.type}${entry.type === 'file' ? `, ${entry.size} bytes` : ''}` : '';
  }
  const parts: string[] = [];
  for (const aspect of f.aspects) {
    if (aspect === 'type') parts.push(`${a.type} vs ${b.type}`);
    if (aspect === 'content') parts.push(`sha256 ${(a.sha256 ?? '-').slice(0, 12)} vs ${(b.sha256 ?? '-').slice(0, 12)}, ${a.size} vs ${b.size} bytes`);
    if (aspect === 'link') parts.push(`-> ${a.linkname} vs -> ${b.linkname}`);
    if (aspect === 'mode') parts.push(`mode ${octal(a.mode)} vs ${octal(b.mode)}`);
    if (aspect === 'owner') parts.push(`owner ${a.uid}:${a.gid} vs ${b.uid}:${b.gid}`);
    if (aspect === 'mtime') parts.push(`mtime ${time(a.mtime)} vs ${time(b.mtime)}`);
  }
  return parts.join('; ');
}
