import nock from 'nock';
import { ProbotOctokit } from 'probot';
import type { Finding } from '../../core/lint/index.js';
import type { Octokit } from '../github/octokit.js';
import { publishFindings } from './check-run.js';
import { useNock } from '../../../test/support/nock.js';

const repo = { owner: 'acme', repo: 'api' };
const sha = 'a'.repeat(40);
const octokit = new ProbotOctokit({ auth: { token: 'test' }, retry: { enabled: false }, throttle: { enabled: false } }) as Octokit;

const finding = (line: number): Finding => ({ rule: 'image-not-pinned', level: 'error', file: 'Dockerfile', line, message: `line ${line}`, fix: 'pin it' });

useNock();

test('120 findings go out as one create and two updates of at most 50 annotations each', async () => {
  const sizes: number[] = [];
  const count = (body: { output: { annotations: unknown[] } }) => (sizes.push(body.output.annotations.length), true);
  nock('https://api.github.com')
    .get(`/repos/acme/api/commits/${sha}/check-runs`)
    .query(true)
    .reply(200, { total_count: 0, check_runs: [] })
    .post('/repos/acme/api/check-runs', (body: { name: string; conclusion: string; output: { annotations: unknown[] } }) => body.name === 'repro-pins/findings' && body.conclusion === 'failure' && count(body))
    .reply(201, { id: 9 })
    .patch('/repos/acme/api/check-runs/9', count)
    .times(2)
    .reply(200, {});
  const findings = Array.from({ length: 120 }, (_, i) => finding(i + 1));
  expect(await publishFindings(octokit, repo, sha, findings)).toBe('created');
  expect(sizes).toEqual([50, 50, 20]);
});

test('a commit that already carries the same findings gets no new check run', async () => {
  let summary = '';
  nock('https://api.github.com')
    .get(`/repos/acme/api/commits/${sha}/check-runs`)
    .query(true)
    .reply(200, { total_count: 0, check_runs: [] })
    .post('/repos/acme/api/check-runs', (body: { output: { summary: string } }) => ((summary = body.output.summary), true))
    .reply(201, { id: 10 });
  await publishFindings(octokit, repo, sha, [finding(3)]);
  nock('https://api.github.com')
    .get(`/repos/acme/api/commits/${sha}/check-runs`)
    .query(true)
    .reply(200, { total_count: 1, check_runs: [{ id: 10, output: { summary } }] });
  expect(await publishFindings(octokit, repo, sha, [finding(3)])).toBe('unchanged');
});
