import { isMap, isScalar, type Scalar } from 'yaml';
import type { Extraction, SourceFile } from '../../reference.js';
import { extractImageScalars, mapEntries, mapGet, mergeExtractions, parseYamlDocuments, seqItems, type ImageScalar, type YamlDocument } from '../yaml-scalars.js';

const DOCKER_SCHEME = 'docker://';

/** Scalars of a workflow that name something to pin, by kind. `uses: owner/repo@ref` actions join here. */
interface WorkflowSites {
  images: ImageScalar[];
}

/**
 * Container images of a workflow (https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax):
 * `jobs.<id>.container` (a string or a mapping with `image`), `jobs.<id>.services.<id>.image`
 * and `jobs.<id>.steps[*].uses: docker://<image>`.
 */
export function extractWorkflow(file: SourceFile): Extraction {
  const { documents, problems } = parseYamlDocuments(file);
  const sites: WorkflowSites = { images: [] };
  for (const doc of documents) collectSites(doc, sites);
  return mergeExtractions({ refs: [], problems }, extractImageScalars(file, sites.images, { manager: 'github-actions', unresolved: expression }));
}

function collectSites(doc: YamlDocument, sites: WorkflowSites): void {
  for (const [, job] of mapEntries(doc, mapGet(doc, doc.contents, 'jobs'))) {
    const container = mapGet(doc, job, 'container');
    const containerImage = isMap(container) ? mapGet(doc, container, 'image') : container;
    if (isScalar(containerImage)) sites.images.push({ node: containerImage });

    // Service containers are always mappings; GitHub rejects the string form.
    for (const [, service] of mapEntries(doc, mapGet(doc, job, 'services'))) {
      const image = mapGet(doc, service, 'image');
      if (isScalar(image)) sites.images.push({ node: image });
    }

    for (const step of seqItems(doc, mapGet(doc, job, 'steps'))) {
      const uses = mapGet(doc, step, 'uses');
      if (isScalar(uses)) collectUses(uses, sites);
    }
  }
}

function collectUses(uses: Scalar, sites: WorkflowSites): void {
  if (typeof uses.value === 'string' && uses.value.startsWith(DOCKER_SCHEME)) sites.images.push({ node: uses, prefix: DOCKER_SCHEME });
}

/** `${{ ... }}` is evaluated by the runner (https://docs.github.com/actions/reference/workflows-and-actions/expressions). */
function expression(text: string): string | null {
  return text.includes('${{') ? 'the image uses a GitHub Actions expression (${{ ... }}), so it is only known when the workflow runs' : null;
}
