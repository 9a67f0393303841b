import { z } from 'zod';
import type { ImageSource } from '../../oci/index.js';
import type { Octokit, RepoId } from '../github/octokit.js';
import { ARTIFACT_NAMES } from './artifacts.js';

/**
 * Two builds count only when they ran on two builders (design: "The twice-build gate
 * (contract)": "two jobs on different runner images"). Each artifact says where it was built in
 * `build.json` (`runner.label` is the job's `runs-on`, `imageOS`/`imageVersion` the runner
 * image); the App believes that claim only when the run's jobs, as GitHub reports them, agree.
 * One artifact uploaded under both names claims the same builder twice and is refused.
 */
export interface BuilderClaim {
  label: string;
  imageOS: string;
  imageVersion: string;
}

const claimSchema = z.object({
  runner: z.object({
    label: z.string().min(1).max(200),
    imageOS: z.string().max(200).optional(),
    imageVersion: z.string().max(200).optional(),
  }),
});

/** The fields of `GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs` the cross-check reads. */
const jobsSchema = z.object({
  jobs: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      conclusion: z.string().nullable(),
      labels: z.array(z.string()),
      runner_name: z.string().nullable(),
    }),
  ),
});
type RunJob = z.infer<typeof jobsSchema>['jobs'][number];

/**
 * The job name the template gives build N (`name: build ${{ matrix.build }} on ${{ matrix.runner }}`
 * in templates/repro-verify.yml; a test holds the two together). It is how the App tells which
 * job uploaded which artifact: GitHub's artifact listing does not name the job.
 */
export function buildJobName(build: 1 | 2, label: string): string {
  return `build ${build} on ${label}`;
}

/**
 * The runner one artifact claims, read from every image folder's `build.json` (one job builds
 * every image, so all folders must agree). A folder without the claim is a refusal: a build
 * that does not say where it ran cannot show it ran somewhere else than its twin.
 */
export async function readBuilderClaim(artifact: string, images: Map<string, ImageSource>): Promise<BuilderClaim | { refusal: string }> {
  let claim: BuilderClaim | null = null;
  for (const [name, source] of images) {
    const bytes = await source.readBuildInfo();
    if (!bytes) return { refusal: `\`${artifact}/${name}\` has no build.json saying which runner built it` };
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      return { refusal: `\`${artifact}/${name}/build.json\` is not JSON` };
    }
    const parsed = claimSchema.safeParse(json);
    if (!parsed.success) return { refusal: `\`${artifact}/${name}/build.json\` names no runner (\`runner.label\`)` };
    const { label, imageOS = '', imageVersion = '' } = parsed.data.runner;
    const here = { label, imageOS, imageVersion };
    if (claim && (claim.label !== here.label || claim.imageOS !== here.imageOS || claim.imageVersion !== here.imageVersion)) {
      return { refusal: `the image folders of \`${artifact}\` claim different runners, but one job builds them all` };
    }
    claim = here;
  }
  return claim ?? { refusal: `\`${artifact}\` holds no image` };
}

/**
 * Refuses two claims of one builder, then checks each claim against the run's jobs: a job named
 * for that build and label must have run on a runner GitHub labelled so, and succeeded; the two
 * jobs must have run on two runners. Returns the refusal sentence, or null when both hold.
 */
export async function checkBuilders(octokit: Octokit, repo: RepoId, runId: number, claims: [BuilderClaim, BuilderClaim]): Promise<string | null> {
  const [a, b] = claims;
  if (a.label === b.label) return `both artifacts claim the same builder (runner \`${a.label}\`), so the two builds were not independent`;
  if (a.imageOS !== '' && a.imageVersion !== '' && a.imageOS === b.imageOS && a.imageVersion === b.imageVersion) {
    return `both artifacts claim the same runner image (${a.imageOS} ${a.imageVersion}), so the two builds were not independent`;
  }
  const response = await octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs', { ...repo, run_id: runId, filter: 'latest', per_page: 100 });
  const parsed = jobsSchema.safeParse(response.data);
  if (!parsed.success) return `GitHub's list of the run's jobs could not be read, so the builders cannot be checked`;
  const jobs: RunJob[] = [];
  for (const [i, claim] of claims.entries()) {
    const build = (i + 1) as 1 | 2;
    const name = buildJobName(build, claim.label);
    const job = parsed.data.jobs.find((j) => j.name === name);
    const artifact = ARTIFACT_NAMES[i]!;
    if (!job) return `\`${artifact}\` claims runner \`${claim.label}\`, but the run has no job "${name}"`;
    if (!job.labels.includes(claim.label)) return `\`${artifact}\` claims runner \`${claim.label}\`, but GitHub ran job "${name}" on a runner labelled ${job.labels.join(', ') || '(none)'}`;
    if (job.conclusion !== 'success') return `job "${name}" that built \`${artifact}\` did not succeed (${job.conclusion ?? 'no conclusion'})`;
    if (!job.runner_name) return `GitHub names no runner for job "${name}" that built \`${artifact}\``;
    jobs.push(job);
  }
  // A self-hosted runner carrying both labels could run both jobs: then one machine built twice.
  if (jobs[0]!.runner_name === jobs[1]!.runner_name) return `both build jobs ran on the same runner (${jobs[0]!.runner_name}), so the two builds were not independent`;
  return null;
}
