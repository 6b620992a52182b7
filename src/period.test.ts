import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPeriod, expiresAt, isLive, MAX_PERIOD, remainingPeriod } from './period.js';

describe('checkPeriod (SPEC §1)', () => {
  it('accepts every whole number of seconds from 0 to 400 days', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: MAX_PERIOD }), (p) => checkPeriod(p, 'expiry') === p));
    expect(MAX_PERIOD).toBe(400 * 24 * 3600);
    expect(checkPeriod(0, 'expiry')).toBe(0);
    expect(checkPeriod(MAX_PERIOD, 'expiry')).toBe(MAX_PERIOD);
  });

  it.each([-1, 0.5, MAX_PERIOD + 1, Number.NaN, Number.POSITIVE_INFINITY, '60', null, undefined, 10n])(
    'refuses %s with a RangeError naming the argument',
    (bad) => {
      expect(() => checkPeriod(bad, 'expiry')).toThrow(RangeError);
      expect(() => checkPeriod(bad, 'expiry')).toThrow(/^expiry must be a whole number of seconds/);
    },
  );

  it.each([
    [-1, '-1'],
    [0.5, '0.5'],
    [MAX_PERIOD + 1, String(MAX_PERIOD + 1)],
    ['60', '"60"'],
    [10n, '10n'],
    [null, 'null'],
    [undefined, 'undefined'],
    [{ seconds: 60 }, '[object Object]'],
    [[60], '[object Array]'],
  ])('names the offending value %s as %s', (bad, shown) => {
    expect(() => checkPeriod(bad, 'expiry')).toThrow(
      new RangeError(`expiry must be a whole number of seconds from 0 to ${MAX_PERIOD}, got ${shown}`),
    );
  });
});

describe('expiry arithmetic (SPEC §1)', () => {
  it('is live up to and including expiresAt, expired one millisecond later', () => {
    const at = expiresAt(1_000, 2);
    expect(at).toBe(3_000);
    expect(isLive(at, 2_999)).toBe(true);
    expect(isLive(at, 3_000)).toBe(true);
    expect(isLive(at, 3_001)).toBe(false);
  });

  it('reports the remaining period rounded down', () => {
    expect(remainingPeriod(3_000, 1_000)).toBe(2);
    expect(remainingPeriod(3_000, 1_001)).toBe(1);
    expect(remainingPeriod(3_000, 2_001)).toBe(0);
    expect(remainingPeriod(3_000, 3_000)).toBe(0);
  });
});
