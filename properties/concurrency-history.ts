/**
 * Concurrent histories of backend calls: how they are recorded (a logical counter, one entry per
 * call), what a correct backend may answer (a per-key sequential specification for the
 * linearizability checker of `models/linearizability.ts`), and how a history is shown to a
 * person (one lane per call).
 */
import type { Lookup } from '../src/backend.js';
import {
  checkLinearizability,
  type HistoryEntry,
  type LinearizabilityResult,
  type SequentialSpec,
} from '../models/linearizability.js';
import {
  advance,
  clear,
  generate,
  get,
  initialBackendModel,
  set,
  touch,
  type BackendModel,
} from '../models/backend-model.js';

/** One backend call, as the checker sees it (expiries always explicit: the model needs no default). */
export type BackendOperation =
  /** `key` is the key the call returned: a generate belongs to the partition of its new key. */
  | { readonly kind: 'generate'; readonly key: string; readonly value: string | undefined; readonly expiry: number }
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'set'; readonly key: string; readonly value: string; readonly expiry: number }
  | { readonly kind: 'touch'; readonly key: string; readonly expiry: number }
  | { readonly kind: 'clear'; readonly key: string }
  /** The test clock moved: shared by every key. */
  | { readonly kind: 'advance'; readonly ms: number };

/** What a call answered; `generate`, `clear` and `advance` answer `'done'`. */
export type BackendResponse = Lookup | 'ok' | 'not_found' | 'done';

export type BackendHistoryEntry = HistoryEntry<BackendOperation, BackendResponse>;

/**
 * The sequential specification of a backend, for the linearizability checker: the backend model
 * of `models/backend-model.ts` (SPEC §1–§4) as a step function. The checker runs it on one key at a
 * time, so its state holds one key's record. A generate of a key already handed out answers
 * `'bad_key'`, which never matches an observed `'done'`.
 */
export function backendSpec(
  startMs: number,
): SequentialSpec<BackendModel, BackendOperation, BackendResponse | 'bad_key'> {
  return {
    // Every call of a history carries its expiry, so the default period never matters.
    initial: initialBackendModel(startMs, 0),
    step(state, operation) {
      switch (operation.kind) {
        case 'advance':
          return { state: advance(state, operation.ms), response: 'done' };
        case 'generate':
          // Only "never handed out twice" (SPEC §2) matters here; the key's format is key-quality's.
          if (state.issued.has(operation.key)) return { state, response: 'bad_key' };
          return { state: generate(state, operation.key, operation).state, response: 'done' };
        case 'get': {
          const { state: next, result } = get(state, operation.key);
          return { state: next, response: result };
        }
        case 'set': {
          const { state: next, result } = set(state, operation.key, operation.value, operation.expiry);
          return { state: next, response: result };
        }
        case 'touch': {
          const { state: next, result } = touch(state, operation.key, operation.expiry);
          return { state: next, response: result };
        }
        case 'clear':
          return { state: clear(state, operation.key).state, response: 'done' };
      }
    },
    stateKey: (state) =>
      [
        state.now,
        [...state.records].map(([key, record]) => `${key}:${record.expiresAt}:${JSON.stringify(record.value ?? null)}`).join(','),
        [...state.issued].join(','),
      ].join('|'),
  };
}

/** Checks a recorded history of backend calls against {@link backendSpec}, key by key. */
export function checkBackendHistory(
  history: readonly BackendHistoryEntry[],
  startMs: number,
  maxConfigurations?: number,
): LinearizabilityResult {
  return checkLinearizability<BackendModel, BackendOperation, BackendResponse | 'bad_key'>(history, backendSpec(startMs), {
    partition: (operation) => (operation.kind === 'advance' ? undefined : operation.key),
    ...(maxConfigurations === undefined ? {} : { maxConfigurations }),
  });
}

/**
 * Records calls with a logical counter: each invocation and each response takes the next
 * instant, so "A responded before B was invoked" is exact whatever the scheduler did.
 */
export class HistoryRecorder {
  readonly entries: BackendHistoryEntry[] = [];
  /** What each call that rejected (or threw) rejected with, by id: for reports. */
  readonly rejections = new Map<number, unknown>();
  /** Calls invoked but not (yet) answered, by id. */
  readonly #open = new Map<number, { operation: BackendOperation | ((response: unknown) => BackendOperation); invokedAt: number }>();
  #instant = 0;
  #nextId = 1;

  /** Takes the next logical instant. */
  tick(): number {
    return this.#instant++;
  }

  /**
   * Records `call`, started now: resolves what it resolved, once `deliver` hands the response
   * over (a scheduler may hold it back). A rejection passes through and the call stays open, so
   * {@link close} records it as of unknown outcome. `operation` may depend on the response (a
   * generate's key).
   */
  start<T>(
    operation: BackendOperation | ((response: T) => BackendOperation),
    call: () => Promise<T>,
    deliver: (promise: Promise<T>) => Promise<T> = (promise) => promise,
  ): { id: number; response: Promise<T> } {
    const id = this.#nextId++;
    const invokedAt = this.tick();
    this.#open.set(id, { operation: operation as BackendOperation | ((response: unknown) => BackendOperation), invokedAt });
    let started: Promise<T>;
    try {
      started = call();
    } catch (error) {
      started = Promise.reject(error); // a synchronous throw is a failed call too
    }
    const response = deliver(started).then((value) => {
      this.#open.delete(id);
      const respondedAt = this.tick();
      const resolved = typeof operation === 'function' ? operation(value) : operation;
      this.entries.push({
        id,
        operation: resolved,
        invokedAt,
        outcome: { status: 'returned', response: normalise(resolved, value), respondedAt },
      });
      return value;
    }, (error: unknown) => {
      this.rejections.set(id, error);
      throw error;
    });
    return { id, response };
  }

  /** {@link start}, awaited. */
  record<T>(operation: BackendOperation | ((response: T) => BackendOperation), call: () => Promise<T>): Promise<T> {
    return this.start(operation, call).response;
  }

  /** Records a shared step that happens in one instant (a clock advance). */
  step(operation: BackendOperation): number {
    const id = this.#nextId++;
    const invokedAt = this.tick();
    this.entries.push({ id, operation, invokedAt, outcome: { status: 'returned', response: 'done', respondedAt: this.tick() } });
    return id;
  }

  /**
   * Closes the history: calls still open (rejected, timed out or never settled) become entries
   * of unknown outcome. A generate of unknown outcome is left out: nobody knows its key, so it
   * cannot explain anything observed on a known key.
   */
  close(): BackendHistoryEntry[] {
    for (const [id, { operation, invokedAt }] of this.#open) {
      if (typeof operation === 'function') continue;
      this.entries.push({ id, operation, invokedAt, outcome: { status: 'unknown' } });
    }
    this.#open.clear();
    return [...this.entries].sort((a, b) => a.invokedAt - b.invokedAt);
  }
}

function normalise(operation: BackendOperation, response: unknown): BackendResponse {
  if (operation.kind === 'generate' || operation.kind === 'clear' || operation.kind === 'advance') return 'done';
  return response as BackendResponse;
}

/** Short names for keys in reports: `k1`, `k2`, ... in order of first appearance. */
export class KeyNames {
  readonly #names = new Map<string, string>();
  constructor(readonly prefix = 'k') {}
  name(key: string): string {
    let name = this.#names.get(key);
    if (name === undefined) this.#names.set(key, (name = `${this.prefix}${this.#names.size + 1}`));
    return name;
  }
}

/** `set(k1, "a", 2s)`: how a call reads in a report. */
export function describeOperation(operation: BackendOperation, keys: KeyNames): string {
  switch (operation.kind) {
    case 'generate':
      return `generate(${operation.value === undefined ? '' : `${JSON.stringify(operation.value)}, `}${operation.expiry}s) = ${keys.name(operation.key)}`;
    case 'get':
      return `get(${keys.name(operation.key)})`;
    case 'set':
      return `set(${keys.name(operation.key)}, ${JSON.stringify(operation.value)}, ${operation.expiry}s)`;
    case 'touch':
      return `touch(${keys.name(operation.key)}, ${operation.expiry}s)`;
    case 'clear':
      return `clear(${keys.name(operation.key)})`;
    case 'advance':
      return `clock +${operation.ms}ms`;
  }
}

/** How a response reads in a report. */
export function describeResponse(response: unknown): string {
  if (typeof response === 'string') return response;
  if (typeof response === 'object' && response !== null && 'status' in response) {
    const lookup = response as Lookup;
    return lookup.status === 'ok' ? `ok ${JSON.stringify(lookup.value)} ${lookup.period}s` : lookup.status;
  }
  return JSON.stringify(response);
}

/**
 * The history as a timeline: one lane per call, `[` at its invocation, `]` at its response,
 * `=` while it is in flight, `?` running off the end for a call of unknown outcome; the response
 * follows the lane. Calls named in `highlight` are marked `>`.
 *
 * ```
 *    #3 set(k1, "a", 2s)   |  [=====]     | ok
 *  > #4 clear(k1)          |    [=]       | done
 * ```
 */
export function renderTimeline(
  history: readonly BackendHistoryEntry[],
  keys: KeyNames,
  highlight: ReadonlySet<number> = new Set(),
): string {
  const instants = [
    ...new Set(
      history.flatMap((entry) =>
        entry.outcome.status === 'returned' ? [entry.invokedAt, entry.outcome.respondedAt] : [entry.invokedAt],
      ),
    ),
  ].sort((a, b) => a - b);
  const column = new Map(instants.map((instant, index) => [instant, index]));
  const width = instants.length + 1;
  const labels = history.map((entry) => `#${entry.id} ${describeOperation(entry.operation, keys)}`);
  const labelWidth = Math.max(0, ...labels.map((label) => label.length));
  return history
    .map((entry, index) => {
      const lane = Array.from({ length: width }, () => ' ');
      const from = column.get(entry.invokedAt)!;
      if (entry.outcome.status === 'returned') {
        const to = column.get(entry.outcome.respondedAt)!;
        for (let i = from + 1; i < to; i++) lane[i] = '=';
        lane[from] = '[';
        lane[to] = ']';
      } else {
        for (let i = from + 1; i < width; i++) lane[i] = '?';
        lane[from] = '[';
      }
      const outcome =
        entry.outcome.status === 'returned' ? describeResponse(entry.outcome.response) : 'unknown (failed or never settled)';
      const mark = highlight.has(entry.id) ? '>' : ' ';
      return `${mark} ${labels[index]!.padEnd(labelWidth)} |${lane.join('')}| ${outcome}`;
    })
    .join('\n');
}

/** Why `result` (not linearizable) fails, in words a store author can follow. */
export function explainNonLinearizable(
  result: Extract<LinearizabilityResult, { linearizable: false }>,
  history: readonly BackendHistoryEntry[],
  keys: KeyNames,
): string {
  const byId = new Map(history.map((entry) => [entry.id, entry]));
  const name = (id: number): string => `#${id} ${describeOperation(byId.get(id)!.operation, keys)}`;
  const prefix = result.longestPrefix.filter((id) => byId.get(id)!.operation.kind !== 'advance');
  return [
    `not linearizable on key ${keys.name(result.partition)}: no one-at-a-time order of its calls, consistent with real time, gives the responses observed (SPEC §4).`,
    prefix.length === 0
      ? 'Not even the first call can be explained.'
      : `The longest explainable order is: ${prefix.map(name).join(', ')};`,
    `after it, none of ${result.stuckAt.map(name).join(', ')} can come next with the response it gave.`,
  ].join('\n');
}
