import { defaultConfig } from '../../config.js';
import { lintSources } from '../index.js';

// Each step's environment is a view over the exports before it, not a copy: a copy per command
// made a script of 10k `export` lines take 20 s and 2 GB. Correct results on that script here.
describe('the environment of a long script', () => {
  const exports = Array.from({ length: 10_000 }, (_, i) => `export VAR_${i}=${i}`).join('\n');
  const epochFindings = (text: string) => lintSources([{ path: 'build.sh', text }], defaultConfig).filter((f) => f.rule === 'build-no-epoch');

  test('a variable exported before 10k others still reaches the build', () => {
    expect(epochFindings(`#!/bin/sh\nexport SOURCE_DATE_EPOCH=0\n${exports}\ndocker build -t x .\n`)).toEqual([]);
  });

  test('one exported after the build does not reach it', () => {
    const findings = epochFindings(`#!/bin/sh\n${exports}\ndocker build -t x .\nexport SOURCE_DATE_EPOCH=0\ndocker build -t y .\n`);
    expect(findings.map((f) => f.line)).toEqual([10_002]);
  });

  test('a later export of a name reaches the commands after it, not those before', () => {
    const text = `#!/bin/sh\nexport GOFLAGS=-trimpath\n${exports}\ngo build -ldflags=-buildid= ./a\nexport GOFLAGS=-v\ngo build -ldflags=-buildid= ./b\n`;
    const findings = lintSources([{ path: 'build.sh', text }], defaultConfig).filter((f) => f.rule === 'go-build-flags');
    expect(findings.map((f) => f.line)).toEqual([10_005]);
  });
});
