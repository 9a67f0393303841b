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
    switch (entry.kind) {
      case 'requirement': {
        const { requirement } = entry;
        const exact = exactVersion(requirement.specifier);
        const span = { start: entry.requirementSpan.start, end: entry.logical.span.end };
        // Every field written out: on Node 20, `{ ...base, name, … }` gives each object a hidden
        // class of its own (a map and descriptor array per reference, ~400 bytes, 80 MB on 200k lines).
        refs.push({
          file: file.path,
          line: entry.logical.line,
          manager: 'pip',
          datasource: 'python-index',
          digest: null,
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
        refs.push({ file: file.path, line: entry.logical.line, manager: 'pip', datasource: 'python-index', digest: null, name: entry.target, value: null, pinned: false, skipped: entry.reason });
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
