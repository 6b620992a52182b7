/**
 * The one loop that runs a conformance property: the CLI runner, the vitest helper and the tests
 * all call {@link checkProperty}.
 */
import fc from 'fast-check';
import type { BackendFactory } from '../src/backend.js';
import { describeError } from '../src/error-text.js';
import { BackendFactoryCallError, CallGuard, CallTimeoutError } from './call-guard.js';
import { LooseErrorTrap, realWait, turnOfTheEventLoop, type LooseError } from './loose-errors.js';
import type { CheckOptions, ConformanceProperty, FailureReport, PreparedProperty, PropertyReport, RootCause } from './property.js';
import { setupCode } from './fresh-backend.js';
import { rootCauseOf } from './trace.js';
import { randomSeed, runsFor } from './runs.js';
import { firstFailingRun, RUNS_AT_ONCE } from './runs-at-once.js';

/**
 * Checks `property` on backends made by `factory`: `fc.check` with the runs, seed and replay path
 * of `options` (runs: `options.runs`, else `SESS_RUNS`, else the property's default). Resolves a
 * report and never rejects on account of the backend: a failing backend, a factory that throws
 * (at once or on its 451st call), a call that never settles and a rejection the backend leaves
 * unhandled are each a `failed` verdict naming its root cause, so that a run goes on to the next
 * property.
 */
export async function checkProperty(
  property: ConformanceProperty,
  factory: BackendFactory,
  options: CheckOptions = {},
): Promise<PropertyReport> {
  const started = performance.now();
  const seed = options.seed ?? randomSeed();
  const runs = runsFor(property, options);
  const base = { name: property.name, summary: property.summary, seed };
  const guard = new CallGuard(options.callTimeoutMs);
  const trap = new LooseErrorTrap();
  guard.start();
  trap.start();
  let prepared: PreparedProperty | undefined;
  try {
    try {
      prepared = await property.prepare(guard.guardFactory(factory), { runs });
    } catch (error) {
      // Nothing ran yet, so there is no story to shrink: the error is the whole finding.
      const failure = unexplainedFailure(error, '', 0, ['1. prepare the property: open its backend(s) with the factory']);
      return { ...base, verdict: 'failed', runs: 0, durationMs: performance.now() - started, failure };
    }
    const note = 'note' in prepared && prepared.note !== undefined ? { note: prepared.note } : {};
    if ('notChecked' in prepared) {
      return { ...base, ...note, verdict: 'not_checked', runs: 0, durationMs: performance.now() - started, notChecked: prepared.notChecked };
    }
    const checked = new TrappedProperty(prepared.property, trap);
    const { failed, runsMade } = await runTheRuns(checked, prepared.property, trap, { seed, runs, path: options.path, atOnce: options.runsAtOnce ?? RUNS_AT_ONCE });
    if (failed !== undefined) {
      const shrunk = failureReport(failed);
      const failure = prepared.dropSteps === false ? shrunk : await dropUnneededSteps(checked, failed, shrunk);
      return { ...base, ...note, verdict: 'failed', runs: runsMade, durationMs: performance.now() - started, failure };
    }
    // Work the backend scheduled for later (a timer, a write-behind) may still let an error loose.
    await realWait(0);
    await turnOfTheEventLoop();
    const late = trap.take();
    if (late.length > 0) {
      const failure = explainedReport(looseFailure(late, ['after the last run, the backend still had work scheduled']), '', 0);
      return { ...base, ...note, verdict: 'failed', runs: runsMade, durationMs: performance.now() - started, failure };
    }
    const verdict = 'note' in note ? 'partly_checked' : 'passed';
    return { ...base, ...note, verdict, runs: runsMade, durationMs: performance.now() - started };
  } finally {
    try {
      if (prepared !== undefined && 'property' in prepared) await prepared.dispose?.();
    } finally {
      guard.stop();
      trap.stop();
    }
  }
}

/**
 * fast-check's runs of `checked`: a replay (`path`) or one run at a time as asked; else first
 * several at a time to find the first failing run (./runs-at-once.ts), then fast-check's own
 * runner from that run on, so that the failure, its shrinking and its path are what one run at a
 * time gives. `failed`: fast-check's details of the failure, if any; `runsMade`: runs made
 * before shrinking, counted as one at a time would.
 */
async function runTheRuns(
  checked: TrappedProperty<unknown>,
  // fast-check's own type, as PreparedProperty holds it.
  inner: fc.IAsyncPropertyWithHooks<any>,
  trap: LooseErrorTrap,
  { seed, runs, path, atOnce }: { seed: number; runs: number; path: string | undefined; atOnce: number },
): Promise<{ failed: fc.RunDetails<unknown> | undefined; runsMade: number }> {
  const outcome = (details: fc.RunDetails<unknown>, before = 0) => ({ failed: details.failed ? details : undefined, runsMade: before + details.numRuns });
  if (path !== undefined || atOnce <= 1 || runs <= 1) {
    return outcome(await fc.check(checked, { numRuns: runs, seed, ...(path === undefined ? {} : { path }) }));
  }
  const first = await firstFailingRun(inner, trap, { seed, runs, atOnce });
  if ('held' in first && first.held) return { failed: undefined, runsMade: runs };
  // From the first failing run on (all of them when the overlapped pass could not tell): should
  // that run hold on its own, the ones after it are made one at a time, as they would have been.
  const from = 'index' in first ? first.index : 0;
  return outcome(await fc.check(checked, { numRuns: runs - from, seed, ...(from === 0 ? {} : { path: String(from) }) }), from);
}

/**
 * fast-check's property with the rejection trap around each run: after the run, the event loop
 * turns once (Node reports unhandled rejections then), and a loose error caught by then fails that
 * run, so fast-check shrinks it like any wrong answer and the story ends at the step that let it
 * loose. Everything else is the property's own.
 */
class TrappedProperty<Ts> implements fc.IRawProperty<Ts, true> {
  readonly #inner: fc.IAsyncPropertyWithHooks<Ts>;
  readonly #trap: LooseErrorTrap;

  constructor(inner: fc.IAsyncPropertyWithHooks<Ts>, trap: LooseErrorTrap) {
    this.#inner = inner;
    this.#trap = trap;
  }

  isAsync(): true {
    return true;
  }

  generate(mrng: fc.Random, runId?: number): fc.Value<Ts> {
    return this.#inner.generate(mrng, runId);
  }

  shrink(value: fc.Value<Ts>): fc.Stream<fc.Value<Ts>> {
    return this.#inner.shrink(value);
  }

  async run(value: Ts): Promise<fc.PreconditionFailure | fc.PropertyFailure | null> {
    // What an earlier run let loose after it was judged is not this run's doing.
    this.#trap.take();
    const outcome = await this.#inner.run(value);
    await turnOfTheEventLoop();
    const loose = this.#trap.take();
    if (loose.length === 0 || (outcome !== null && 'error' in outcome)) return outcome;
    return { error: looseFailure(loose, storyOf(value)) };
  }

  runBeforeEach(): Promise<void> {
    return this.#inner.runBeforeEach();
  }

  runAfterEach(): Promise<void> {
    return this.#inner.runAfterEach();
  }
}

/** The steps of a run as fast-check shows its input: model commands one per line, else the values. */
function storyOf(value: unknown): string[] {
  const steps = Array.isArray(value) ? value[0] : undefined;
  if (Array.isArray(steps) && steps.every(isModelStep)) return steps.map((step, i) => `${i + 1}. ${String(step)}`);
  return [`1. ran with ${fc.stringify(value)}`];
}

/** SPEC §4's rule on loose errors, with the first one caught. */
function looseFailure(loose: readonly LooseError[], story: string[]): ExplainedError {
  const [first] = loose;
  const what = `${first!.kind}: ${describeErrorWithName(first!.error)}${loose.length > 1 ? ` (and ${loose.length - 1} more)` : ''}`;
  const steps = [...story, `${story.length + 1}. the event loop turns\n   expected: nothing left unhandled\n   actual:   ${what}`];
  return new ExplainedError(LOOSE_ERROR_CAUSE, `the backend let an error loose: ${what}`, steps, storySnippet(LOOSE_ERROR_CAUSE, story, `${what} (in a Node >= 15 server, the end of the process)`));
}

/**
 * The snippet of a failure no model explains step by step: the backend made as the run made it,
 * then the story as comments (the replay command repeats it exactly).
 */
function storySnippet(rootCause: RootCause, story: readonly string[], then: string): string {
  return [
    `// ${rootCause.rule}`,
    '// `factory` is the BackendFactory under test; the steps above lead to it:',
    ...setupCode(),
    ...story.map((step) => `// ${step.replace(/\n\s*/g, ' ')}`),
    `// then: ${then}`,
  ].join('\n');
}

/** The root causes the harness itself names (the properties name the rest, properties/trace.ts). */
const LOOSE_ERROR_CAUSE: RootCause = {
  id: 'unhandled-rejection',
  rule: 'a backend never leaves a promise rejection unhandled nor throws from a callback it schedules: either kills a Node server (SPEC §4)',
};
const NEVER_SETTLES_CAUSE: RootCause = {
  id: 'call-never-settles',
  rule: 'every backend call settles: a call that neither resolves nor rejects hangs the request that made it (SPEC §4, §8)',
};
const FACTORY_CAUSE: RootCause = {
  id: 'factory-failed',
  rule: 'the backend factory gives a backend on every call, not only the first (SPEC §4 BackendFactory)',
};
const REJECTED_CAUSE: RootCause = {
  id: 'call-rejected',
  rule: 'a working backend answers; a call rejected where nothing was wrong (SPEC §4)',
};

/** An error with what `checkProperty` reads off a failure: the steps, a snippet and the root cause. */
class ExplainedError extends Error {
  readonly steps: string[];
  readonly snippet: string;
  readonly rootCause: RootCause;

  constructor(rootCause: RootCause, detail: string, steps: string[], snippet: string) {
    super(`${rootCause.rule}\n${detail}`);
    this.rootCause = rootCause;
    this.steps = steps;
    this.snippet = snippet;
  }
}

function describeErrorWithName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${describeError(error)}` : describeError(error);
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
  property: fc.IRawProperty<any, true>,
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
      best = {
        ...best,
        message: explained.message,
        rootCause: explained.rootCause ?? rootCauseOf(explained.message.split('\n')[0]!),
        steps: explained.steps,
        snippet: explained.snippet,
      };
      // Shorter now: look again at this size from the end.
      size = Math.min(size, current.length - 1) + 1;
      break;
    }
  }
  return { ...best, shrinks: best.shrinks + drops };
}

/** One run of `property` (fast-check's type, as PreparedProperty holds it) on `args`: the explained failure, or undefined when it held (or failed otherwise). */
async function runOnce(property: fc.IRawProperty<any, true>, args: unknown[]): Promise<Explained | undefined> {
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

/** What a property's error carries beyond its message (see `PropertyFailure` in ./trace.ts). */
interface Explained {
  message: string;
  steps: string[];
  snippet: string;
  timeline?: string | undefined;
  rootCause?: RootCause | undefined;
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
  const explained = errorChain(details.errorInstance).find(isExplained);
  if (explained !== undefined) return explainedReport(explained, path, details.numShrinks);
  const story = details.counterexample === null ? [] : storyOf(details.counterexample);
  return unexplainedFailure(details.errorInstance, path, details.numShrinks, story, details.interrupted);
}

function explainedReport(explained: Explained, path: string, shrinks: number): FailureReport {
  return {
    path,
    shrinks,
    message: explained.message,
    rootCause: explained.rootCause ?? rootCauseOf(explained.message.split('\n')[0]!),
    steps: explained.steps,
    snippet: explained.snippet,
    ...(explained.timeline === undefined ? {} : { timeline: explained.timeline }),
  };
}

/**
 * An error no property explained: a call that never settled, a factory that failed, a call that
 * rejected where the property did not expect it. Named by what it was, with the story that led to
 * it as fast-check shows its input.
 */
function unexplainedFailure(error: unknown, path: string, shrinks: number, story: string[], interrupted = false): FailureReport {
  const chain = errorChain(error);
  const timeout = chain.find((e): e is CallTimeoutError => e instanceof CallTimeoutError);
  const factory = chain.find((e): e is BackendFactoryCallError => e instanceof BackendFactoryCallError);
  const detail = describeErrorWithName(timeout ?? factory ?? chain[0]) || (interrupted ? 'the run was interrupted' : 'the property failed');
  const [rootCause, expected, actual] =
    timeout !== undefined
      ? [NEVER_SETTLES_CAUSE, 'the call resolves or rejects', `${timeout.call} still pending after ${timeout.timeoutMs} ms`]
      : factory !== undefined
        ? [FACTORY_CAUSE, 'a Backend', describeError(factory)]
        : [REJECTED_CAUSE, 'an answer', `rejected with ${detail}`];
  const last = `${story.length + 1}. ${timeout?.call ?? (factory !== undefined ? `factory(...) (call #${factory.callNumber})` : 'the next call')}\n   expected: ${expected}\n   actual:   ${actual}`;
  return {
    path,
    shrinks,
    message: `${rootCause.rule}\n${detail}`,
    rootCause,
    steps: [...story, last],
    snippet: storySnippet(rootCause, story, detail),
  };
}
