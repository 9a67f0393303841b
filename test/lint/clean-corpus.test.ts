import { fileURLToPath } from 'node:url';
import { runRepoPins } from '../support/cli-harness.js';

const clean = fileURLToPath(new URL('../../fixtures/lint/clean', import.meta.url));

describe('the clean corpus (fixtures/lint/clean)', () => {
  test('raises nothing at warning or error, and scan exits 0', async () => {
    const run = await runRepoPins(['scan', clean, '--json']);
    const json = JSON.parse(run.stdout) as { references: { file: string; pinned: boolean }[]; findings: { level: string }[]; errors: unknown[] };
    expect(json.errors).toEqual([]);
    expect(json.findings.filter((f) => f.level !== 'info')).toEqual([]);
    expect(run.code).toBe(0);
    // The corpus is read, not skipped: its references are there, all pinned.
    expect(new Set(json.references.map((r) => r.file))).toEqual(
      new Set(['.github/workflows/release.yml', '.github/workflows/test.yml', '.ko.yaml', 'Dockerfile', 'alpine.Dockerfile', 'compose.yaml', 'python.Dockerfile', 'requirements.txt', 'web/Dockerfile']),
    );
    expect(json.references.every((r) => r.pinned)).toBe(true);
  });
});
