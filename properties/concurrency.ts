/**
 * `linearizability` (SPEC §4, §8): bursts of overlapping backend calls on a few keys, each call
 * started a generated number of microtask turns after the first and its response handed back in
 * an order that fast-check's scheduler chooses, with the clock moved between bursts; every history
 * must be explained by some one-at-a-time order of the calls (checked key by key against the
 * backend model, `models/linearizability.ts`). This is the check-then-write race class: a `set`
 * that revives a key cleared while it was in flight, a `touch` that writes back a stale value.
 *
 * Sizes: at most 2 initial sessions + 4 bursts of 4 calls + a final read per key, so a history has
 * at most ~26 calls and at most 4 of them overlap; the checker decides each in well under 1 ms.
 */
import fc from 'fast-check';
import type { Backend, BackendFactory } from '../src/backend.js';
import { checkBackendHistory, HistoryRecorder, KeyNames, type BackendOperation } from './concurrency-history.js';
import { interleave, reportNonLinearizable, reportRejectedCall, runStepsAndSnippet, type RunRecord } from './concurrency-run.js';
import { replaySequentially } from './concurrency-sequential.js';
import { START_INSTANT, withFreshBackend } from './fresh-backend.js';
import { PropertyFailure, show } from './trace.js';
import type { ConformanceProperty } from './property.js';

/** A call of a burst, its key given as a slot among the keys known when the burst starts. */
export type PlannedCall = (
  | { readonly kind: 'generate'; readonly value: string | undefined; readonly expiry: number }
  | { readonly kind: 'get'; readonly slot: number }
  | { readonly kind: 'set'; readonly slot: number; readonly value: string; readonly expiry: number }
  | { readonly kind: 'touch'; readonly slot: number; readonly expiry: number }
  | { readonly kind: 'clear'; readonly slot: number }
) & {
  /** Microtask turns after the burst's first call that this one starts. */
  readonly delay: number;
};

/** Calls started together after the clock moved by `advanceMs`. */
export interface Burst {
  readonly advanceMs: number;
  readonly calls: readonly PlannedCall[];
}

// Few distinct values and short lifetimes: collisions between calls (the same key, a value
// written twice, a lifetime ending between bursts) are what races need.
const valueArb = fc.constantFrom('a', 'b', 'c', '');
const expiryArb = fc.constantFrom(1, 2, 5);
const slotArb = fc.nat({ max: 2 });
/**
 * Start offsets in microtask turns: about two round trips of an in-process store, where the
 * check-then-write windows are (measured: larger offsets mostly start a call after the others
 * finished, and racy fixtures took about twice as many runs to be caught).
 */
export const MAX_DELAY = 6;
const delayArb = fc.nat({ max: MAX_DELAY });

const plannedCallArb: fc.Arbitrary<PlannedCall> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('generate' as const), delay: delayArb, value: fc.option(valueArb, { nil: undefined }), expiry: expiryArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('get' as const), delay: delayArb, slot: slotArb }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), delay: delayArb, slot: slotArb, value: valueArb, expiry: expiryArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('touch' as const), delay: delayArb, slot: slotArb, expiry: expiryArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('clear' as const), delay: delayArb, slot: slotArb }) },
);

/** Most calls per burst: keeps every per-key history small enough to check exhaustively. */
export const MAX_BURST = 4;
/** Most bursts per history. */
export const MAX_BURSTS = 4;

export const burstsArb: fc.Arbitrary<Burst[]> = fc.array(
  fc.record({
    advanceMs: fc.constantFrom(0, 0, 999, 1000, 1001, 2000),
    calls: fc.array(plannedCallArb, { minLength: 2, maxLength: MAX_BURST }),
  }),
  { minLength: 1, maxLength: MAX_BURSTS },
);

/** The sessions every history starts with: one holding a value, one without (reads `not_set`). */
const INITIAL_SESSIONS = [
  { value: 'v0', expiry: 5 },
  { value: undefined, expiry: 5 },
] as const;

/** Calls the backend for `call` on `key` (a generate has no key yet). */
function invoke(backend: Backend, call: PlannedCall, key: string): Promise<unknown> {
  switch (call.kind) {
    case 'generate':
      return backend.generate(call.value === undefined ? { expiry: call.expiry } : { value: call.value, expiry: call.expiry });
    case 'get':
      return backend.get(key);
    case 'set':
      return backend.set(key, call.value, { expiry: call.expiry });
    case 'touch':
      return backend.touch(key, { expiry: call.expiry });
    case 'clear':
      return backend.clear(key);
  }
}

function operationOf(call: PlannedCall, key: string): BackendOperation | ((response: unknown) => BackendOperation) {
  switch (call.kind) {
    case 'generate':
      return (response) => ({ kind: 'generate', key: response as string, value: call.value, expiry: call.expiry });
    case 'get':
      return { kind: 'get', key };
    case 'set':
      return { kind: 'set', key, value: call.value, expiry: call.expiry };
    case 'touch':
      return { kind: 'touch', key, expiry: call.expiry };
    case 'clear':
      return { kind: 'clear', key };
  }
}

/** What a run has recorded so far: its calls, how they were grouped, the keys it knows. */
class BurstRun {
  readonly recorder = new HistoryRecorder();
  readonly keys: string[] = [];
  readonly names = new KeyNames();
  readonly groups: { label: string; ids: number[]; overlapping?: boolean }[] = [];

  /** A generate answered `key`: later bursts may use it. */
  generated(key: unknown): void {
    if (typeof key !== 'string') {
      throw new PropertyFailure('generate resolves a string key (SPEC §2)', `generate resolved ${show(key)}`, [], '', undefined, { id: 'key-format' });
    }
    this.keys.push(key);
    this.names.name(key);
  }

  /** The history so far, open calls as of unknown outcome; calls of a burst cut short by a failure as one more burst. */
  record(): RunRecord {
    const history = this.recorder.close();
    const grouped = new Set(this.groups.flatMap((group) => group.ids));
    const cut = history.filter((entry) => !grouped.has(entry.id)).map((entry) => entry.id);
    const groups = cut.length === 0 ? this.groups : [...this.groups, { label: 'calls of the burst that failed', ids: cut, overlapping: true }];
    return { history, groups, keys: this.names, rejections: this.recorder.rejections };
  }
}

/** The sessions every history starts with, made one at a time. */
async function startSessions(run: BurstRun, backend: Backend): Promise<void> {
  for (const session of INITIAL_SESSIONS) {
    const call: PlannedCall = { kind: 'generate', delay: 0, ...session };
    run.generated(await run.recorder.record(operationOf(call, ''), () => invoke(backend, call, '')));
  }
  run.groups.push({ label: 'initial sessions, one at a time', ids: run.recorder.entries.map((entry) => entry.id) });
}

/** One burst: the clock moves, then its calls start together on the keys known so far. */
async function runBurst(run: BurstRun, backend: Backend, clock: { advance(ms: number): void }, burst: Burst, s: fc.Scheduler): Promise<void> {
  if (burst.advanceMs > 0) {
    clock.advance(burst.advanceMs);
    run.groups.push({ label: 'clock', ids: [run.recorder.step({ kind: 'advance', ms: burst.advanceMs })] });
  }
  const known = [...run.keys];
  const ids = await interleave(
    s,
    run.recorder,
    burst.calls.map((call) => {
      const key = known[('slot' in call ? call.slot : 0) % known.length]!;
      return {
        delay: call.delay,
        operation: operationOf(call, key),
        call: () => invoke(backend, call, key),
        ...(call.kind === 'generate' ? { onResponse: (response: unknown) => run.generated(response) } : {}),
      };
    }),
  );
  run.groups.push({ label: 'burst of overlapping calls', ids, overlapping: true });
}

/** A final `get` of every key, one at a time. */
async function readAll(run: BurstRun, backend: Backend): Promise<void> {
  const before = run.recorder.entries.length;
  for (const key of run.keys) await run.recorder.record({ kind: 'get', key }, () => backend.get(key));
  run.groups.push({ label: 'final reads, one at a time', ids: run.recorder.entries.slice(before).map((entry) => entry.id) });
}

/**
 * Runs `bursts` against a fresh backend under scheduler `s`: the initial sessions, then each
 * burst (clock move, then its calls interleaved), then a final `get` of every key, one at a time.
 * A call that rejects (or throws) fails the run as a report, the story so far as steps.
 */
export async function runBursts(factory: BackendFactory, bursts: readonly Burst[], s: fc.Scheduler): Promise<RunRecord> {
  return withFreshBackend(factory, async ({ backend, clock }) => {
    const run = new BurstRun();
    try {
      await startSessions(run, backend);
      for (const burst of bursts) await runBurst(run, backend, clock, burst, s);
      await readAll(run, backend);
    } catch (error) {
      if (error instanceof PropertyFailure && error.steps.length > 0) throw error;
      const record = run.record();
      if (error instanceof PropertyFailure) {
        const { steps, snippet } = runStepsAndSnippet(record, 'linearizability', error.rule);
        throw new PropertyFailure(error.rule, error.message.split('\n').slice(1).join('\n'), steps, snippet, undefined, error.rootCause);
      }
      reportRejectedCall(error, record, 'linearizability');
    }
    return run.record();
  });
}

/**
 * Checks one run's history; throws the failure report when no sequential order explains it. With
 * the `factory`, the calls are first replayed one at a time: a store that is wrong even so is
 * reported as that sequential bug, with a short story ({@link replaySequentially}).
 */
export async function assertLinearizable(run: RunRecord, factory?: BackendFactory): Promise<void> {
  const result = checkBackendHistory(run.history, START_INSTANT);
  if (result.linearizable) return;
  const sequential = factory === undefined ? undefined : await replaySequentially(factory, run.history);
  if (sequential !== undefined) throw sequential;
  reportNonLinearizable(result, run);
}

export const linearizability: ConformanceProperty = {
  name: 'linearizability',
  summary: 'overlapping generate/get/set/touch/clear calls on a few keys are explained by some one-at-a-time order',
  rules: '§4 §8',
  defaultRuns: 200, // racy-revive (a cleared key revived by a late write) needs up to ~85 runs (p99 76 of 150 seeds)
  async prepare(factory) {
    return {
      property: fc.asyncProperty(burstsArb, fc.scheduler(), async (bursts, s) => {
        await assertLinearizable(await runBursts(factory, bursts, s), factory);
      }),
    };
  },
};
