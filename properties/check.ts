/**
 * The one loop that runs a conformance property: the CLI runner, the vitest helper and the tests
 * all call {@link checkProperty}.
 */
import fc from 'fast-check';
import type { BackendFactory } from '../src/backend.js';
import type { CheckOptions, ConformanceProperty, FailureReport, PropertyReport } from './property.js';
import { runsFor } from './runs.js';

/**
 * Checks `property` on backends made by `factory`: `fc.check` with the runs, seed and replay path
 * of `options` (runs: `options.runs`, else `SESS_RUNS`, else the property's default). Resolves a
 * report; never rejects for a failing backend (that is a `failed` verdict), only for a property
 * that cannot even be prepared.
 */
export async function checkProperty(
  property: ConformanceProperty,
  factory: BackendFactory,
  options: CheckOptions = {},
): Promise<PropertyReport> {
  const started = performance.now();
  const seed = options.seed ?? randomSeed();
  const runs = runsFor(property, options);
  const prepared = await property.prepare(factory);
  const base = {
    name: property.name,
    summary: property.summary,
    seed,
    ...('note' in prepared && prepared.note !== undefined ? { note: prepared.note } : {}),
  };
  if ('notChecked' in prepared) {
    return { ...base, verdict: 'not_checked', runs: 0, durationMs: performance.now() - started, notChecked: prepared.notChecked };
  }
  try {
    const details = await fc.check(prepared.property, {
      numRuns: runs,
      seed,
      ...(options.path === undefined ? {} : { path: options.path }),
    });
    const durationMs = performance.now() - started;
    if (!details.failed) return { ...base, verdict: 'passed', runs: details.numRuns, durationMs };
    const failure = await dropUnneededSteps(prepared.property, details, failureReport(details));
    return { ...base, verdict: 'failed', runs: details.numRuns, durationMs: performance.now() - started, failure };
  } finally {
    await prepared.dispose?.();
  }
}

/** At most this many extra runs go into dropping the steps of one counterexample. */
const DROP_STEPS_RUNS = 150;

/**
 * fast-check shrinks an array by dropping a prefix, then item by item, and stops when no single
 * shrink still fails. Steps that choose keys and expiry instants by index tie each other: in
 * `k1..k4 = generate()`, `k5 = generate("")`, `advance`, `get(k5)`, dropping any one generate
 * re-aims the later steps, so fast-check keeps all five. This pass (fast-check has no option for
 * it) drops runs of consecutive steps, longest first, down to single steps, keeping a drop when
 * the run still fails with a wrong answer (as fast-check keeps any failing shrink; the rule named
 * may then be a sharper one), until nothing more can go or the budget is spent.
 * It is deterministic given the counterexample, so `seed` and `path` replay the same story.
 * Timeline failures (concurrency) are left as they are: their runs are not deterministic.
 */
export async function dropUnneededSteps(
  // fast-check's own type, as PreparedProperty holds it.
  property: fc.IAsyncPropertyWithHooks<any>,
  details: fc.RunDetails<unknown>,
  report: FailureReport,
): Promise<FailureReport> {
  const args = details.counterexample as unknown[] | null;
  const steps = args?.[0];
  if (report.timeline !== undefined || !Array.isArray(steps) || !steps.every(isModelStep)) return report;
  let current: unknown[] = steps;
  let best = report;
  let drops = 0;
  let budget = DROP_STEPS_RUNS;
  for (let size = current.length - 1; size >= 1 && budget > 0; size--) {
    for (let start = current.length - size; start >= 0 && budget > 0; start--) {
      budget -= 1;
      const candidate = [...current.slice(0, start), ...current.slice(start + size)];
      const explained = await runOnce(property, [candidate, ...args!.slice(1)]);
      if (explained === undefined) continue;
      current = candidate;
      drops += 1;
      best = { ...best, message: explained.message, steps: explained.steps, snippet: explained.snippet };
      // Shorter now: look again at this size from the end.
      size = Math.min(size, current.length - 1) + 1;
      break;
    }
  }
  return { ...best, shrinks: best.shrinks + drops };
}

/** One run of `property` (fast-check's type, as PreparedProperty holds it) on `args`: the explained failure, or undefined when it held (or failed otherwise). */
async function runOnce(property: fc.IAsyncPropertyWithHooks<any>, args: unknown[]): Promise<Explained | undefined> {
  await property.runBeforeEach();
  try {
    const outcome = await property.run(args);
    if (outcome === null || !('error' in outcome)) return undefined;
    const explained = errorChain(outcome.error).find(isExplained);
    return explained?.timeline === undefined ? explained : undefined;
  } finally {
    await property.runAfterEach();
  }
}

function isModelStep(step: unknown): boolean {
  const candidate = step as { run?: unknown; check?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.run === 'function' && typeof candidate.check === 'function';
}

/** A seed as fast-check takes it: a 32-bit integer. */
function randomSeed(): number {
  return (Math.random() * 0x1_0000_0000) | 0;
}

/** What a property's error carries beyond its message (see `PropertyFailure` in ./trace.ts). */
interface Explained {
  message: string;
  steps: string[];
  snippet: string;
  timeline?: string | undefined;
}

function isExplained(error: unknown): error is Explained {
  const candidate = error as Partial<Explained> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    Array.isArray(candidate.steps) &&
    typeof candidate.snippet === 'string' &&
    typeof candidate.message === 'string'
  );
}

/** The error and its `cause` chain (fast-check 4 may wrap the predicate's own error). */
function errorChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 10; ) {
    chain.push(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

function failureReport(details: fc.RunDetails<unknown>): FailureReport {
  const path = details.counterexamplePath ?? '';
  const chain = errorChain(details.errorInstance);
  const explained = chain.find(isExplained);
  if (explained !== undefined) {
    return {
      path,
      shrinks: details.numShrinks,
      message: explained.message,
      steps: explained.steps,
      snippet: explained.snippet,
      ...(explained.timeline === undefined ? {} : { timeline: explained.timeline }),
    };
  }
  // An error the property did not explain (a factory that threw, a bug in a property): say what
  // it was, and show the shrunk input as fast-check prints it.
  const messages = chain.map((error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
  const counterexample = details.counterexample === null ? 'no counterexample' : fc.stringify(details.counterexample);
  return {
    path,
    shrinks: details.numShrinks,
    message: messages.join('\ncaused by ') || (details.interrupted ? 'the run was interrupted' : 'the property failed'),
    steps: [`1. ran with ${counterexample}`],
    snippet: `// No snippet: the failure was not a wrong answer of the backend.\n// ${messages[0] ?? ''}`,
  };
}
