import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { buildJobName } from './builder-claims.js';

const templateSchema = z.object({
  jobs: z.object({
    build: z.object({
      name: z.string(),
      'runs-on': z.string(),
      strategy: z.object({ matrix: z.object({ include: z.array(z.object({ build: z.number(), runner: z.string() })) }) }),
    }),
  }),
});

test('the job names the gate looks for are the names the template gives its two build jobs, each on its own runner label', () => {
  const template = templateSchema.parse(parse(readFileSync(join(process.cwd(), 'templates', 'repro-verify.yml'), 'utf8')));
  const { name, 'runs-on': runsOn, strategy } = template.jobs.build;
  // The label an artifact claims is `matrix.runner` (build.json's runner.label), which is also `runs-on`.
  expect(runsOn).toBe('${{ matrix.runner }}');
  const entries = strategy.matrix.include;
  expect(entries.map((e) => e.build)).toEqual([1, 2]);
  expect(new Set(entries.map((e) => e.runner)).size).toBe(2);
  for (const entry of entries) {
    const rendered = name.replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_, key: 'build' | 'runner') => String(entry[key]));
    expect(buildJobName(entry.build as 1 | 2, entry.runner)).toBe(rendered);
  }
});
