import { join } from 'node:path';
import type { Octokit, RepoId } from '../github/octokit.js';
import { extractZip, ZipError } from '../../core/archive/zip.js';

/** The two artifacts of the contract (design: "The twice-build gate (contract)"), in order. */
export const ARTIFACT_NAMES = ['repro-build-1', 'repro-build-2'] as const;

/** The most zip bytes the App downloads for one artifact. */
export const MAX_ARTIFACT_ZIP_BYTES = 256 * 1024 * 1024;

/** An artifact that is missing, expired, too big or unsafe: the run's result cannot be checked. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
}

/**
 * Downloads both artifacts of a run and unpacks each into `<dir>/<artifact name>/`, through the
 * guarded zip reader. Returns the two artifact roots.
 */
export async function downloadRunArtifacts(octokit: Octokit, repo: RepoId, runId: number, dir: string): Promise<[string, string]> {
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts', { ...repo, run_id: runId, per_page: 100 });
  const roots: string[] = [];
  for (const name of ARTIFACT_NAMES) {
    const artifact = data.artifacts.find((a) => a.name === name);
    if (!artifact) throw new ArtifactError(`the run uploaded no \`${name}\` artifact`);
    if (artifact.expired) throw new ArtifactError(`the \`${name}\` artifact has expired`);
    if (artifact.size_in_bytes > MAX_ARTIFACT_ZIP_BYTES) throw new ArtifactError(`the \`${name}\` artifact is ${artifact.size_in_bytes} bytes, more than the ${MAX_ARTIFACT_ZIP_BYTES} the App downloads`);
    const zip = await downloadArtifactZip(octokit, repo, artifact.id, name);
    const root = join(dir, name);
    try {
      await extractZip(zip, root);
    } catch (error) {
      if (error instanceof ZipError) throw new ArtifactError(`the \`${name}\` artifact ${error.message}`);
      throw error;
    }
    roots.push(root);
  }
  return [roots[0]!, roots[1]!];
}

/**
 * GitHub answers the download with a redirect to a short-lived storage URL; fetch follows it (and
 * drops the Authorization header on the way to the other origin). The body is read as a stream
 * and cut off past the cap, whatever the listing claimed the size was.
 */
async function downloadArtifactZip(octokit: Octokit, repo: RepoId, artifactId: number, name: string): Promise<Buffer> {
  const response = await octokit.request('GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}', {
    ...repo,
    artifact_id: artifactId,
    archive_format: 'zip',
    request: { parseSuccessResponseBody: false },
  });
  const body: unknown = response.data;
  if (!(body instanceof ReadableStream)) throw new ArtifactError(`the \`${name}\` artifact download returned no body`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as ReadableStream<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop by a throw cancels the stream: the rest is never downloaded.
    if (size > MAX_ARTIFACT_ZIP_BYTES) throw new ArtifactError(`the \`${name}\` artifact is larger than the ${MAX_ARTIFACT_ZIP_BYTES} bytes the App downloads`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
