/**
 * Running calls concurrently under fast-check's scheduler, and turning a history that no
 * sequential order explains into a failure report (steps, snippet, timeline). Shared by the
 * `linearizability`, `manager-races` and `faults` properties.
 */
import type fc from 'fast-check';
import type { Backend, BackendFactory, ExpiryOptions, GenerateOptions, Lookup } from '../src/backend.js';
import type { LinearizabilityResult } from '../models/linearizability.js';
import {
  describeOperation,
  describeResponse,
  explainNonLinearizable,
  renderTimeline,
  type BackendHistoryEntry,
  type BackendOperation,
  type HistoryRecorder,
  type KeyNames,
} from './concurrency-history.js';
import { forcedCallDetail, judgeForcedCall } from './concurrency-sequential.js';
import { namedAnomaly } from './concurrency-anomalies.js';
import { settleByExperiment } from './expiry-experiment.js';
import { setupCode, START_INSTANT } from './fresh-backend.js';
import { PropertyFailure, rejectionCause, show, type RootCauseOptions } from './trace.js';

/** One call to run concurrently with others. */
export interface ConcurrentCall {
  readonly operation: BackendOperation | ((response: unknown) => BackendOperation);
  readonly call: () => Promise<unknown>;
  /** Called with the response, before the call counts as settled. */
  readonly onResponse?: (response: unknown) => void;
}

/** What a run did: its history and how its calls were grouped (in order), for the report. */
export interface RunRecord {
  readonly history: readonly BackendHistoryEntry[];
  /** Consecutive groups of call ids: calls one at a time, a clock move, or a burst of overlapping calls. */
  readonly groups: readonly { readonly label: string; readonly ids: readonly number[]; readonly overlapping?: boolean }[];
  readonly keys: KeyNames;
  /** What the calls that rejected rejected with, by id (see {@link HistoryRecorder.rejections}). */
  readonly rejections?: ReadonlyMap<number, unknown>;
}

/** Yields to the event loop, so that real I/O (a socket, IndexedDB) can make progress. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Whether a task gets scheduled within a few microtask turns (cheaper than a macrotask for in-process backends). */
async function someTask(s: fc.Scheduler): Promise<boolean> {
  for (let turn = 0; turn < 20 && s.count() === 0; turn++) await Promise.resolve();
  return s.count() > 0;
}

/** Lets `ticks` microtask turns pass: how far behind the others a call starts. */
export async function ticks(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await Promise.resolve();
}

/**
 * Runs `calls` concurrently, recorded. Each starts `delay` microtask turns after the first (so
 * the awaited steps inside the backend's methods interleave at every offset fast-check tries),
 * and the scheduler chooses the order in which the responses are handed back. Resolves the ids
 * of the calls once all have settled; rejects with a call's rejection, if any.
 */
export async function interleave(
  s: fc.Scheduler,
  recorder: HistoryRecorder,
  calls: readonly (ConcurrentCall & { readonly delay: number })[],
): Promise<number[]> {
  const ids: number[] = [];
  const outcomes = await runScheduled(
    s,
    calls.map((entry, index) => ({
      delay: entry.delay,
      body: async () => {
        const started = recorder.start(entry.operation, entry.call, (promise) => s.schedule(promise, `answer of call ${index + 1}`));
        ids.push(started.id);
        const response = await started.response; // not inside `?.()`, which would skip the await
        entry.onResponse?.(response);
      },
    })),
  );
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return ids;
}

/**
 * Runs `bodies` concurrently, each `delay` microtask turns after the first; the scheduler
 * releases whatever they scheduled (responses), one at a time in the order it chooses, until all
 * have settled.
 *
 * The scheduler alone cannot interleave the steps inside a backend's methods: they await the
 * backend's own promises, which it does not see. Hence the delays, which fast-check generates and
 * shrinks like any other input. Releases are driven with `waitOne` (not `waitNext`/`waitIdle`,
 * which let everything settle between two releases, so nothing would overlap). When nothing is
 * scheduled but a body is still running, the loop yields to the event loop, so that real I/O (a
 * socket, IndexedDB) can progress.
 */
export async function runScheduled<T>(
  s: fc.Scheduler,
  bodies: readonly { readonly delay: number; readonly body: () => Promise<T> }[],
): Promise<PromiseSettledResult<T>[]> {
  let settled = false;
  const all = Promise.allSettled(bodies.map(({ delay, body }) => ticks(delay).then(body)));
  void all.then(() => (settled = true));
  while (!settled) {
    if (s.count() > 0) await s.waitOne();
    else if (!(await someTask(s))) await macrotask();
  }
  return all;
}

/**
 * `backend` with every call recorded in `recorder` (its responses handed over by `deliver`, e.g.
 * a scheduler): what the manager properties put under a {@link SessionManager} so that the
 * backend calls it makes are checked for linearizability. Expiry must be given explicitly (the
 * manager always does, SPEC §5).
 */
export function recordedBackend(
  backend: Backend,
  recorder: HistoryRecorder,
  deliver?: <T>(promise: Promise<T>, label: string) => Promise<T>,
): Backend {
  const expiryOf = (options: { expiry?: number } | undefined, operation: string): number => {
    if (options?.expiry === undefined) throw new TypeError(`recordedBackend: ${operation} without an explicit expiry`);
    return options.expiry;
  };
  const through = <T>(label: string) => (deliver === undefined ? undefined : (promise: Promise<T>) => deliver(promise, label));
  const recorded: Backend = {
    defaultPeriod: () => backend.defaultPeriod(),
    generate: (options?: GenerateOptions) =>
      recorder.start(
        (key: string) => ({ kind: 'generate', key, value: options?.value, expiry: expiryOf(options, 'generate') }),
        () => backend.generate(options),
        through<string>('generate'),
      ).response,
    get: (key: string) => recorder.start({ kind: 'get', key }, () => backend.get(key), through<Lookup>('get')).response,
    set: (key: string, value: string, options?: ExpiryOptions) =>
      recorder.start(
        { kind: 'set', key, value, expiry: expiryOf(options, 'set') },
        () => backend.set(key, value, options),
        through<'ok' | 'not_found'>('set'),
      ).response,
    touch: (key: string, options?: ExpiryOptions) =>
      recorder.start(
        { kind: 'touch', key, expiry: expiryOf(options, 'touch') },
        () => backend.touch(key, options),
        through<'ok' | 'not_found'>('touch'),
      ).response,
    clear: (key: string) => recorder.start({ kind: 'clear', key }, () => backend.clear(key), through<void>('clear')).response,
  };
  return recorded;
}

/** A call as a TypeScript expression on `backend` (key names are the snippet's variables). */
export function operationCode(operation: BackendOperation, keys: KeyNames): string {
  switch (operation.kind) {
    case 'generate':
      return operation.value === undefined
        ? `backend.generate({ expiry: ${operation.expiry} })`
        : `backend.generate({ value: ${JSON.stringify(operation.value)}, expiry: ${operation.expiry} })`;
    case 'get':
      return `backend.get(${keys.name(operation.key)})`;
    case 'set':
      return `backend.set(${keys.name(operation.key)}, ${JSON.stringify(operation.value)}, { expiry: ${operation.expiry} })`;
    case 'touch':
      return `backend.touch(${keys.name(operation.key)}, { expiry: ${operation.expiry} })`;
    case 'clear':
      return `backend.clear(${keys.name(operation.key)})`;
    case 'advance':
      return `clock.advance(${operation.ms})`;
  }
}

/** `set(k1, "a", 2s) -> ok`, `-> rejected with Error: ...`, or `-> unknown`. */
function callText(entry: BackendHistoryEntry, keys: KeyNames, rejections: ReadonlyMap<number, unknown>): string {
  const outcome =
    entry.outcome.status === 'returned'
      ? describeResponse(entry.outcome.response)
      : rejections.has(entry.id)
        ? `rejected with ${show(rejections.get(entry.id))}`
        : 'unknown (failed or never settled)';
  return `#${entry.id} ${describeOperation(entry.operation, keys)} -> ${outcome}`;
}

/** The run as numbered steps and as a snippet that replays its calls against `factory`. */
export function runStepsAndSnippet(run: RunRecord, title: string, rule: string): { steps: string[]; snippet: string } {
  const byId = new Map(run.history.map((entry) => [entry.id, entry]));
  const rejections = run.rejections ?? new Map<number, unknown>();
  const steps: string[] = [];
  const code: string[] = [];
  let burstNumber = 0;
  for (const group of run.groups) {
    const entries = [...group.ids]
      .map((id) => byId.get(id))
      .filter((entry): entry is BackendHistoryEntry => entry !== undefined)
      .sort((a, b) => a.invokedAt - b.invokedAt);
    if (entries.length === 0) continue;
    if (group.overlapping === true) {
      burstNumber += 1;
      steps.push(`${steps.length + 1}. ${group.label}, started in this order:\n${entries.map((entry) => `     ${callText(entry, run.keys, rejections)}`).join('\n')}`);
      const name = `burst${burstNumber}`;
      code.push(`// ${group.label}: started together, in this order (the property spaced them a few microtask turns apart)`);
      code.push(`const ${name} = await Promise.allSettled([`);
      for (const entry of entries) code.push(`  ${operationCode(entry.operation, run.keys)},`);
      code.push(']);');
      entries.forEach((entry, index) => {
        if (entry.operation.kind === 'generate') {
          code.push(`const ${run.keys.name(entry.operation.key)} = (${name}[${index}] as PromiseFulfilledResult<string>).value;`);
        }
      });
      continue;
    }
    for (const entry of entries) {
      steps.push(`${steps.length + 1}. ${callText(entry, run.keys, rejections)}`);
      const expression = operationCode(entry.operation, run.keys);
      if (entry.operation.kind === 'advance') code.push(`${expression};`);
      else if (entry.operation.kind === 'generate') code.push(`const ${run.keys.name(entry.operation.key)} = await ${expression};`);
      else {
        const observed = entry.outcome.status === 'returned' ? describeResponse(entry.outcome.response) : 'unknown';
        code.push(`console.log(await ${expression}); // observed: ${observed}`);
      }
    }
  }
  const snippet = [
    `// Reproduces the ${title} failure: ${rule}`,
    '// `factory` is the BackendFactory under test. A race may need several tries to reproduce.',
    ...setupCode(),
    ...code,
  ].join('\n');
  return { steps, snippet };
}

/** SPEC §4's atomicity rule, as a failure names it. */
export const ATOMIC_RULE =
  'every operation is atomic per key: concurrent calls behave as if they ran one at a time, in an order consistent with real time (SPEC §4)';

/**
 * Throws the failure report for a history that no sequential order explains. With a `story` (a
 * manager-level run), a call that answered wrong although the calls before it on its key came one
 * at a time is reported as the sequential bug it is ({@link judgeForcedCall}), named and measured
 * as the sequential properties name it; otherwise "not linearizable", with the timeline.
 */
export function reportNonLinearizable(
  result: Extract<LinearizabilityResult, { linearizable: false }>,
  run: RunRecord,
  /** The run as its property tells it (manager steps), instead of the backend calls of `run.groups`. */
  story?: { told(rule: string): { steps: string[]; snippet: string } },
  /** The rule the story's snippet says it reproduces, when not {@link ATOMIC_RULE}. */
  storyRule = ATOMIC_RULE,
): never {
  const forced = story === undefined ? undefined : judgeForcedCall(run.history, result.partition, START_INSTANT);
  if (forced !== undefined) {
    const { judgement } = forced;
    const { steps, snippet } = story!.told(judgement.rule);
    throw new PropertyFailure(judgement.rule, forcedCallDetail(forced, run.keys), steps, snippet, undefined, { id: judgement.id, measured: judgement.measured });
  }
  const onKey = run.history.filter(
    (entry) => entry.operation.kind === 'advance' || entry.operation.key === result.partition,
  );
  // A history that shows an anomaly with a rule of its own is named by it, as the race properties name it.
  const anomaly = namedAnomaly(run.history, result.partition, run.keys);
  const rule = anomaly?.rule ?? ATOMIC_RULE;
  const explanation = anomaly === undefined ? explainNonLinearizable(result, run.history, run.keys) : `${anomaly.detail}\nNo one-at-a-time order of the calls, consistent with real time, allows that (SPEC §4).`;
  const timeline = [
    `calls on key ${run.keys.name(result.partition)} (and clock moves); [ invoked, ] answered, > ${anomaly === undefined ? 'could not be placed' : 'show it'}:`,
    renderTimeline(onKey, run.keys, new Set(anomaly?.calls ?? result.stuckAt)),
  ].join('\n');
  const { steps, snippet } = story?.told(anomaly?.rule ?? storyRule) ?? runStepsAndSnippet(run, 'linearizability', rule);
  // The timeline goes in its own field (the CLI and the JSON report show it), not in the message.
  throw new PropertyFailure(rule, explanation, steps, snippet, timeline, anomaly === undefined ? { id: 'not-linearizable' } : anomaly.id === undefined ? {} : { id: anomaly.id });
}

/**
 * {@link reportNonLinearizable} for a manager-level run over backends from `factory`: a wrong
 * answer that points at an edge of a lifetime is first named by the expiry experiment
 * (properties/expiry-experiment.ts), as every other property names it.
 */
export async function reportHistoryFailure(
  result: Extract<LinearizabilityResult, { linearizable: false }>,
  run: RunRecord,
  story: { told(rule: string): { steps: string[]; snippet: string } },
  storyRule: string,
  factory: BackendFactory,
  title: string,
): Promise<never> {
  const forced = judgeForcedCall(run.history, result.partition, START_INSTANT);
  if (forced !== undefined) {
    const shown = await settleByExperiment(factory, forced.judgement, forced.edge, title);
    if (shown !== undefined) throw shown;
  }
  return reportNonLinearizable(result, run, story, storyRule);
}

/** The rule a backend call that rejected on valid input breaks. */
export const RESOLVES_RULE = 'backend calls on valid input resolve; a backend never rejects one that it can answer (SPEC §4)';

/**
 * Throws the failure report for a backend call of a recorded run that rejected (or threw, or was
 * given up on by the harness's watchdog) where it had to resolve: the run so far as steps, the
 * rejected call last.
 */
export function reportRejectedCall(error: unknown, run: RunRecord, title: string): never {
  const { steps, snippet } = runStepsAndSnippet(run, title, RESOLVES_RULE);
  throw new PropertyFailure(RESOLVES_RULE, `a backend call rejected with ${show(error)}`, steps, snippet, undefined, { id: rejectionCause(error) });
}

/**
 * A manager-level run told as steps a person can follow, with the TypeScript that replays them
 * (`sessions`, a `SessionManager` over the factory's backend, in scope).
 */
export class Story {
  readonly #steps: string[] = [];
  readonly #code: string[] = [];

  constructor(
    readonly title: string,
    readonly setup: readonly string[],
  ) {}

  /** Records a step: its text, and the lines that replay it. */
  add(text: string, ...code: string[]): void {
    this.#steps.push(`${this.#steps.length + 1}. ${text}`);
    this.#code.push(...code);
  }

  /** The steps and snippet so far, for a failure about `rule`. */
  told(rule: string): { title: string; steps: string[]; snippet: string } {
    const snippet = [
      `// Reproduces the ${this.title} failure: ${rule}`,
      '// `factory` is the BackendFactory under test. A race may need several tries to reproduce.',
      ...this.setup,
      ...this.#code,
    ].join('\n');
    return { title: this.title, steps: [...this.#steps], snippet };
  }

  /** Throws the failure: `rule` broken, `detail` saying expected vs actual. */
  fail(rule: string, detail: string, timeline?: string, options?: RootCauseOptions): never {
    const { steps, snippet } = this.told(rule);
    throw new PropertyFailure(rule, detail, steps, snippet, timeline, options);
  }
}
