import { createHmac } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import pino from 'pino';
import { API, BOT, WEBHOOK_SECRET, commentPayload, fakeRepo, mockAppAuth, startApp } from './github-fake.js';
import { useNock } from '../support/nock.js';

useNock();

test('a webhook whose signature does not match the secret is rejected before any handler runs', async () => {
  const probot = await startApp();
  const payload = JSON.stringify(commentPayload(fakeRepo('acme', 'api', {}), '/repro rescan'));
  const signature = (secret: string) => `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
  await expect(probot.webhooks.verifyAndReceive({ id: 'forged', name: 'issue_comment', payload, signature: signature('not the secret') })).rejects.toThrow(/signature does not match/i);
  // The genuine signature passes; the handler then asks GitHub who the commenter is.
  mockAppAuth(nock(API), { identity: false }).get('/repos/acme/api/collaborators/maintainer/permission').reply(200, { permission: 'read', role_name: 'read' }).post('/repos/acme/api/issues/7/comments').reply(201, {});
  await probot.webhooks.verifyAndReceive({ id: 'genuine', name: 'issue_comment', payload, signature: signature(WEBHOOK_SECRET) });
});

test('no token or registry password reaches the logs, even when a scan fails', async () => {
  const lines: string[] = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  const dockerConfig = await mkdtemp(join(tmpdir(), 'repro-pins-docker-config-'));
  const password = 'registry-password-that-must-not-leak';
  await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { 'registry.example.test': { auth: Buffer.from(`robot:${password}`).toString('base64') } } }));
  const probot = await startApp({ REPRO_PINS_DOCKER_CONFIG: dockerConfig }, undefined, log);
  const repo = fakeRepo('acme', 'api', {});
  const scope = mockAppAuth(nock(API));
  scope.get('/repos/acme/api/collaborators/maintainer/permission').reply(200, { permission: 'write', role_name: 'write' });
  scope.post('/repos/acme/api/issues/comments/9001/reactions').reply(201, {});
  // The scan fails reading the branch; the failure is logged and shown on the dashboard.
  scope.get('/repos/acme/api/git/ref/heads%2Fmain').reply(500, { message: 'Server Error' });
  scope.get('/repos/acme/api/issues').query({ creator: BOT, state: 'open', per_page: '100' }).reply(200, []);
  scope.post('/repos/acme/api/issues', (body: { body: string }) => body.body.includes('The last scan failed')).reply(201, { number: 1 });
  await probot.receive({ id: 'leak-check', name: 'issue_comment', payload: commentPayload(repo, '/repro rescan') as never });
  const logged = lines.join('\n');
  expect(logged).toContain('scan failed');
  expect(logged).not.toContain('ghs_installation_token_for_tests');
  expect(logged).not.toContain(password);
  expect(logged).not.toContain(Buffer.from(`robot:${password}`).toString('base64'));
});
