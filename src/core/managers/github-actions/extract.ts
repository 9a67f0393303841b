import { isMap, isScalar, type Scalar } from 'yaml';
import type { DependencyRef, Extraction, Problem, SourceFile } from '../../reference.js';
import { extractImageScalars, mapEntries, mapGet, mergeExtractions, parseYamlDocuments, type ImageScalar, type YamlDocument } from '../yaml-scalars.js';
import { actionAt } from './action-uses.js';
import { flattenSteps } from './steps.js';
import { pinCommentAt, RATCHET_EXCLUDED, type PinComment } from './pin-comments.js';
import { isImageRefError, parseImageRef } from '../../image-ref.js';

const DOCKER_SCHEME = 'docker://';

/** Scalars of a workflow or action metadata file that name something to pin, by kind. */
interface Sites {
  images: ImageScalar[];
  /** `uses:` values that are neither `docker://` nor local: actions and reusable workflows. */
  actions: Scalar[];
}

/**
 * A workflow (https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax):
 * container images in `jobs.<id>.container` (a string or a mapping with `image`),
 * `jobs.<id>.services.<id>.image` and `jobs.<id>.steps[*].uses: docker://<image>`; actions in
 * `jobs.<id>.steps[*].uses`; reusable workflows in `jobs.<id>.uses`. Steps include those in
 * `parallel:` groups and their `sequential:` lists (steps.ts).
 */
export function extractWorkflow(file: SourceFile): Extraction {
  const { documents, problems } = parseYamlDocuments(file);
  const sites: Sites = { images: [], actions: [] };
  for (const doc of documents) collectWorkflowSites(doc, sites);
  return extractSites(file, sites, problems);
}

/**
 * An action's metadata file (https://docs.github.com/actions/reference/workflows-and-actions/metadata-syntax):
 * a composite action's `runs.steps[*].uses` (actions and `docker://` images) and a Docker
 * container action's `runs.image: docker://<image>`. `runs.image: Dockerfile` is built from the
 * action's own folder, so it names nothing to pull.
 */
export function extractActionMetadata(file: SourceFile): Extraction {
  const { documents, problems } = parseYamlDocuments(file);
  const sites: Sites = { images: [], actions: [] };
  for (const doc of documents) {
    const runs = mapGet(doc, doc.contents, 'runs');
    const image = mapGet(doc, runs, 'image');
    if (isScalar(image) && typeof image.value === 'string' && image.value.startsWith(DOCKER_SCHEME)) sites.images.push({ node: image, prefix: DOCKER_SCHEME });
    collectSteps(doc, mapGet(doc, runs, 'steps'), sites);
  }
  return extractSites(file, sites, problems);
}

function collectWorkflowSites(doc: YamlDocument, sites: Sites): void {
  for (const [, job] of mapEntries(doc, mapGet(doc, doc.contents, 'jobs'))) {
    const container = mapGet(doc, job, 'container');
    const containerImage = isMap(container) ? mapGet(doc, container, 'image') : container;
    if (isScalar(containerImage)) sites.images.push({ node: containerImage });

    // Service containers are always mappings; GitHub rejects the string form.
    for (const [, service] of mapEntries(doc, mapGet(doc, job, 'services'))) {
      const image = mapGet(doc, service, 'image');
      if (isScalar(image)) sites.images.push({ node: image });
    }

    // A job that calls a reusable workflow has `uses` instead of `steps`.
    const reusable = mapGet(doc, job, 'uses');
    if (isScalar(reusable)) sites.actions.push(reusable);
    collectSteps(doc, mapGet(doc, job, 'steps'), sites);
  }
}

/** Steps nested in `parallel:` and `sequential:` groups run like any other: their `uses:` are read too. */
function collectSteps(doc: YamlDocument, steps: unknown, sites: Sites): void {
  for (const step of flattenSteps(doc, steps)) {
    const uses = mapGet(doc, step, 'uses');
    if (!isScalar(uses)) continue;
    if (typeof uses.value === 'string' && uses.value.startsWith(DOCKER_SCHEME)) sites.images.push({ node: uses, prefix: DOCKER_SCHEME });
    else sites.actions.push(uses);
  }
}

function extractSites(file: SourceFile, sites: Sites, parseProblems: Problem[]): Extraction {
  const images = extractImages(file, sites.images);
  const actions = extractActions(file, sites.actions);
  const merged = mergeExtractions({ refs: [], problems: parseProblems }, images, actions);
  // Images and actions are collected apart; the user reads them in file order.
  const byLine = (a: { line: number }, b: { line: number }) => a.line - b.line;
  return { refs: merged.refs.sort(byLine), problems: merged.problems.sort(byLine) };
}

/**
 * Images, each read with the ratchet comment after it: ratchet pins `ubuntu:20.04` as
 * `ubuntu@sha256:… # ratchet:ubuntu:20.04` (`docker://` kept in the comment of a step), so the
 * tag to refresh lives in the comment. The pin is written as ratchet wrote it, the digest alone
 * (writeImagePin keeps a tagless name tagless once the tag is known), and the comment is not touched.
 */
function extractImages(file: SourceFile, scalars: ImageScalar[]): Extraction {
  const parts: Extraction[] = [];
  for (const scalar of new Map(scalars.map((s) => [s.node, s])).values()) {
    const part = extractImageScalars(file, [scalar], { manager: 'github-actions', unresolved: expression });
    const comment = scalar.node.range ? pinCommentAt(file.text, scalar.node.range[1]) : null;
    for (const ref of part.refs) if (ref.site && comment) readRatchetImageComment(ref, comment);
    parts.push(part);
  }
  return mergeExtractions(...parts);
}

function readRatchetImageComment(ref: DependencyRef, comment: PinComment): void {
  if (comment.kind === 'version') return;
  if (comment.kind === 'ratchet-exclude') {
    ref.skipped = RATCHET_EXCLUDED;
    delete ref.site;
    return;
  }
  const original = parseImageRef(comment.original.startsWith(DOCKER_SCHEME) ? comment.original.slice(DOCKER_SCHEME.length) : comment.original);
  const written = parseImageRef(ref.name);
  const same = !isImageRefError(original) && !isImageRefError(written) && original.registry === written.registry && original.repository === written.repository;
  if (!same) {
    ref.skipped = `its \`# ratchet:${comment.original}\` comment names another image than ${ref.name}; correct the comment or remove it to pin this reference`;
    delete ref.site;
    return;
  }
  // ratchet's `ubuntu` is ubuntu:latest, as Docker reads it.
  if (ref.value === null && ref.digest !== null) ref.value = original.tag ?? 'latest';
}

/** An anchored scalar reached through several aliases is one reference: a pin written there serves them all. */
function extractActions(file: SourceFile, scalars: Scalar[]): Extraction {
  const refs: DependencyRef[] = [];
  const problems: Problem[] = [];
  for (const node of new Set(scalars)) {
    const found = actionAt(file, node);
    if (found === null) continue;
    if ('message' in found) problems.push(found);
    else refs.push(found);
  }
  return { refs, problems };
}

/** `${{ ... }}` is evaluated by the runner (https://docs.github.com/actions/reference/workflows-and-actions/expressions). */
function expression(text: string): string | null {
  return text.includes('${{') ? 'the image uses a GitHub Actions expression (${{ ... }}), so it is only known when the workflow runs' : null;
}
