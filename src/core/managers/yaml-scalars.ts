/**
 * What the YAML managers (compose, github-actions, ko) share: parse a file into documents, walk
 * to scalar nodes, and turn an image scalar into a reference whose span covers exactly the
 * scalar's content in the original text. Nothing here re-serialises YAML: a pin is a splice into
 * the source, so comments, quoting, indentation, CRLF and a BOM survive byte for byte.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node as YamlNode, type Scalar } from 'yaml';
import { isImageRefError, parseImageRef } from '../image-ref.js';
import { lineAt, type DependencyRef, type Extraction, type ManagerName, type Problem, type SourceFile, type Span } from '../reference.js';

export type YamlDocument = Document.Parsed;

/**
 * Every document of a file (compose files may hold several, separated by `---`). A document
 * with a syntax error yields one Problem at the line of its first error and is left out, so no
 * reference is read from a tree the parser had to guess at.
 */
export function parseYamlDocuments(file: SourceFile): { documents: YamlDocument[]; problems: Problem[] } {
  const documents: YamlDocument[] = [];
  const problems: Problem[] = [];
  for (const doc of parseAllDocuments(file.text, { prettyErrors: false })) {
    const error = doc.errors[0];
    if (error) {
      // Unclosed quotes and brackets are noticed at the end of the input; the user looks for
      // them on the last line they wrote, not on the empty line after the final newline.
      const at = Math.min(error.pos[0], Math.max(0, file.text.trimEnd().length - 1));
      problems.push({
        file: file.path,
        line: lineAt(file.text, at),
        dependency: null,
        message: `not valid YAML: ${error.message.split('\n')[0] ?? ''}`,
      });
    } else {
      documents.push(doc);
    }
  }
  return { documents, problems };
}

/**
 * The node an alias stands for, so `image: *img` leads to the anchored scalar: that is where the
 * text lives and where a pin must be written. Unknown anchors resolve to null.
 */
export function resolveNode(doc: YamlDocument, node: unknown): YamlNode | null {
  if (isAlias(node)) return node.resolve(doc) ?? null;
  return isMap(node) || isSeq(node) || isScalar(node) ? node : null;
}

/**
 * Key/value pairs of a mapping, including those merged in with `<<` (compose files share
 * service settings through anchors and merge keys). Explicit keys win over merged ones, and an
 * earlier merge source wins over a later one, as the YAML merge key spec says
 * (https://yaml.org/type/merge.html).
 */
export function mapEntries(doc: YamlDocument, node: unknown): [string, YamlNode | null][] {
  const entries = new Map<string, YamlNode | null>();
  collectEntries(doc, resolveNode(doc, node), entries, new Set());
  return [...entries];
}

function collectEntries(doc: YamlDocument, node: YamlNode | null, into: Map<string, YamlNode | null>, seen: Set<YamlNode>): void {
  // A merge source can alias the map that merges it; `seen` keeps that from looping.
  if (!isMap(node) || seen.has(node)) return;
  seen.add(node);
  const merges: unknown[] = [];
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    if (key === '<<' && pair.key.type === 'PLAIN') {
      merges.push(pair.value);
      continue;
    }
    into.set(key, resolveNode(doc, pair.value));
  }
  for (const merge of merges) {
    const source = resolveNode(doc, merge);
    const sources = isSeq(source) ? source.items.map((item) => resolveNode(doc, item)) : [source];
    for (const from of sources) {
      const merged = new Map<string, YamlNode | null>();
      collectEntries(doc, from, merged, seen);
      for (const [key, value] of merged) if (!into.has(key)) into.set(key, value);
    }
  }
}

/** The value under `key` of a mapping (merge keys included); null when absent or not a mapping. */
export function mapGet(doc: YamlDocument, node: unknown, key: string): YamlNode | null {
  return mapEntries(doc, node).find(([k]) => k === key)?.[1] ?? null;
}

/** Items of a sequence with aliases followed; empty when the node is not a sequence. */
export function seqItems(doc: YamlDocument, node: unknown): YamlNode[] {
  const seq = resolveNode(doc, node);
  if (!isSeq(seq)) return [];
  return seq.items.flatMap((item) => resolveNode(doc, item) ?? []);
}

/** Whether a node holds a value: not missing, and not an empty or `null`/`~` plain scalar. */
export function hasValue(node: YamlNode | null): node is YamlNode {
  return node !== null && !(isScalar(node) && node.value === null);
}

/**
 * The content of a scalar as a span of the source. `text` is what the scalar means; `span` is
 * set only when the source bytes at that span are exactly `text`, so that splicing a pin there
 * leaves a scalar that still means what it says.
 */
export type ScalarContent = { text: string; start: number; span: Span; skipped: null } | { text: string; start: number; span: null; skipped: string };

export function scalarContent(source: string, node: Scalar): ScalarContent | null {
  if (!node.range || node.value === null) return null;
  const [start, end] = node.range;
  const written = source.slice(start, end);
  switch (node.type) {
    case 'QUOTE_DOUBLE':
    case 'QUOTE_SINGLE': {
      const text = String(node.value);
      const inner = { start: start + 1, end: end - 1 };
      // Escapes (`\u0041`, `''`) and folded line breaks make the source differ from the value;
      // there is no span whose bytes are the reference, so the pin cannot be spliced in.
      if (source.slice(inner.start, inner.end) !== text) {
        return { text, start, span: null, skipped: 'the quoted value contains escape sequences or line breaks; write it on one line without escapes to pin it' };
      }
      return { text, start: inner.start, span: inner, skipped: null };
    }
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED':
      return { text: String(node.value).trim(), start, span: null, skipped: 'the value is a block scalar (| or >); write it on one line to pin it' };
    default:
      // A plain scalar is used as written, even when YAML reads it as a number (`image: 1e3`).
      if (written.includes('\n')) {
        return { text: String(node.value), start, span: null, skipped: 'the value is a plain scalar folded over several lines; write it on one line to pin it' };
      }
      return { text: written, start, span: { start, end }, skipped: null };
  }
}

/** An image written in a scalar, possibly after a fixed prefix such as `docker://`. */
export interface ImageScalar {
  node: Scalar;
  /** Text the scalar's content starts with that is not part of the image. */
  prefix?: string;
}

export interface ImageScalarOptions {
  manager: ManagerName;
  /** Why the text cannot be resolved statically (variables, expressions), or null when it can. */
  unresolved: (text: string) => string | null;
}

/**
 * Docker references for image scalars. An anchored scalar reached through several aliases is
 * one reference, since a pin written there serves all of them.
 */
export function extractImageScalars(file: SourceFile, scalars: ImageScalar[], options: ImageScalarOptions): Extraction {
  const refs: DependencyRef[] = [];
  const problems: Problem[] = [];
  const seen = new Set<Scalar>();
  for (const scalar of scalars) {
    if (seen.has(scalar.node)) continue;
    seen.add(scalar.node);
    const found = imageAt(file, scalar, options);
    if (found === null) continue;
    if ('message' in found) problems.push(found);
    else refs.push(found);
  }
  return { refs, problems };
}

function imageAt(file: SourceFile, { node, prefix = '' }: ImageScalar, { manager, unresolved }: ImageScalarOptions): DependencyRef | Problem | null {
  const content = scalarContent(file.text, node);
  if (content === null || !content.text.startsWith(prefix)) return null;
  const text = content.text.slice(prefix.length);
  if (text.length === 0) return null;
  const start = content.span ? content.span.start + prefix.length : content.start;
  const line = lineAt(file.text, start);
  const base = { file: file.path, line, manager, datasource: 'docker' as const };

  const why = unresolved(text);
  if (why !== null) {
    // As the Dockerfile manager does for unresolved ARGs: the name is the text as written.
    return { ...base, name: text, value: null, digest: null, pinned: false, skipped: why };
  }
  const parsed = parseImageRef(text);
  if (isImageRefError(parsed)) return { file: file.path, line, dependency: text, message: parsed.error };
  const ref: DependencyRef = { ...base, name: parsed.name, value: parsed.tag, digest: parsed.digest, pinned: parsed.digest !== null, skipped: content.skipped };
  if (content.span) ref.site = { span: { start, end: content.span.end }, raw: text };
  return ref;
}

/** Joins extractions in order. */
export function mergeExtractions(...parts: Extraction[]): Extraction {
  return { refs: parts.flatMap((p) => p.refs), problems: parts.flatMap((p) => p.problems) };
}
