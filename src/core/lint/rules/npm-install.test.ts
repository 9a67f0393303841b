import { findingsOf, lines, linesOf } from '../lint-test-kit.js';

describe('npm-install', () => {
  test('npm install and npm i, bare or with packages, in RUN (shell and exec form), workflow steps and scripts', () => {
    const dockerfile = lines(
      'FROM node:22-bookworm-slim',
      'RUN npm install',
      'RUN npm i --omit=dev express',
      'RUN ["npm", "install", "--production"]',
      'RUN cd app && NODE_ENV=production npm --prefix /srv/app install',
    );
    const findings = findingsOf('npm-install', 'Dockerfile', dockerfile);
    expect(findings.map((f) => f.line)).toEqual([2, 3, 4, 5]);
    expect(findings[0]!.fix).toBe('npm ci (installs exactly what package-lock.json says, and fails when it does not match package.json)');
    expect(findings[1]!.message).toBe('npm install express adds packages at build time, at whichever version is newest');
    const workflow = lines('on: push', 'jobs:', '  t:', '    runs-on: ubuntu-24.04', '    steps:', '      - run: npm ci', '      - run: npm install');
    expect(linesOf('npm-install', '.github/workflows/ci.yml', workflow)).toEqual([7]);
    expect(linesOf('npm-install', 'scripts/setup.sh', '#!/bin/sh\nnpm install\n')).toEqual([2]);
  });

  test('npm ci, other npm commands, and global tools at exact versions are fine; a global tool without one is not', () => {
    const text = lines(
      'FROM node:22-bookworm-slim',
      'RUN npm ci --ignore-scripts && npm run build && npm prune --omit=dev',
      'RUN npm install -g npm@10.9.2 @angular/cli@19.0.6',
      'RUN npm install --global typescript',
      'RUN npm i -g pnpm@latest',
    );
    const findings = findingsOf('npm-install', 'Dockerfile', text);
    expect(findings.map((f) => f.line)).toEqual([4, 5]);
    expect(findings[1]!.fix).toBe('name exact versions: npm install -g pnpm@<x.y.z>');
  });
});

describe('npm-install with versions from build arguments', () => {
  test('npm install -g pkg@${VERSION} is fine when the ARG (or ENV) default is an exact version; a range, a tag or no default is not', () => {
    const text = lines(
      'FROM node:22-bookworm-slim',
      'ARG AZURITE_VERSION=3.18.0',
      'ARG PNPM_VERSION=^9',
      'ARG TAG=latest',
      'ARG UNSET',
      'ENV TSC=5.6.3',
      'RUN npm install -g azurite@${AZURITE_VERSION} typescript@$TSC',
      'RUN npm install -g pnpm@${PNPM_VERSION}',
      'RUN npm i -g corepack@$TAG',
      'RUN npm i -g yarn@${UNSET}',
    );
    expect(linesOf('npm-install', 'Dockerfile', text)).toEqual([8, 9, 10]);
    // A global ARG is only visible in a stage that declares it again.
    expect(linesOf('npm-install', 'Dockerfile', lines('ARG V=3.18.0', 'FROM node:22', 'RUN npm install -g azurite@${V}'))).toEqual([3]);
    expect(linesOf('npm-install', 'Dockerfile', lines('ARG V=3.18.0', 'FROM node:22', 'ARG V', 'RUN npm install -g azurite@${V}'))).toEqual([]);
  });
});

