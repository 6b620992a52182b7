/**
 * Which properties run in which clock mode, and what a store whose expiry runs on a server's clock
 * leaves unchecked in simulated time. The runner (src/conformance/run/runner.ts) asks here.
 *
 * - Simulated (the default): every property, on a `ManualClock` the harness moves. A store
 *   whose expiry runs on a server's clock (Redis `EX`/`PX`, SQL `NOW()`) does not follow that
 *   clock: its expiry checks are reported as not checked, with the reason ({@link underServerClock}).
 * - Real time (`realTime`): the properties that judge a store's own expiry against the system
 *   clock (properties/real-time.ts). The others do not judge expiry, or judge it only through the
 *   manager, the sweep or concurrent histories, where real waits would take minutes: they are
 *   reported as left to the simulated run ({@link leftToSimulatedRun}), never as passes.
 *
 * @module
 */
import type { ConformanceProperty, PropertyReport, RootCause } from './property.js';
import { backendModelRealTimeProperty } from './real-time.js';

/** The properties that have a real-time form, by name. */
export const realTimeProperties: ReadonlyMap<string, ConformanceProperty> = new Map([[backendModelRealTimeProperty.name, backendModelRealTimeProperty]]);

/**
 * The properties that move the simulated clock to judge expiry (sessions outliving their lifetime,
 * keys expiring before reuse, dead records swept). On a store whose expiry runs on a server's clock
 * they are at most partly checked in simulated time.
 */
export const MOVES_THE_CLOCK: ReadonlySet<string> = new Set([
  'backend-model', 'manager-model', 'key-quality', 'derived-keys', 'namespace-isolation', 'reclaiming',
  'linearizability', 'manager-races', 'faults',
]);

/**
 * The root causes that are about when a session expires or how much of its period is left: on a
 * store whose expiry runs on a server's clock, a simulated run cannot tell them from the clock it
 * cannot move. (`revives-cleared` is one only for an expired key: see {@link isAboutExpiry}.)
 */
export const EXPIRY_ROOT_CAUSES: ReadonlySet<string> = new Set([
  'expiry-late', 'expiry-early', 'period-rounding', 'period-wrong', 'period-not-counting-down', 'period-not-whole-seconds',
  'lifetime-not-restarted', 'live-session-lost', 'default-period-ignored', 'zero-expiry-as-default', 'long-lifetime-lost',
  'expiry-not-context-clock', 'dead-records-kept', 'sweep-count-wrong',
]);

/**
 * Whether a failure's root cause is about expiry. `revives-cleared` names every write to a key that
 * is not live: about expiry when the key had expired (its rule says "an expired key"), never when
 * it was cleared (a cleared session coming back is a bug whatever the clock).
 */
export function isAboutExpiry(rootCause: RootCause): boolean {
  return EXPIRY_ROOT_CAUSES.has(rootCause.id) || (rootCause.id === 'revives-cleared' && /never revives an expired key/.test(rootCause.rule));
}

/** Why `name` has no result in a real-time run (the same words for every property of a kind, so a report can say them once). */
export function leftToSimulatedRun(name: string): string {
  const only = [...realTimeProperties.keys()].join(', ');
  return MOVES_THE_CLOCK.has(name)
    ? `left to the simulated run (real time runs only ${only}: these judge expiry through more calls, sweeps or histories than a few seconds of real waits allow)`
    : `left to the simulated run (they do not judge expiry, so real time adds nothing to them)`;
}

/**
 * `report` of a simulated run on a store whose expiry runs on a server's clock (`what` names it):
 * a property that moves the clock and held is partly checked (the store's own expiry was not what
 * was judged); a failure whose root cause is about expiry is not checked, naming what the simulated
 * run met, for a real-time run to confirm or clear. Any other failure stands.
 */
export function underServerClock(report: PropertyReport, what: string): PropertyReport {
  const reason = `the store's expiry runs on a server's clock (${what}), which the simulated clock does not move: its own expiry is not checked in simulated time (a real-time run checks it: realTime / --real-time)`;
  if (report.verdict === 'failed' && report.failure !== undefined && isAboutExpiry(report.failure.rootCause)) {
    const { failure, note: _note, ...rest } = report;
    const met = `${failure.rootCause.id}${failure.rootCause.measured === undefined ? '' : `, ${failure.rootCause.measured}`}`;
    return { ...rest, verdict: 'not_checked', notChecked: `${reason}; the simulated run met ${met}, for real time to judge` };
  }
  if (!MOVES_THE_CLOCK.has(report.name)) return report;
  if (report.verdict === 'passed') return { ...report, verdict: 'partly_checked', note: reason };
  if (report.verdict === 'partly_checked') return { ...report, note: `${report.note ?? ''}; ${reason}` };
  return report;
}

