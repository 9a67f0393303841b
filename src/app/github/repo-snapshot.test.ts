import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { useNock } from '../../../test/support/nock.js';
import { GitHubCache } from './bounded-cache.js';
import type { Octokit } from './octokit.js';
import { readSnapshot } from './repo-snapshot.js';

const octokit = new ProbotOctokit({ auth: { token: 'test' }, retry: { enabled: false }, throttle: { enabled: false } }) as Octokit;
const repo = { owner: 'acme', repo: 'api' };
const commit = 'c'.repeat(40);

describe('repository snapshots', () => {
  useNock();

  test('a symlinked config or Dockerfile (git mode 120000) is not a file of the snapshot', async () => {
    nock('https://api.github.com')
      .get('/repos/acme/api/git/ref/heads%2Fmain')
      .reply(200, { ref: 'refs/heads/main', object: { sha: commit, type: 'commit' } })
      .get(`/repos/acme/api/git/trees/${commit}`)
      .query({ recursive: '1' })
      .reply(200, {
        sha: 't'.repeat(40),
        truncated: false,
        tree: [
          { path: '.github/repro-pins.yml', mode: '120000', type: 'blob', sha: '1'.repeat(40) },
          { path: 'Dockerfile', mode: '120000', type: 'blob', sha: '2'.repeat(40) },
          { path: 'app/Dockerfile', mode: '100644', type: 'blob', sha: '3'.repeat(40) },
          { path: 'run.sh', mode: '100755', type: 'blob', sha: '4'.repeat(40) },
        ],
      });
    const snapshot = await readSnapshot(octokit, new GitHubCache(), repo, 'main');
    expect([...snapshot.entries.keys()]).toEqual(['app/Dockerfile', 'run.sh']);
  });
});
