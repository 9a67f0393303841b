import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDockerCredentials } from './docker-config.js';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

describe('loadDockerCredentials', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'repro-pins-docker-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeConfig = (config: unknown, into = dir): void => writeFileSync(join(into, 'config.json'), JSON.stringify(config));

  it('reads auth and username/password entries keyed by host or URL, Docker Hub under its legacy URL', () => {
    writeConfig({
      auths: {
        'https://index.docker.io/v1/': { auth: base64('hubuser:hub:pass') },
        'https://ghcr.io': { username: 'octocat', password: 'ghp_secret' },
        'localhost:5000': { auth: base64('local:pw'), username: 'ignored', password: 'ignored' },
      },
      credsStore: 'desktop',
    });
    const store = loadDockerCredentials({ DOCKER_CONFIG: dir });
    expect(store.get('docker.io')).toEqual({ username: 'hubuser', password: 'hub:pass' });
    expect(store.get('ghcr.io')).toEqual({ username: 'octocat', password: 'ghp_secret' });
    expect(store.get('localhost:5000')).toEqual({ username: 'local', password: 'pw' });
    expect(store.get('quay.io')).toBeUndefined();
  });

  it('skips entries whose secret lives in a credential helper', () => {
    writeConfig({ auths: { 'registry.example.com': {} }, credHelpers: { 'registry.example.com': 'ecr-login' } });
    expect(loadDockerCredentials({ DOCKER_CONFIG: dir }).get('registry.example.com')).toBeUndefined();
  });

  it('falls back to ~/.docker/config.json when DOCKER_CONFIG is unset', () => {
    mkdirSync(join(dir, '.docker'));
    writeConfig({ auths: { 'quay.io': { auth: base64('robot:token') } } }, join(dir, '.docker'));
    expect(loadDockerCredentials({ HOME: dir }).get('quay.io')).toEqual({ username: 'robot', password: 'token' });
  });

  it('returns no credentials when the file does not exist', () => {
    expect(loadDockerCredentials({ DOCKER_CONFIG: join(dir, 'absent') }).get('docker.io')).toBeUndefined();
  });

  it('names the file, and never quotes its content, when it is not JSON', () => {
    writeFileSync(join(dir, 'config.json'), '{"auths": {"ghcr.io": {"password": "hunter2"}');
    const load = (): unknown => loadDockerCredentials({ DOCKER_CONFIG: dir });
    expect(load).toThrow(`The Docker config file ${join(dir, 'config.json')} is not valid JSON`);
    expect(load).not.toThrow(/hunter2/);
  });

  it('names the file when auths has the wrong shape or an auth is not user:password', () => {
    writeConfig({ auths: ['ghcr.io'] });
    expect(() => loadDockerCredentials({ DOCKER_CONFIG: dir })).toThrow(join(dir, 'config.json'));
    writeConfig({ auths: { 'ghcr.io': { auth: base64('no-colon') } } });
    expect(() => loadDockerCredentials({ DOCKER_CONFIG: dir })).toThrow(/has an "auth" for "ghcr.io" that is not base64 of user:password/);
  });
});
