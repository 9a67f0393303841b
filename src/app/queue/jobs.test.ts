import { tickWindow } from '../schedule/cluster-scheduler.js';
import { deduplicationIdOf, repositoryOf, scanAllJob, scanJob, workJobSchema } from './jobs.js';
import { interleave } from './processors.js';

const ids = { installationId: 12, owner: 'Acme', repo: 'API' };

test('identical requests share a deduplication id; a rebase, an ignore, an onboarding or a scheduled check keep their own', () => {
  const plain = deduplicationIdOf(scanJob(ids, 'main'));
  expect(deduplicationIdOf(scanJob(ids, 'develop', { runId: 'other' }))).toBe(plain);
  expect(plain).toBe('scan/12/acme/api/now');
  const others = [scanJob(ids, 'main', { force: true }), scanJob(ids, 'main', { ignore: 'alpine' }), scanJob(ids, null, { onboard: true }), scanJob(ids, 'main', { window: { after: 0, until: 1 } })].map(deduplicationIdOf);
  expect(new Set([plain, ...others]).size).toBe(5);
  expect(deduplicationIdOf(scanAllJob(null, null))).toBe('scan-all/every-installation/now');
  expect(repositoryOf(scanJob(ids, 'main'))).toBe('acme/api');
  expect(repositoryOf(scanAllJob(12, null))).toBeNull();
});

test('a job is parsed at the border: ids and options only, anything else is dropped or refused', () => {
  const parsed = workJobSchema.parse({ ...scanJob(ids, 'main'), token: 'ghs_secret' });
  expect(JSON.stringify(parsed)).not.toContain('ghs_secret');
  expect(workJobSchema.safeParse({ kind: 'scan-repository', owner: 'acme' }).success).toBe(false);
  expect(workJobSchema.safeParse({ kind: 'delete-everything' }).success).toBe(false);
});

test('consecutive ticks cover consecutive windows, so a repository schedule that fired between them is seen once', () => {
  const at = (iso: string) => Date.parse(iso);
  expect(tickWindow('*/10 * * * *', at('2030-01-07T06:10:00Z'))).toEqual({ after: at('2030-01-07T06:00:00Z'), until: at('2030-01-07T06:10:00Z') });
  expect(tickWindow('*/10 * * * *', at('2030-01-07T06:00:00Z'))).toEqual({ after: at('2030-01-07T05:50:00Z'), until: at('2030-01-07T06:00:00Z') });
});

test('fan-out jobs alternate between installations', () => {
  expect(interleave([['a1', 'a2', 'a3'], ['b1'], ['c1', 'c2']])).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
});
