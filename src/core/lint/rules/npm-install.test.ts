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
