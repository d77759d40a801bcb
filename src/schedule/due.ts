// Schedule maths for the digest: when each subscriber's local delivery slot was and will be, and who is
// due now. Pure: the clock comes in as an argument.
import { CronExpressionParser } from 'cron-parser';
import type { Subscriber } from '../subscribers/store.js';

/** The most recent instant at or before `now` matching `expression` in `timezone`. */
export function lastSlot(expression: string, now: Date, timezone: string): Date | undefined {
  // cron-parser's prev() excludes the current instant; a slot at exactly `now` counts as passed.
  const parsed = CronExpressionParser.parse(expression, { currentDate: new Date(now.getTime() + 1000), tz: timezone });
  try {
    const slot = parsed.prev().toDate();
    return slot.getTime() <= now.getTime() ? slot : parsed.prev().toDate();
  } catch {
    return undefined; // an expression that never matched (e.g. 30 February)
  }
}

/** The next instant after `now` matching `expression` in `timezone`. */
export function nextSlot(expression: string, now: Date, timezone: string): Date | undefined {
  try {
    return CronExpressionParser.parse(expression, { currentDate: now, tz: timezone }).next().toDate();
  } catch {
    return undefined;
  }
}

/**
 * A subscriber is due when their latest local slot (the digest schedule read in their own timezone, or
 * the site's) has passed since their last digest, or since they joined. However long the process was
 * down, that is one digest, not one per missed slot.
 */
export function isDue(
  subscriber: Subscriber,
  expression: string,
  now: Date,
  siteTimezone: string,
  slotIn: (timezone: string) => Date | undefined = (tz) => lastSlot(expression, now, tz),
): boolean {
  if (subscriber.status !== 'active') return false;
  const slot = slotIn(subscriber.timezone ?? siteTimezone);
  if (!slot) return false;
  const anchor = subscriber.lastDigestUntil ?? subscriber.confirmedAt ?? subscriber.createdAt;
  // A digest that failed for them since this slot is not retried at every check (every few minutes):
  // the next slot, or `send --retry-failed`, tries again.
  const failed = subscriber.lastFailedAt?.getTime() ?? 0;
  return Math.max(anchor.getTime(), failed) < slot.getTime();
}

/**
 * isDue for many subscribers at one `now`: the slot depends only on the timezone, so it is worked out once
 * per timezone, not once per subscriber (parsing the cron expression for each of 100,000 subscribers was
 * most of a digest check). One checker serves every page of a paged pass.
 */
export function dueChecker(expression: string, now: Date, siteTimezone: string): (subscriber: Subscriber) => boolean {
  const slots = new Map<string, Date | undefined>();
  const slotIn = (timezone: string) => {
    if (!slots.has(timezone)) slots.set(timezone, lastSlot(expression, now, timezone));
    return slots.get(timezone);
  };
  return (subscriber) => isDue(subscriber, expression, now, siteTimezone, slotIn);
}

export function dueSubscribers(subscribers: readonly Subscriber[], expression: string, now: Date, siteTimezone: string): Subscriber[] {
  return subscribers.filter(dueChecker(expression, now, siteTimezone));
}

/** An error message for an invalid cron expression, or undefined when it is valid. */
export function cronProblem(expression: string, timezone: string): string | undefined {
  try {
    CronExpressionParser.parse(expression, { tz: timezone });
    return expression.trim().split(/\s+/).length === 5 ? undefined : 'expected five fields: minute hour day-of-month month day-of-week';
  } catch (err) {
    return (err as Error).message;
  }
}
