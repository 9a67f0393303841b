import { readFileSync } from 'node:fs';
import { defaultConfig } from '../../src/core/config.js';
import { lintSources } from '../../src/core/lint/index.js';

/**
 * The twice-build workflow the onboarding PR installs must pass the project's own rules: no
 * unpinned image or action other than the actions the App pins when it writes the onboarding
 * PR, SOURCE_DATE_EPOCH set, rewrite-timestamp on, provenance off.
 */
test('the repro-verify template, installed as a workflow, raises only the action pins the App writes at onboarding', () => {
  const text = readFileSync(new URL('../../templates/repro-verify.yml', import.meta.url), 'utf8');
  const findings = lintSources([{ path: '.github/workflows/repro-verify.yml', text }], defaultConfig);
  const atWarningOrError = findings.filter((f) => f.level !== 'info');
  expect(atWarningOrError.map((f) => f.rule)).toEqual(['action-not-pinned', 'action-not-pinned', 'action-not-pinned']);
  expect(atWarningOrError.map((f) => f.message.split(' ')[0])).toEqual(['actions/checkout@v4', 'docker/setup-buildx-action@v3', 'actions/upload-artifact@v4']);
  for (const rule of ['build-no-epoch', 'build-no-rewrite-timestamp', 'build-attestations', 'image-not-pinned', 'pipe-to-shell']) {
    expect(findings.filter((f) => f.rule === rule)).toEqual([]);
  }
});

test('the same rules do read the template build step: without its settings they fire', () => {
  const text = readFileSync(new URL('../../templates/repro-verify.yml', import.meta.url), 'utf8');
  const rulesFor = (edited: string) => lintSources([{ path: '.github/workflows/repro-verify.yml', text: edited }], defaultConfig).map((f) => f.rule);
  expect(rulesFor(text.replace(',rewrite-timestamp=true', ''))).toContain('build-no-rewrite-timestamp');
  expect(rulesFor(text.replace(' --provenance=false', ''))).toContain('build-attestations');
  expect(rulesFor(text.replace(/SOURCE_DATE_EPOCH/g, 'BUILD_TIME'))).toContain('build-no-epoch');
});
