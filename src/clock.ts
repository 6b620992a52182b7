/**
 * Time, as every part of sess sees it (SPEC §1).
 *
 * Nothing in `src/` reads `Date.now()` except {@link systemClock}: backends and the manager take a
 * {@link Clock}, so that tests and the conformance suite can move time by hand.
 */

/** A source of the current instant, in milliseconds since the Unix epoch (like `Date.now()`). */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/**
 * A clock that moves only when told to: for tests and simulation.
 *
 * @example
 * const clock = new ManualClock(0);
 * clock.advance(1_000); // one second later
 */
export class ManualClock implements Clock {
  #now: number;

  constructor(startMs = 0) {
    this.#now = checkInstant(startMs, 'startMs');
  }

  now(): number {
    return this.#now;
  }

  /** Moves the clock forward by `ms` milliseconds (never backward). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualClock.advance: ms must be a finite number >= 0, got ${String(ms)}`);
    }
    this.#now += ms;
  }

  /** Puts the clock at instant `ms`. */
  set(ms: number): void {
    this.#now = checkInstant(ms, 'ms');
  }
}

function checkInstant(ms: number, name: string): number {
  // Number.isFinite is false for anything but a number (it does not convert), so no typeof test.
  if (!Number.isFinite(ms)) {
    throw new RangeError(`ManualClock: ${name} must be a finite number of milliseconds, got ${String(ms)}`);
  }
  return ms;
}
