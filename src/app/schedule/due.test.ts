import { isDue } from './due.js';

const at = (iso: string) => new Date(iso);

describe('schedule', () => {
  test('the default weekly schedule fires once, in the tick window that contains Monday 06:00 UTC', () => {
    expect(isDue('0 6 * * 1', 'UTC', at('2026-11-23T05:50:00Z'), at('2026-11-23T06:00:00Z'))).toBe(true);
    expect(isDue('0 6 * * 1', 'UTC', at('2026-11-23T06:00:00Z'), at('2026-11-23T06:10:00Z'))).toBe(false);
    expect(isDue('0 6 * * 1', 'UTC', at('2026-11-24T05:50:00Z'), at('2026-11-24T06:00:00Z'))).toBe(false);
  });

  test('the timezone moves the firing', () => {
    // 06:00 in Berlin is 05:00 UTC in November.
    expect(isDue('0 6 * * 1', 'Europe/Berlin', at('2026-11-23T04:55:00Z'), at('2026-11-23T05:05:00Z'))).toBe(true);
    expect(isDue('0 6 * * 1', 'Europe/Berlin', at('2026-11-23T05:55:00Z'), at('2026-11-23T06:05:00Z'))).toBe(false);
  });

  test('a firing missed by a late tick is still caught by the next one', () => {
    expect(isDue('0 6 * * 1', 'UTC', at('2026-11-23T05:00:00Z'), at('2026-11-23T07:30:00Z'))).toBe(true);
  });

});
