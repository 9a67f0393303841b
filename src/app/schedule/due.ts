import { CronExpressionParser } from 'cron-parser';

/**
 * Whether a repository's schedule fired in the window (after, until]: the scheduler asks this
 * once per tick, so a missed tick never loses a scan and a scan never runs twice for one firing.
 */
export function isDue(schedule: string, timezone: string, after: Date, until: Date): boolean {
  // prev() is strictly before currentDate; one millisecond later makes `until` itself count.
  const expression = CronExpressionParser.parse(schedule, { currentDate: new Date(until.getTime() + 1), tz: timezone });
  const previous = expression.prev().toDate();
  return previous.getTime() > after.getTime() && previous.getTime() <= until.getTime();
}

