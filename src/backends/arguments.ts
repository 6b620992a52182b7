/**
 * Checks every shipped backend makes of its arguments, in one place so that the backends agree
 * (SPEC §1, §3, §4).
 */
import { checkPeriod } from '../period.js';

/**
 * The lifetime an operation stores for: `expiry` if given (a `RangeError` if it is not a valid
 * period), else the backend's default at the time of the call (SPEC §4).
 */
export function lifetimeFor(expiry: number | undefined, defaultPeriod: number): number {
  return expiry === undefined ? defaultPeriod : checkPeriod(expiry, 'expiry');
}

/** A value handed to `generate` or `set` is a string (SPEC §3); anything else is a `TypeError`. */
export function checkValueArgument(value: unknown, operation: 'generate' | 'set'): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${operation}: value must be a string, got ${typeof value}`);
}
