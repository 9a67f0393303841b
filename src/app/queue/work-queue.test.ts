import { scanAllJob, scanJob, type WorkJob } from './jobs.js';
import { InProcessQueue } from './work-queue.js';

const repo = (name: string) => ({ installationId: 1, owner: 'acme', repo: name });

test('the in-process queue runs a job before enqueue resolves, one at a time per repository, repositories side by side', async () => {
  const log: string[] = [];
  const queue = new InProcessQueue(async (job: WorkJob) => {
    const name = job.kind === 'scan-repository' ? `${job.repo}${job.force ? '!' : ''}` : job.kind;
    log.push(`start ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    log.push(`end ${name}`);
  });
  await Promise.all([queue.enqueue(scanJob(repo('api'), 'main')), queue.enqueue(scanJob(repo('api'), 'main', { force: true })), queue.enqueue(scanJob(repo('web'), 'main'))]);
  expect(log).toEqual(['start api', 'start web', 'end api', 'start api!', 'end web', 'end api!']);
  expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
});

test('a failing job fails its enqueue (as a handler that did the work itself would) and is counted; the next job still runs', async () => {
  const queue = new InProcessQueue(async (job) => {
    if (job.kind === 'scan-all') throw new Error('GitHub is down');
  });
  await expect(queue.enqueue(scanAllJob(null, null))).rejects.toThrow('GitHub is down');
  await queue.enqueue(scanJob(repo('api'), 'main'));
  expect((await queue.counts()).failed).toBe(1);
});
