import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock.js';

describe('ManualClock', () => {
  it('starts where it is told and moves only by advance and set', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    clock.set(5);
    expect(clock.now()).toBe(5);
  });

  it('starts at 0 by default', () => {
    expect(new ManualClock().now()).toBe(0);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses to advance by %s', (ms) => {
    const clock = new ManualClock(10);
    expect(() => clock.advance(ms)).toThrow(
      new RangeError(`ManualClock.advance: ms must be a finite number >= 0, got ${String(ms)}`),
    );
    expect(clock.now()).toBe(10);
  });

  it('advances by 0 (a no-op, not an error)', () => {
    const clock = new ManualClock(10);
    clock.advance(0);
    expect(clock.now()).toBe(10);
  });

  it.each([Number.NaN, Number.NEGATIVE_INFINITY, '5' as unknown as number])('refuses the instant %s', (ms) => {
    expect(() => new ManualClock(ms)).toThrow(
      new RangeError(`ManualClock: startMs must be a finite number of milliseconds, got ${String(ms)}`),
    );
    expect(() => new ManualClock().set(ms)).toThrow(
      new RangeError(`ManualClock: ms must be a finite number of milliseconds, got ${String(ms)}`),
    );
  });
});

describe('systemClock', () => {
  it('reads the wall clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
