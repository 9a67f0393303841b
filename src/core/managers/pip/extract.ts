import type { DependencyRef, Extraction, SourceFile } from '../../reference.js';
import { exactVersion } from './resolve.js';
import { parseRequirementsFile } from './requirements-file.js';

/** Every requirement of a requirements file, with the span its pin is written to; never throws. */
export function extractRequirements(file: SourceFile): Extraction {
  const parsed = parseRequirementsFile(file.text);
  const refs: DependencyRef[] = [];
  const problems: Extraction['problems'] = [];
  const noIndex = parsed.entries.some((e) => e.kind === 'no-index');
  for (const entry of parsed.entries) {
    const base = { file: file.path, line: entry.logical.line, manager: 'pip' as const, datasource: 'python-index' as const, digest: null };
    switch (entry.kind) {
      case 'requirement': {
        const { requirement } = entry;
        const exact = exactVersion(requirement.specifier);
        const span = { start: entry.requirementSpan.start, end: entry.logical.span.end };
        refs.push({
          ...base,
          name: requirement.name,
          value: exact ?? (requirement.specifier || null),
          pinned: exact !== null && entry.hashes.some((h) => h.algorithm === 'sha256'),
          skipped: noIndex ? 'the file says --no-index: pip installs from --find-links, which is not read' : null,
          context: {
            specifier: requirement.specifier,
            ...(requirement.extras.length > 0 ? { extras: requirement.extras.join(',') } : {}),
            ...(requirement.markerText !== null ? { marker: requirement.markerText } : {}),
          },
          site: { span, raw: file.text.slice(span.start, span.end) },
        });
        break;
      }
      case 'unindexed':
        refs.push({ ...base, name: entry.target, value: null, pinned: false, skipped: entry.reason });
        break;
      case 'invalid':
        problems.push({ file: file.path, line: entry.logical.line, dependency: null, message: entry.message });
        break;
      default:
        break;
    }
  }
  return { refs, problems };
}
