/**
 * templates/repro-verify.yml against the contract (design: "The twice-build gate (contract)"),
 * parsed with GitHub's own workflow parser. The workflow cannot run here; its listing script is
 * run on real buildah archives in verify-buildah.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';
import { z } from 'zod';

const TEMPLATE = join(process.cwd(), 'templates', 'repro-verify.yml');
const LISTING_SCRIPT = join(process.cwd(), 'templates', 'repro-listing.py');

const stepSchema = z.looseObject({ name: z.string().optional(), uses: z.string().optional(), run: z.string().optional(), with: z.record(z.string(), z.unknown()).optional(), env: z.record(z.string(), z.unknown()).optional() });
const workflowSchema = z.looseObject({
  name: z.string(),
  'run-name': z.string(),
  on: z.looseObject({
    workflow_dispatch: z.looseObject({ inputs: z.record(z.string(), z.looseObject({ required: z.boolean(), type: z.string() })) }),
  }),
  permissions: z.record(z.string(), z.string()),
  jobs: z.record(
    z.string(),
    z.looseObject({
      'runs-on': z.string(),
      strategy: z.looseObject({ matrix: z.looseObject({ include: z.array(z.looseObject({ build: z.number(), runner: z.string() })) }) }),
      steps: z.array(stepSchema),
    }),
  ),
});

async function loadTemplate() {
  const text = await readFile(TEMPLATE, 'utf8');
  return { text, workflow: workflowSchema.parse(parse(text)) };
}

function inlineScript(run: string): string {
  const start = run.indexOf("<<'REPRO_LISTING_PY'\n");
  const end = run.indexOf('\nREPRO_LISTING_PY\n');
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  return run.slice(start + "<<'REPRO_LISTING_PY'\n".length, end + 1);
}

describe('templates/repro-verify.yml', () => {
  it('parses with GitHub\'s workflow parser without errors', async () => {
    const { text } = await loadTemplate();
    const parsed = parseWorkflow({ name: '.github/workflows/repro-verify.yml', content: text }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(parsed.value).toBeDefined();
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.map((j) => j.id.value)).toEqual(['build']);
    // The parser does catch mistakes: the same file with a misspelt key is rejected.
    const broken = parseWorkflow({ name: 'broken.yml', content: text.replace('runs-on:', 'runs-onn:') }, new NoOperationTraceWriter());
    expect(broken.context.errors.getErrors().length).toBeGreaterThan(0);
  });

  it('is started by workflow_dispatch with sha, request id and images, and carries the request id in run-name', async () => {
    const { workflow } = await loadTemplate();
    expect(workflow.name).toBe('repro-verify');
    expect(Object.keys(workflow.on.workflow_dispatch.inputs).sort()).toEqual(['images', 'request-id', 'sha']);
    for (const input of Object.values(workflow.on.workflow_dispatch.inputs)) expect(input).toMatchObject({ required: true, type: 'string' });
    expect(workflow['run-name']).toContain('${{ inputs.request-id }}');
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('runs two build jobs on different runner images, each uploading its contract artifact', async () => {
    const { workflow } = await loadTemplate();
    const job = workflow.jobs.build!;
    expect(job['runs-on']).toBe('${{ matrix.runner }}');
    expect(job.strategy.matrix.include).toEqual([
      { build: 1, runner: 'ubuntu-24.04' },
      { build: 2, runner: 'ubuntu-22.04' },
    ]);
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with).toMatchObject({ name: 'repro-build-${{ matrix.build }}', path: '${{ runner.temp }}/repro-build-${{ matrix.build }}' });
    const checkout = job.steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with).toMatchObject({ ref: '${{ inputs.sha }}', 'persist-credentials': false });
  });

  it('pins BuildKit by version and writes actions as tags for the App to pin (no invented SHA or digest)', async () => {
    const { text, workflow } = await loadTemplate();
    const steps = workflow.jobs.build!.steps;
    const uses = steps.flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses).toEqual(['actions/checkout@v4', 'docker/setup-buildx-action@v3', 'actions/upload-artifact@v4']);
    const buildx = steps.find((s) => s.uses?.startsWith('docker/setup-buildx-action@'));
    expect(buildx?.with?.['driver-opts']).toMatch(/^image=moby\/buildkit:v\d+\.\d+\.\d+$/);
    expect(text).not.toMatch(/@[0-9a-f]{40}\b|sha256:[0-9a-f]{64}/);
  });

  it('builds with the commit time as SOURCE_DATE_EPOCH, no cache, no attestations and rewrite-timestamp', async () => {
    const { workflow } = await loadTemplate();
    const runs = workflow.jobs.build!.steps.flatMap((s) => (s.run ? [s.run] : []));
    expect(runs.some((r) => r.includes('SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)') && r.includes('$GITHUB_ENV'))).toBe(true);
    const buildLine = runs.flatMap((r) => r.split('\n')).find((line) => line.includes('docker buildx build'));
    expect(buildLine).toBeDefined();
    for (const flag of ['--no-cache', '--provenance=false', '--sbom=false', '--build-arg SOURCE_DATE_EPOCH=', '--output "type=oci,dest=', 'rewrite-timestamp=true']) {
      expect(buildLine).toContain(flag);
    }
    // Inputs reach scripts through the environment, never pasted into the script text.
    for (const run of runs) expect(run).not.toContain('${{');
  });

  it('inlines exactly templates/repro-listing.py, so the tested script is the one that runs', async () => {
    const { workflow } = await loadTemplate();
    const listingStep = workflow.jobs.build!.steps.find((s) => s.run?.includes('REPRO_LISTING_PY'));
    expect(listingStep?.run).toBeDefined();
    expect(inlineScript(listingStep!.run!)).toBe(await readFile(LISTING_SCRIPT, 'utf8'));
    // The listing step needs only what a runner has: tar, python3, jq (and docker for build.json's versions).
    expect(listingStep!.run).toContain('tar -xf');
    expect(listingStep!.run).toContain('python3 "$RUNNER_TEMP/repro-listing.py"');
    expect(listingStep!.run).toContain('build.json');
  });
});
