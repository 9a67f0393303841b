/**
 * Redelivered webhooks are handled once, in both deployment modes: the same delivery id twice,
 * and the same comment under a new delivery id (GitHub retrying). `/repro help` is the command
 * whose answer shows it: each handling posts one reply. With REDIS_URL, two webhook servers share
 * a real redis-server, as a cluster's do.
 */
import nock from 'nock';
import { startRedisServer, type RedisServer } from '../../bench/app-redis-server.js';
import { API, commentPayload, fakeRepo, into, mockAppAuth, startApp } from './github-fake.js';
import { useNock } from '../support/nock.js';

const repo = fakeRepo('acme', 'api', {});
const base = '/repos/acme/api';

useNock('127.0.0.1');

/** One handling of `/repro help` on comment `commentId`: permission, reaction, the answer. */
function mockHelpAnswered(scope: nock.Scope, replies: Array<{ body: string }>, commentId = 9001) {
  scope.get(`${base}/collaborators/maintainer/permission`).reply(200, { permission: 'write', role_name: 'write' });
  scope.post(`${base}/issues/comments/${commentId}/reactions`, { content: '+1' }).reply(201, {});
  scope.post(`${base}/issues/7/comments`, into(replies)).reply(201, {});
}

const help = (commentId = 9001) => commentPayload(repo, '/repro help', undefined, 7, commentId) as never;

describe('one process (in-process queue)', () => {
  test('/repro help delivered twice with one delivery id, then again under a new delivery id, is answered once', async () => {
    const probot = await startApp();
    const replies: Array<{ body: string }> = [];
    mockHelpAnswered(mockAppAuth(nock(API), { identity: false }), replies);
    await probot.receive({ id: 'help-1', name: 'issue_comment', payload: help() });
    await probot.receive({ id: 'help-1', name: 'issue_comment', payload: help() });
    await probot.receive({ id: 'help-1-retried', name: 'issue_comment', payload: help() });
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain('`/repro help`: this message');

    // Another comment is a new command.
    const again = nock(API);
    mockHelpAnswered(again, replies, 9002);
    await probot.receive({ id: 'help-2', name: 'issue_comment', payload: help(9002) });
    expect(replies).toHaveLength(2);
  });

  test('a delivery whose handling failed is handled when it is redelivered', async () => {
    const probot = await startApp();
    const replies: Array<{ body: string }> = [];
    const scope = mockAppAuth(nock(API), { identity: false });
    scope.get(`${base}/collaborators/maintainer/permission`).reply(502, { message: 'Bad Gateway' });
    await expect(probot.receive({ id: 'help-failing', name: 'issue_comment', payload: help() })).rejects.toThrow(/Bad Gateway/);
    mockHelpAnswered(scope, replies);
    await probot.receive({ id: 'help-failing', name: 'issue_comment', payload: help() });
    expect(replies).toHaveLength(1);
  });
});

describe('a cluster (REDIS_URL): two webhook servers sharing one redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  });

  test('the same comment reaching both servers, under one delivery id and then a new one, is answered once', async () => {
    const servers = [await startApp({ REDIS_URL: redis.url }), await startApp({ REDIS_URL: redis.url })];
    try {
      expect(servers.map((s) => s.runtime.mode)).toEqual(['redis', 'redis']);
      const replies: Array<{ body: string }> = [];
      mockHelpAnswered(mockAppAuth(nock(API), { identity: false }), replies, 9101);
      await servers[0]!.receive({ id: 'cluster-help-1', name: 'issue_comment', payload: help(9101) });
      await servers[1]!.receive({ id: 'cluster-help-1', name: 'issue_comment', payload: help(9101) });
      await servers[1]!.receive({ id: 'cluster-help-1-retried', name: 'issue_comment', payload: help(9101) });
      expect(replies).toHaveLength(1);
    } finally {
      await Promise.all(servers.map((s) => s.runtime.stop()));
    }
  });
});
