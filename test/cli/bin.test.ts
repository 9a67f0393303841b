import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = new URL('../../bin/repro-pins.js', import.meta.url).pathname;

describe('the installed repro-pins binary', () => {
  test('--help works from the compiled output that `npm ci` builds', async () => {
    // dist/ comes from the `prepare` script; a missing build fails here with "Cannot find module".
    const { stdout } = await run(process.execPath, [bin, '--help']);
    expect(stdout).toContain('Usage: repro-pins [options] [command]');
    expect(stdout).toMatch(/scan \[options\] \[dir\]/);
    expect(stdout).toMatch(/pin \[options\] \[dir\]/);
  });

  test('a usage error exits 2', async () => {
    await expect(run(process.execPath, [bin, 'pin', '--bogus'])).rejects.toMatchObject({ code: 2 });
  });
});
