import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { compareArtifacts, OciError, openArtifact, renderDiagnosis, type ImageSource, type Verdict } from '../../oci/index.js';
import type { Octokit, RepoId } from '../github/octokit.js';
import { ArtifactError, downloadRunArtifacts, ARTIFACT_NAMES } from './artifacts.js';
import { checkBuilders, readBuilderClaim } from './builder-claims.js';
import type { StatusState } from './commit-status.js';
import type { DiagnosisContent, DiagnosisSection } from './diagnosis-comment.js';
import type { VerificationState } from './verification-state.js';
import { text } from '../../core/markdown.js';

/** A finished run of the gate's workflow that answers one of the App's requests. */
export interface CompletedRun {
  repo: RepoId;
  runId: number;
  branch: string;
  sha: string;
  requestId: string;
  actor: string | null;
  conclusion: string | null;
  url: string;
}

/** What a run means: the commit status, the PR body's state, and the diagnosis comment (if any). */
export interface RunOutcome {
  status: StatusState;
  description: string;
  state: VerificationState;
  comment: { content: DiagnosisContent; onlyUpdate: boolean } | null;
}

/**
 * Judges a finished run from its artifacts alone: both are downloaded and unpacked through the
 * guarded zip reader, then the OCI engine hashes every blob and recomputes every digest. Nothing
 * the workflow reports (its conclusion aside) is trusted, and an artifact that cannot be checked
 * is an error, never a pass. Two builds from one builder (or from builders the run's jobs do not
 * confirm) are refused before they are compared: a match between them proves nothing.
 */
export async function judgeRun(octokit: Octokit, run: CompletedRun): Promise<RunOutcome> {
  const { sha, url } = run;
  if (run.conclusion !== 'success') {
    const ended = endedAs(run.conclusion);
    return {
      status: 'error',
      description: `The twice-build run ${ended}, so no builds were compared`,
      state: { state: 'error', sha, reason: `the twice-build run ${ended}, so no builds were compared.`, runUrl: url },
      comment: null,
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'repro-pins-verify-'));
  const opened: ImageSource[] = [];
  try {
    const [rootA, rootB] = await downloadRunArtifacts(octokit, run.repo, run.runId, dir);
    const a = await openArtifact(rootA);
    opened.push(...a.values());
    const b = await openArtifact(rootB);
    opened.push(...b.values());
    const refusal = await refuseSameBuilder(octokit, run, a, b);
    if (refusal) {
      const description = `refused: ${refusal}`;
      return { status: 'error', description, state: { state: 'error', sha, reason: `${description}.`, runUrl: url }, comment: { content: { kind: 'error', message: `**refused**: ${text(refusal)}.` }, onlyUpdate: false } };
    }
    const comparison = await compareArtifacts(a, b);
    if (comparison.identical) {
      const images = comparison.images.map((i) => ({ name: i.name, digest: i.verdict!.a.digest }));
      const description =
        images.length === 1 ? `Reproducible: ${images[0]!.digest}` : `Reproducible: ${images.map((i) => `${i.name} ${i.digest.slice(0, 19)}…`).join(', ')}`;
      return { status: 'success', description, state: { state: 'reproducible', sha, images, runUrl: url }, comment: { content: { kind: 'reproducible', images }, onlyUpdate: true } };
    }
    const differing = comparison.images.filter((i) => i.verdict?.identical !== true).map((i) => i.name);
    const sections: DiagnosisSection[] = comparison.images.map((i) => ({ name: i.name, markdown: sectionOf(i.name, i.verdict, i.onlyIn) }));
    return {
      status: 'failure',
      description: `Not reproducible: the two builds of ${differing.join(', ')} differ; see the diagnosis comment`,
      state: { state: 'not-reproducible', sha, images: differing, runUrl: url },
      comment: { content: { kind: 'not-reproducible', sections }, onlyUpdate: false },
    };
  } catch (error) {
    if (!(error instanceof ArtifactError || error instanceof OciError)) throw error;
    // Messages name the artifact as the user knows it (`repro-build-1/Dockerfile`), not the App's temp folder.
    const message = error.message.split(`${dir}${sep}`).join('');
    const kind = error instanceof OciError ? `${error.kind === 'integrity' ? 'integrity error' : 'invalid artifact'}: ` : 'invalid artifact: ';
    return {
      status: 'error',
      description: `${kind}${message}`,
      state: { state: 'error', sha, reason: `${kind}${message}`, runUrl: url },
      comment: { content: { kind: 'error', message: `**${kind.replace(/: $/, '')}**: ${text(message)}` }, onlyUpdate: false },
    };
  } finally {
    await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
    await rm(dir, { recursive: true, force: true });
  }
}

/** Both artifacts must come from two builders that the run's jobs confirm (see builder-claims.ts). */
async function refuseSameBuilder(octokit: Octokit, run: CompletedRun, a: Map<string, ImageSource>, b: Map<string, ImageSource>): Promise<string | null> {
  const claimA = await readBuilderClaim(ARTIFACT_NAMES[0], a);
  if ('refusal' in claimA) return claimA.refusal;
  const claimB = await readBuilderClaim(ARTIFACT_NAMES[1], b);
  if ('refusal' in claimB) return claimB.refusal;
  return checkBuilders(octokit, run.repo, run.runId, [claimA, claimB]);
}

function sectionOf(name: string, verdict: Verdict | null, onlyIn: 'a' | 'b' | null): string {
  if (!verdict) return `Only \`${onlyIn === 'a' ? ARTIFACT_NAMES[0] : ARTIFACT_NAMES[1]}\` holds this image: the other build did not produce it.`;
  const [first, second] = ARTIFACT_NAMES;
  return renderDiagnosis({ ...verdict, a: { ...verdict.a, location: `${first}/${name}` }, b: { ...verdict.b, location: `${second}/${name}` } }, 'markdown');
}

function endedAs(conclusion: string | null): string {
  switch (conclusion) {
    case 'failure':
      return 'failed';
    case 'cancelled':
      return 'was cancelled';
    case 'timed_out':
      return 'timed out';
    case null:
      return 'ended without a conclusion';
    default:
      return `ended ${conclusion.replaceAll('_', ' ')}`;
  }
}
