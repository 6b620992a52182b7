/**
 * The conformance runner (`sess/conformance`): every property of SPEC §8 over one
 * {@link BackendFactory}, one property after the other, through the one loop that checks a
 * property (`properties/check.ts`). The CLI, its browser mode and store authors' own scripts all
 * call {@link runConformance}.
 */
import type { Backend, BackendFactory } from '../backend.js';
import { ManualClock } from '../clock.js';
import { checkProperty } from '../../properties/check.js';
import { conformanceProperties } from '../../properties/index.js';
import type { ConformanceProperty, PropertyReport } from '../../properties/property.js';
import { BackendFactoryError, ConformanceUsageError } from './errors.js';

export type { ConformanceProperty, FailureReport, PropertyReport } from '../../properties/property.js';

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
  /** `failed` as soon as one property failed; `not_checked` properties do not fail a run. */
  verdict: 'passed' | 'failed';
  /** The seed every property ran with: with a failure's `path`, it replays that failure. */
  seed: number;
  durationMs: number;
  passed: number;
  failed: number;
  notChecked: number;
  /** One report per property, in the suite's order. */
  properties: PropertyReport[];
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
  const started = performance.now();
  const reports: PropertyReport[] = [];
  for (const [index, property] of properties.entries()) {
    options.onStart?.(summarize(property), index, properties.length);
    const report = await checkProperty(property, factory, {
      ...(options.runs !== undefined && { runs: options.runs }),
      seed,
      ...(options.path !== undefined && { path: options.path }),
    });
    reports.push(report);
    options.onResult?.(report, index, properties.length);
  }
  const count = (verdict: PropertyReport['verdict']) => reports.filter((r) => r.verdict === verdict).length;
  const failed = count('failed');
  return {
    verdict: failed > 0 ? 'failed' : 'passed',
    seed,
    durationMs: performance.now() - started,
    passed: count('passed'),
    failed,
    notChecked: count('not_checked'),
    properties: reports,
  };
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

function checkRunOptions(options: ConformanceOptions, properties: readonly ConformanceProperty[]): void {
  if (options.runs !== undefined && !(Number.isSafeInteger(options.runs) && options.runs >= 1)) {
    throw new ConformanceUsageError(`runs must be a whole number >= 1, got ${String(options.runs)}`);
  }
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    throw new ConformanceUsageError(`seed must be a whole number, got ${String(options.seed)}`);
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

/** A positive 31-bit seed, so that it reads as a plain `--seed N` in replay commands. */
function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
