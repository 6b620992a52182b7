/**
 * How many runs a property does: the one place that reads `SESS_RUNS`.
 */
import type { CheckOptions, ConformanceProperty } from './property.js';

/**
 * Runs for `property`: `options.runs` when given; else `SESS_RUNS` from the environment (a positive
 * whole number, for deeper runs in CI or by hand); else the property's `defaultRuns`.
 * Throws a `RangeError` naming the variable when `SESS_RUNS` is set to something else.
 */
export function runsFor(property: Pick<ConformanceProperty, 'defaultRuns'>, options: CheckOptions = {}): number {
  if (options.runs !== undefined) return checkRuns(options.runs, 'runs');
  const fromEnvironment = environmentRuns();
  return fromEnvironment ?? property.defaultRuns;
}

/** `SESS_RUNS` as a number, or `undefined` when unset or empty (also in a browser, where there is no `process`). */
export function environmentRuns(): number | undefined {
  const raw = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.SESS_RUNS;
  if (raw === undefined || raw.trim() === '') return undefined;
  return checkRuns(Number(raw), 'SESS_RUNS', raw);
}

function checkRuns(runs: number, name: string, raw: unknown = runs): number {
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`${name} must be a whole number of runs >= 1, got ${JSON.stringify(raw)}`);
  }
  return runs;
}

/**
 * A test timeout for checking `property`: `baseMs` at its default run count, scaled up in
 * proportion when `options.runs` or `SESS_RUNS` asks for more runs (a deeper run is meant to take
 * longer, not to time out).
 */
export function timeoutFor(property: Pick<ConformanceProperty, 'defaultRuns'>, baseMs: number, options: CheckOptions = {}): number {
  return Math.ceil(baseMs * Math.max(1, runsFor(property, options) / property.defaultRuns));
}

/**
 * A fresh fast-check seed: a positive 31-bit integer, so that it reads as a plain `--seed N` in a
 * replay command (fast-check takes any 32-bit integer; a negative one would look like an option).
 * The one place seeds are drawn: the runner and `checkProperty` agree on the range.
 */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
