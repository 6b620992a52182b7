/**
 * Periods: whole seconds, `0 <= period <= MAX_PERIOD` (SPEC §1).
 */

/** 400 days in seconds: the cap browsers put on cookie lifetimes (RFC 6265bis §5.6.2). */
export const MAX_PERIOD = 34_560_000;

/** One week, the default period of the shipped backends. */
export const ONE_WEEK = 604_800;

/**
 * Returns `period` if it is a whole number of seconds in `[0, MAX_PERIOD]`; otherwise throws a
 * `RangeError` naming `argument` and the offending value. (Departs from the original, which
 * accepts negative periods and wraps Int64 on overflow.)
 */
export function checkPeriod(period: unknown, argument: string): number {
  // Number.isInteger is false for anything but a number, so no typeof test before it.
  if (!Number.isInteger(period) || (period as number) < 0 || (period as number) > MAX_PERIOD) {
    throw new RangeError(
      `${argument} must be a whole number of seconds from 0 to ${MAX_PERIOD}, got ${describe(period)}`,
    );
  }
  return period as number;
}

/** The instant a record stored at `now` for `period` seconds expires (SPEC §1). */
export function expiresAt(now: number, period: number): number {
  return now + period * 1000;
}

/** Live while `now <= expiresAt`, strictly expired after (SPEC §1, as the original). */
export function isLive(expiresAtMs: number, now: number): boolean {
  return now <= expiresAtMs;
}

/** The remaining period reported for a live record: whole seconds, rounded down (SPEC §1). */
export function remainingPeriod(expiresAtMs: number, now: number): number {
  return Math.floor((expiresAtMs - now) / 1000);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}
