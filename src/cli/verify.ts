import {
  compareArtifacts,
  compareImages,
  OciError,
  openInput,
  renderDiagnosis,
  type ArtifactComparison,
  type OpenedInput,
  type Verdict,
} from '../oci/index.js';
import type { CliIo } from './main.js';

export interface VerifyOptions {
  json: boolean;
}

export type VerifyOutcome = { kind: 'image'; verdict: Verdict } | { kind: 'artifact'; comparison: ArtifactComparison };

/** Compares two builds; throws OciError (integrity or input) for the caller to report. */
export async function verifyBuilds(pathA: string, pathB: string): Promise<VerifyOutcome> {
  const a = await openInput(pathA);
  let b: OpenedInput;
  try {
    b = await openInput(pathB);
  } catch (error) {
    await closeInput(a);
    throw error;
  }
  try {
    if (a.kind === 'image' && b.kind === 'image') return { kind: 'image', verdict: await compareImages(a.source, b.source) };
    const imagesA = a.kind === 'artifact' ? a.images : null;
    const imagesB = b.kind === 'artifact' ? b.images : null;
    if (imagesA && imagesB) return { kind: 'artifact', comparison: await compareArtifacts(imagesA, imagesB) };
    // One artifact root against one image: fine when the artifact holds a single image.
    const [sourceA, sourceB] = [singleImage(a), singleImage(b)];
    return { kind: 'image', verdict: await compareImages(sourceA, sourceB) };
  } finally {
    await closeInput(a);
    await closeInput(b);
  }
}

function singleImage(input: OpenedInput) {
  if (input.kind === 'image') return input.source;
  const [only, ...rest] = [...input.images.values()];
  if (!only || rest.length > 0) {
    throw new OciError('invalid', input.location, `holds ${input.images.size} images (${[...input.images.keys()].join(', ')}); compare it with another artifact folder, or name one image folder`);
  }
  return only;
}

async function closeInput(input: OpenedInput): Promise<void> {
  if (input.kind === 'image') await input.source.close();
  else await Promise.all([...input.images.values()].map((s) => s.close()));
}

export function outcomeIdentical(outcome: VerifyOutcome): boolean {
  return outcome.kind === 'image' ? outcome.verdict.identical : outcome.comparison.identical;
}

/** Prints a comparison; returns the exit code (0 same, 1 different). */
export function reportOutcome(outcome: VerifyOutcome, options: VerifyOptions, io: CliIo, extra: Record<string, unknown> = {}): number {
  const identical = outcomeIdentical(outcome);
  if (options.json) {
    const body = outcome.kind === 'image' ? outcome.verdict : outcome.comparison;
    io.stdout.write(`${JSON.stringify({ ...extra, identical, ...(outcome.kind === 'image' ? { verdict: body } : { artifact: body }) }, null, 2)}\n`);
  } else if (outcome.kind === 'image') {
    io.stdout.write(renderDiagnosis(outcome.verdict, 'text'));
  } else {
    for (const image of outcome.comparison.images) {
      io.stdout.write(`== ${image.name}\n`);
      io.stdout.write(image.verdict ? renderDiagnosis(image.verdict, 'text') : `only in ${image.onlyIn === 'a' ? 'A' : 'B'}: the other build has no image folder ${image.name}\n`);
    }
  }
  return identical ? 0 : 1;
}

/** Reports an engine error (exit 2); anything else is unexpected and rethrown. */
export function reportError(error: unknown, options: VerifyOptions, io: CliIo): number {
  if (!(error instanceof OciError)) throw error;
  const label = error.kind === 'integrity' ? 'integrity error' : 'error';
  io.stderr.write(`repro-pins: ${label}: ${error.message}\n`);
  if (options.json) io.stdout.write(`${JSON.stringify({ error: { kind: error.kind, location: error.location, message: error.message } }, null, 2)}\n`);
  return 2;
}

export async function runVerify(pathA: string, pathB: string, options: VerifyOptions, io: CliIo): Promise<number> {
  let outcome: VerifyOutcome;
  try {
    outcome = await verifyBuilds(pathA, pathB);
  } catch (error) {
    return reportError(error, options, io);
  }
  return reportOutcome(outcome, options, io);
}
