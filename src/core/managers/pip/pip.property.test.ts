import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { defaultConfig } from '../../config.js';
import { pipManager } from './index.js';
import { parseRequirementsFile } from './requirements-file.js';
import { entryStyle, fileStyle, pinRequirement, type RequirementEntry } from './write.js';

const hex = (label: string) => createHash('sha256').update(label).digest('hex');

// Fragments that steer random text into the states the parser cares about.
const fragments = [
  'requests', 'Flask_Login', 'a.b-c', '[', ']', 'extra1,extra2', '==', '>=', '~=', '!=', '===', '1.0', '2.*', ',', '(', ')', ';', ' ; ',
  'python_version', ' < ', '"3.8"', "'linux'", ' and ', ' or ', 'extra == "x"', ' @ ', 'https://x/y.whl', './local', '-e ', '-r ', '-c ',
  'base.txt', '--hash=sha256:', hex('a'), '--hash', ' ', '  ', '\t', '\\', '\n', '\r\n', '#', ' # note', '--index-url ', '-i', '--no-index',
  '--config-settings=k=v', '"', "'", '\uFEFF', '${TOKEN}', '=', '-', '--',
];
const requirementsish = fc.oneof(
  fc.array(fc.constantFrom(...fragments), { maxLength: 60 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

describe('pip manager properties', () => {
  test('parsing and extraction never throw, whatever the text', () => {
    fc.assert(
      fc.property(requirementsish, (text) => {
        parseRequirementsFile(text);
        const { refs } = pipManager.extract({ path: 'requirements.txt', text }, defaultConfig);
        for (const ref of refs) {
          expect(ref.line).toBeGreaterThanOrEqual(1);
          if (ref.site) expect(text.slice(ref.site.span.start, ref.site.span.end)).toBe(ref.site.raw);
        }
      }),
      { numRuns: 2000 },
    );
  });

  // Generated files of known shape: every requirement, in any style, with any neighbours.
  const name = fc.constantFrom('requests', 'Flask_Login', 'zope.interface', 'a');
  const requirementLine = fc
    .record({
      name,
      extras: fc.constantFrom('', '[socks]', '[a, b]'),
      spec: fc.constantFrom('', '>=1.0', ' >= 1.0, <2', '==0.9', ' (~=1.2)', '==1.*'),
      marker: fc.constantFrom('', ' ; python_version < "3.12"', '; sys_platform == "linux"'),
      hashes: fc.constantFrom(0, 1, 2),
      multiline: fc.boolean(),
      indent: fc.constantFrom('    ', '  ', '\t'),
      comment: fc.constantFrom('', '  # why', ' #x'),
      ownLineComment: fc.boolean(),
    })
    .map((r) => {
      const options = Array.from({ length: r.hashes }, (_, i) => `--hash=sha256:${hex(`${r.name}${i}`)}`);
      const head = `${r.name}${r.extras}${r.spec}${r.marker}`;
      const body = r.multiline && options.length > 0 ? [head, ...options.map((o) => `${r.indent}${o}`)].join(' \\\n') : [head, ...options].join(' ');
      return r.ownLineComment && r.comment ? `${body} \\\n${r.indent}${r.comment.trim()}` : `${body}${r.comment}`;
    });
  const otherLine = fc.constantFrom('', '# a comment', '-r base.txt', '--index-url https://pypi.example.org/simple', '-e ./local', 'pkg @ https://x/pkg.whl', '   ');
  const file = fc
    .record({ lines: fc.array(fc.oneof(requirementLine, otherLine), { minLength: 1, maxLength: 8 }), eol: fc.constantFrom('\n', '\r\n'), finalEol: fc.boolean() })
    .map(({ lines, eol, finalEol }) => lines.join('\n').replace(/\n/g, eol) + (finalEol ? eol : ''));

  test('pinning a requirement changes no byte outside its span, and pip reads back exactly the pin written', () => {
    fc.assert(
      fc.property(file, fc.constantFrom('3.0', '1.2.3.post1'), fc.integer({ min: 1, max: 3 }), (text, version, count) => {
        const parsed = parseRequirementsFile(text);
        const style = fileStyle(parsed);
        const entries = parsed.entries.filter((e): e is RequirementEntry => e.kind === 'requirement');
        let out = text;
        for (const entry of [...entries].reverse()) {
          const sha256 = Array.from({ length: count }, (_, i) => hex(`${entry.requirement.name}-${version}-${i}`));
          const edit = pinRequirement(out, entry, { version, sha256 }, entryStyle(entry, style));
          const before = out;
          out = out.slice(0, edit.span.start) + edit.replacement + out.slice(edit.span.end);
          expect(out.slice(0, edit.span.start)).toBe(before.slice(0, edit.span.start));
          expect(out.slice(edit.span.start + edit.replacement.length)).toBe(before.slice(edit.span.end));
        }
        const reread = parseRequirementsFile(out).entries.filter((e): e is RequirementEntry => e.kind === 'requirement');
        expect(reread.map((e) => [e.requirement.name, e.requirement.extras, e.requirement.markerText])).toEqual(entries.map((e) => [e.requirement.name, e.requirement.extras, e.requirement.markerText]));
        for (const entry of reread) {
          expect(entry.requirement.specifier).toBe(`==${version}`);
          expect(entry.hashes.map((h) => h.hex)).toEqual(Array.from({ length: count }, (_, i) => hex(`${entry.requirement.name}-${version}-${i}`)));
        }
        // Comments are kept, and still read as comments.
        for (const entry of entries.filter((e) => e.logical.comment)) expect(out).toContain(text.slice(entry.logical.comment!.start, entry.logical.comment!.end).trim());
        // Everything that is not a requirement is still there, byte for byte, in order.
        const others = (t: string) => parseRequirementsFile(t).entries.filter((e) => e.kind !== 'requirement').map((e) => t.slice(e.logical.span.start, e.logical.span.end));
        expect(others(out)).toEqual(others(text));
      }),
      { numRuns: 500 },
    );
  });

  test('the manager’s replace writes a version and keeps everything around it', () => {
    fc.assert(
      fc.property(file, (text) => {
        const { refs } = pipManager.extract({ path: 'requirements.txt', text }, defaultConfig);
        for (const ref of refs.filter((r) => r.site)) {
          const out = pipManager.replace(text, ref, { version: '9.9' });
          expect(out.slice(0, ref.site!.span.start)).toBe(text.slice(0, ref.site!.span.start));
          const tail = text.slice(ref.site!.span.end);
          expect(out.endsWith(tail)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
