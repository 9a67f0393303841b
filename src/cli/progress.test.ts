import { progressReporter } from './progress.js';

describe('progress reporter', () => {
  const capture = (isTTY: boolean) => {
    let out = '';
    const reporter = progressReporter({ write: (s: string) => (out += s) }, isTTY, 'Resolving');
    return { reporter, output: () => out };
  };

  test('prints a counter on a TTY and clears it at the end', () => {
    const { reporter, output } = capture(true);
    reporter.update(1, 2);
    reporter.update(2, 2);
    expect(output()).toBe('\rResolving 1/2\rResolving 2/2\r\x1b[K');
  });

  test('prints nothing when stderr is not a terminal', () => {
    const { reporter, output } = capture(false);
    reporter.update(2, 2);
    expect(output()).toBe('');
  });
});
