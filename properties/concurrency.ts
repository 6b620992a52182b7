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
import { interleave, reportNonLinearizable, type RunRecord } from './concurrency-run.js';
import { START_INSTANT, withFreshBackend } from './fresh-backend.js';
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

/**
 * Runs `bursts` against a fresh backend under scheduler `s`: the initial sessions, then each
 * burst (clock move, then its calls interleaved), then a final `get` of every key, one at a time.
 */
export async function runBursts(factory: BackendFactory, bursts: readonly Burst[], s: fc.Scheduler): Promise<RunRecord> {
  return withFreshBackend(factory, async ({ backend, clock }) => {
    const recorder = new HistoryRecorder();
    const keys: string[] = [];
    const names = new KeyNames();
    const groups: { label: string; ids: number[]; overlapping?: boolean }[] = [];
    const generated = (key: unknown): void => {
      if (typeof key !== 'string') throw new TypeError(`generate must resolve a string key, got ${typeof key}`);
      keys.push(key);
      names.name(key);
    };
    for (const session of INITIAL_SESSIONS) {
      const call: PlannedCall = { kind: 'generate', delay: 0, ...session };
      generated(await recorder.record(operationOf(call, ''), () => invoke(backend, call, '')));
    }
    groups.push({ label: 'initial sessions, one at a time', ids: recorder.entries.map((entry) => entry.id) });
    for (const burst of bursts) {
      if (burst.advanceMs > 0) {
        clock.advance(burst.advanceMs);
        groups.push({ label: 'clock', ids: [recorder.step({ kind: 'advance', ms: burst.advanceMs })] });
      }
      const known = [...keys];
      const ids = await interleave(
        s,
        recorder,
        burst.calls.map((call) => {
          const key = known[('slot' in call ? call.slot : 0) % known.length]!;
          return {
            delay: call.delay,
            operation: operationOf(call, key),
            call: () => invoke(backend, call, key),
            ...(call.kind === 'generate' ? { onResponse: generated } : {}),
          };
        }),
      );
      groups.push({ label: 'burst of overlapping calls', ids, overlapping: true });
    }
    const before = recorder.entries.length;
    for (const key of keys) await recorder.record({ kind: 'get', key }, () => backend.get(key));
    groups.push({ label: 'final reads, one at a time', ids: recorder.entries.slice(before).map((entry) => entry.id) });
    return { history: recorder.close(), groups, keys: names };
  });
}

/** Checks one run's history; throws the failure report when no sequential order explains it. */
export function assertLinearizable(run: RunRecord): void {
  const result = checkBackendHistory(run.history, START_INSTANT);
  if (!result.linearizable) reportNonLinearizable(result, run);
}

export const linearizability: ConformanceProperty = {
  name: 'linearizability',
  summary: 'overlapping generate/get/set/touch/clear calls on a few keys are explained by some one-at-a-time order',
  rules: '§4 §8',
  defaultRuns: 200, // racy-revive (a cleared key revived by a late write) needs up to ~85 runs (p99 76 of 150 seeds)
  async prepare(factory) {
    return {
      property: fc.asyncProperty(burstsArb, fc.scheduler(), async (bursts, s) => {
        assertLinearizable(await runBursts(factory, bursts, s));
      }),
    };
  },
};
