/**
 * The conformance runner (`sess/conformance`): every property of SPEC §8 over one
 * {@link BackendFactory}, one property after the other, through the one loop that checks a
 * property (`properties/check.ts`). The CLI, its browser mode and store authors' own scripts all
 * call {@link runConformance}.
 */
import type { Backend, BackendFactory } from '../../backend.js';
import { ManualClock } from '../../clock.js';
import { describeError } from '../../error-text.js';
import { checkProperty } from '../../../properties/check.js';
import { conformanceProperties } from '../../../properties/index.js';
import type { ConformanceProperty, PropertyReport } from '../../../properties/property.js';
import { randomSeed } from '../../../properties/runs.js';
import { leftToSimulatedRun, realTimeProperties, underServerClock } from '../../../properties/clock-modes.js';
import { BackendFactoryError, ConformanceUsageError } from '../errors.js';
import { findingsOf, notCheckedParts, type Finding, type NotCheckedPart } from '../report/findings.js';
import { isWedged } from './wedge.js';

export type { ConformanceProperty, FailureReport, PropertyReport, RootCause } from '../../../properties/property.js';
export type { Finding, NotCheckedPart } from '../report/findings.js';

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Runs per property; omitted, each property runs its own `defaultRuns`. */
  runs?: number;
  /** fast-check seed shared by every property; random (and reported) when omitted. */
  seed?: number;
  /** fast-check replay path of one failure; needs `seed` and exactly one property in `only`. */
  path?: string;
  /** Names of the properties to run (see {@link listProperties}); omitted, all of them. */
  only?: readonly string[];
  /** Called as a property starts (for progress displays). */
  onStart?: (property: PropertySummary, index: number, total: number) => void;
  /** Called as soon as a property is decided, before the next one starts. */
  onResult?: (report: PropertyReport, index: number, total: number) => void;
  /**
   * How long one backend call may take before it counts as never settling (default 10 000 ms:
   * real networked stores never come close). Such a call fails the property it was made in.
   */
  callTimeoutMs?: number;
  /** A property (or part of one) that could not be checked on this backend fails the run. */
  requireAll?: boolean;
  /**
   * Make the global `Date` follow the run's simulated clock while each property runs (only `Date`:
   * timers, microtasks and I/O stay real), for stores that read `Date.now()` themselves instead of
   * the clock they are given (most express-session stores). Put back after every property.
   */
  fakeDate?: boolean;
  /**
   * Run in real time: the backend gets the system clock, clock moves become real waits (a few
   * seconds per run), and an answer that straddles an expiry instant (within a stated tolerance) may
   * go either way. For stores whose expiry runs on a server's clock (Redis `EX`/`PX`, SQL `NOW()`).
   * Only the properties that judge a store's own expiry run (`backend-model`); the others are
   * reported as left to the simulated run. Slower, fewer runs, and not exactly reproducible.
   */
  realTime?: boolean;
  /**
   * The store's expiry runs on a server's clock, named in a few words; omitted, the factory's own
   * `expiryOnServerClock` (see {@link BackendFactory}). In a simulated run its expiry checks are
   * then reported as not checked (never as failures, never as passes).
   */
  expiryOnServerClock?: string;
}

/** What `--list` shows about a property. */
export interface PropertySummary {
  name: string;
  summary: string;
  /** The SPEC sections it enforces. */
  rules: string;
  defaultRuns: number;
}

/** The outcome of a whole run. */
export interface ConformanceReport {
  /**
   * `failed` as soon as one property failed (or, with `requireAll`, one was not wholly checked);
   * `not_checked` when no property could be checked at all (a run that checked nothing never
   * passes); else `passed`, with what was not checked listed in `notCheckedParts`.
   */
  verdict: 'passed' | 'failed' | 'not_checked';
  /** The seed every property ran with: with a failure's `path`, it replays that failure. */
  seed: number;
  durationMs: number;
  passed: number;
  failed: number;
  notChecked: number;
  /** Properties that held with a part left out (their `note` says which). */
  partlyChecked: number;
  /** One report per property, in the suite's order. */
  properties: PropertyReport[];
  /** One per root cause: the distinct rules broken, each with its shortest story. */
  findings: Finding[];
  /** What was not checked, whole or in part, and why. */
  notCheckedParts: NotCheckedPart[];
  /** Set when the run ended before its last property (a backend that stopped answering). */
  stopped?: string;
  /** Whether `requireAll` was asked for (the verdict counts what was not checked). */
  requireAll: boolean;
  /** `real-time` for a run with `realTime` (system clock, real waits), else `simulated`. */
  clock?: 'simulated' | 'real-time';
}

/** The suite's properties, in report order, as `--list` shows them. */
export function listProperties(): PropertySummary[] {
  return conformanceProperties.map(summarize);
}

/**
 * The properties named in `only` (all when omitted), in the suite's order.
 *
 * @throws ConformanceUsageError naming an unknown property and listing the known ones.
 */
export function selectProperties(only?: readonly string[]): ConformanceProperty[] {
  if (only === undefined || only.length === 0) return [...conformanceProperties];
  const known = new Set(conformanceProperties.map((p) => p.name));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new ConformanceUsageError(
      `unknown property ${unknown.map((n) => `'${n}'`).join(', ')}: the properties are ${[...known].join(', ')}`,
    );
  }
  const wanted = new Set(only);
  return conformanceProperties.filter((p) => wanted.has(p.name));
}

/**
 * Checks `factory` against the conformance properties and reports on each.
 *
 * The factory is first called once on its own, so that a factory that throws, rejects or returns
 * something that is not a backend is reported as such ({@link BackendFactoryError}) rather than
 * as every property failing.
 *
 * @example
 * const report = await runConformance(myStoreFactory, { runs: 50 });
 * if (report.verdict === 'failed') console.error(report.properties.find((p) => p.failure)?.failure?.message);
 *
 * @throws ConformanceUsageError for invalid options; BackendFactoryError for an unusable factory.
 */
export async function runConformance(factory: BackendFactory, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const properties = selectProperties(options.only);
  checkRunOptions(options, properties);
  await probeFactory(factory);

  const seed = options.seed ?? randomSeed();
  const realTime = options.realTime === true;
  const serverClock = options.expiryOnServerClock ?? factory.expiryOnServerClock;
  const started = performance.now();
  const reports: PropertyReport[] = [];
  let stopped: string | undefined;
  for (const [index, property] of properties.entries()) {
    if (stopped !== undefined) {
      const report = notRun(property, seed, stopped);
      reports.push(report);
      options.onResult?.(report, index, properties.length);
      continue;
    }
    const inRealTime = realTime ? realTimeProperties.get(property.name) : property;
    if (inRealTime === undefined) {
      const report: PropertyReport = { ...notRun(property, seed, ''), notChecked: leftToSimulatedRun(property.name) };
      reports.push(report);
      options.onResult?.(report, index, properties.length);
      continue;
    }
    options.onStart?.(summarize(inRealTime), index, properties.length);
    const checked = await withDateIf(options.fakeDate === true, factory, (checked) =>
      checkProperty(inRealTime, checked, {
        ...(options.runs !== undefined && { runs: options.runs }),
        seed,
        ...(options.path !== undefined && { path: options.path }),
        ...(options.callTimeoutMs !== undefined && { callTimeoutMs: options.callTimeoutMs }),
        // One global Date follows one run's clock at a time.
        ...(options.fakeDate === true && { runsAtOnce: 1 }),
      }),
    );
    const report = !realTime && serverClock !== undefined ? underServerClock(checked, serverClock) : checked;
    reports.push(report);
    options.onResult?.(report, index, properties.length);
    if (report.failure?.rootCause.id === 'call-never-settles' && index < properties.length - 1 && (await isWedged(factory, options.callTimeoutMs))) {
      stopped = `the backend stopped answering during ${property.name} (a fresh backend's get() did not settle either), so the run stopped there`;
    }
  }
  return { ...summarizeRun(reports, seed, performance.now() - started, options.requireAll === true, stopped), clock: realTime ? 'real-time' : 'simulated' };
}

/**
 * The report of a run from its property reports: counts, verdict, findings by root cause and
 * what was not checked. The browser mode builds the report of a run that stopped early with it too.
 */
export function summarizeRun(reports: PropertyReport[], seed: number, durationMs: number, requireAll: boolean, stopped?: string): ConformanceReport {
  const count = (verdict: PropertyReport['verdict']) => reports.filter((r) => r.verdict === verdict).length;
  const failed = count('failed');
  const unchecked = notCheckedParts(reports);
  const checkedAny = reports.some((r) => r.verdict !== 'not_checked');
  const verdict = failed > 0 || (requireAll && unchecked.length > 0) ? 'failed' : checkedAny ? 'passed' : 'not_checked';
  return {
    verdict,
    seed,
    durationMs,
    passed: count('passed'),
    failed,
    notChecked: count('not_checked'),
    partlyChecked: count('partly_checked'),
    properties: reports,
    findings: findingsOf(reports),
    notCheckedParts: unchecked,
    ...(stopped === undefined ? {} : { stopped }),
    requireAll,
  };
}

/** Runs `check` on `factory`, with `Date` following each backend's clock when asked (and put back after). */
async function withDateIf<T>(fakeDate: boolean, factory: BackendFactory, check: (factory: BackendFactory) => Promise<T>): Promise<T> {
  if (!fakeDate) return await check(factory);
  // Loaded only when asked for: most runs never fake Date.
  const { dateFollowsClock } = await import('./date-follows-clock.js');
  const following = dateFollowsClock(factory);
  try {
    return await check(following.factory);
  } finally {
    following.dispose();
  }
}

function notRun(property: ConformanceProperty, seed: number, why: string): PropertyReport {
  return { name: property.name, summary: property.summary, verdict: 'not_checked', runs: 0, durationMs: 0, seed, notChecked: `not run: ${why}` };
}

/**
 * Calls the factory once and checks that what it gives looks like a {@link Backend}, then closes
 * it.
 *
 * @throws BackendFactoryError saying what went wrong, with the factory's own message.
 */
export async function probeFactory(factory: BackendFactory): Promise<void> {
  let backend: Backend;
  try {
    backend = await factory({ clock: new ManualClock(0), namespace: `sess-conformance-probe-${randomSeed()}` });
  } catch (error) {
    throw new BackendFactoryError(`the backend factory threw: ${describeError(error)}`, { cause: error });
  }
  const missing = (['defaultPeriod', 'generate', 'get', 'set', 'touch', 'clear'] as const).filter(
    (method) => typeof (backend as unknown as Record<string, unknown> | null | undefined)?.[method] !== 'function',
  );
  if (missing.length > 0) {
    const got = backend === null ? 'null' : typeof backend;
    throw new BackendFactoryError(
      `the backend factory returned ${got === 'object' ? 'an object' : got} without ${missing.join(', ')}(): ` +
        `it must return (or resolve to) a Backend (SPEC §4)`,
    );
  }
  try {
    await backend.close?.();
  } catch (error) {
    throw new BackendFactoryError(`the backend's close() threw: ${describeError(error)}`, { cause: error });
  }
}

/**
 * Checks what `runConformance` is asked before anything runs: the one place options are judged,
 * which the CLI calls too, so that a bad `--path` fails before the module is loaded.
 *
 * @throws ConformanceUsageError saying what is wrong and with which value.
 */
export function checkRunOptions(options: ConformanceOptions, properties: readonly ConformanceProperty[] = selectProperties(options.only)): void {
  if (options.runs !== undefined && !(Number.isSafeInteger(options.runs) && options.runs >= 1)) {
    throw new ConformanceUsageError(`runs must be a whole number >= 1, got ${String(options.runs)}`);
  }
  if (options.callTimeoutMs !== undefined && !(Number.isSafeInteger(options.callTimeoutMs) && options.callTimeoutMs >= 1)) {
    throw new ConformanceUsageError(`callTimeoutMs must be a whole number of milliseconds >= 1, got ${String(options.callTimeoutMs)}`);
  }
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    throw new ConformanceUsageError(`seed must be a whole number, got ${String(options.seed)}`);
  }
  if (options.realTime === true && options.fakeDate === true) {
    throw new ConformanceUsageError('fakeDate and realTime do not go together: in real time Date is the system clock already (fakeDate is for simulated runs)');
  }
  if (options.expiryOnServerClock !== undefined && (typeof options.expiryOnServerClock !== 'string' || options.expiryOnServerClock.trim() === '')) {
    throw new ConformanceUsageError(`expiryOnServerClock names the store's expiry in a few words (e.g. 'Redis EX'), got ${JSON.stringify(options.expiryOnServerClock)}`);
  }
  if (options.path !== undefined) {
    // fast-check's replay path: indices separated by ':' (e.g. "12:0:3").
    if (!/^\d+(:\d+)*$/.test(options.path)) {
      throw new ConformanceUsageError(`path must look like 12:0:3 (as printed in a failure), got '${options.path}'`);
    }
    if (options.seed === undefined) {
      throw new ConformanceUsageError('path replays a failure only with the seed it was found with: give seed too');
    }
    if (properties.length !== 1) {
      throw new ConformanceUsageError('path belongs to one property: name exactly one in only');
    }
  }
}

function summarize(property: ConformanceProperty): PropertySummary {
  return { name: property.name, summary: property.summary, rules: property.rules, defaultRuns: property.defaultRuns };
}

