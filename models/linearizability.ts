/**
 * A linearizability checker (SPEC §4: "every operation is atomic per key"): decides whether a
 * concurrent history of calls can be explained by some one-at-a-time order that respects real
 * time and in which every response is what a sequential specification says.
 *
 * The search is Wing & Gong's (1993), with the memoisation of Lowe ("Testing for
 * linearizability", 2017): a configuration (which calls are already placed, the specification's
 * state) that failed once is never explored again. The history is first split by key
 * (P-compositionality, Horn & Kroening 2015): a history is linearizable iff each per-key
 * sub-history is, so each key is searched on its own, which keeps the search exponential only
 * in the number of calls that overlap on one key.
 *
 * Written here because no maintained JavaScript library checks linearizability (Knossos and
 * Porcupine are Clojure and Go); it is pure code: no I/O, no promises, no clock.
 */

/**
 * A sequential specification: a pure step function from a state and an operation to the next
 * state and the response a correct object gives.
 */
export interface SequentialSpec<State, Operation, Response> {
  /** The state before any operation (of one partition). */
  readonly initial: State;
  /** What `operation` does to `state`, and what it answers. Must not mutate `state`. */
  step(state: State, operation: Operation): { state: State; response: Response };
  /** Whether an observed response is the one the specification gives; {@link sameStructure} by default. */
  sameResponse?(specified: Response, observed: Response): boolean;
  /** A string that is equal for equal states (the memo key); `JSON.stringify` by default. */
  stateKey?(state: State): string;
}

/** What became of one call. */
export type CallOutcome<Response> =
  /** The call returned `response` at logical instant `respondedAt`. */
  | { readonly status: 'returned'; readonly response: Response; readonly respondedAt: number }
  /**
   * Nobody knows: the call timed out, failed, or never settled. It may or may not have taken
   * effect, at any point after its invocation.
   */
  | { readonly status: 'unknown' };

/** One call in a concurrent history. */
export interface HistoryEntry<Operation, Response> {
  /** Unique within the history; witnesses and reports name calls by it. */
  readonly id: number;
  readonly operation: Operation;
  /** Logical instant of the invocation; instants are distinct across the whole history. */
  readonly invokedAt: number;
  readonly outcome: CallOutcome<Response>;
}

/** Options of {@link checkLinearizability}. */
export interface CheckLinearizabilityOptions<Operation> {
  /**
   * The partition (key) an operation acts on; `undefined` puts it in every partition (an
   * operation on shared state, such as a clock advance). Without it the history is one partition.
   */
  partition?: (operation: Operation) => string | undefined;
  /**
   * Configurations explored per partition before giving up with {@link LinearizabilityUndecided}
   * (the search is exponential in the worst case). 1,000,000 by default.
   */
  maxConfigurations?: number;
}

/** The verdict of {@link checkLinearizability}. */
export type LinearizabilityResult =
  | {
      readonly linearizable: true;
      /** Per partition, the ids of the calls in one order that explains the history. */
      readonly witness: ReadonlyMap<string, readonly number[]>;
      /** Configurations explored, all partitions together. */
      readonly explored: number;
    }
  | {
      readonly linearizable: false;
      /** The first partition with no explaining order. */
      readonly partition: string;
      /** The longest prefix (call ids) of an order that explained part of that partition. */
      readonly longestPrefix: readonly number[];
      /** The calls that could come next after that prefix, none of whose responses fits. */
      readonly stuckAt: readonly number[];
      readonly explored: number;
    };

/** The search ran over its budget: the history is too large to decide exhaustively. */
export class LinearizabilityUndecided extends Error {
  override readonly name = 'LinearizabilityUndecided';
  constructor(
    readonly partition: string,
    readonly explored: number,
  ) {
    super(
      `linearizability search gave up on partition ${JSON.stringify(partition)} after ${explored} configurations: ` +
        'make the histories smaller',
    );
  }
}

/** The partition name used when no `partition` function is given, and for shared-only histories. */
export const WHOLE_HISTORY = '';

/**
 * Decides whether `history` is linearizable with respect to `spec`. Calls of unknown outcome
 * may be placed anywhere after their invocation or left out. Throws
 * {@link LinearizabilityUndecided} if a partition needs more than `maxConfigurations` steps.
 */
export function checkLinearizability<State, Operation, Response>(
  history: readonly HistoryEntry<Operation, Response>[],
  spec: SequentialSpec<State, Operation, Response>,
  options: CheckLinearizabilityOptions<Operation> = {},
): LinearizabilityResult {
  checkHistoryShape(history);
  const partitions = splitByPartition(history, options.partition);
  const budget = options.maxConfigurations ?? 1_000_000;
  const witness = new Map<string, readonly number[]>();
  let explored = 0;
  for (const [name, entries] of partitions) {
    const search = new PartitionSearch(entries, spec, budget, name);
    const order = search.run();
    explored += search.explored;
    if (order === undefined) {
      return {
        linearizable: false,
        partition: name,
        longestPrefix: search.longestPrefix.map((index) => entries[index]!.id),
        stuckAt: search.stuckAt.map((index) => entries[index]!.id),
        explored,
      };
    }
    witness.set(
      name,
      order.map((index) => entries[index]!.id),
    );
  }
  return { linearizable: true, witness, explored };
}

/** Ids unique, instants distinct integers, every response after its invocation. */
function checkHistoryShape(history: readonly HistoryEntry<unknown, unknown>[]): void {
  const ids = new Set<number>();
  const instants = new Set<number>();
  const claim = (instant: number, what: string): void => {
    if (!Number.isFinite(instant) || instants.has(instant)) {
      throw new RangeError(`history: ${what} must be a finite instant used once, got ${instant}`);
    }
    instants.add(instant);
  };
  for (const entry of history) {
    if (ids.has(entry.id)) throw new RangeError(`history: call id ${entry.id} appears twice`);
    ids.add(entry.id);
    claim(entry.invokedAt, `invocation of call ${entry.id}`);
    if (entry.outcome.status === 'returned') {
      claim(entry.outcome.respondedAt, `response of call ${entry.id}`);
      if (entry.outcome.respondedAt < entry.invokedAt) {
        throw new RangeError(
          `history: call ${entry.id} responds at ${entry.outcome.respondedAt}, before its invocation at ${entry.invokedAt}`,
        );
      }
    }
  }
}

function splitByPartition<Operation, Response>(
  history: readonly HistoryEntry<Operation, Response>[],
  partitionOf: ((operation: Operation) => string | undefined) | undefined,
): Map<string, HistoryEntry<Operation, Response>[]> {
  const partitions = new Map<string, HistoryEntry<Operation, Response>[]>();
  const shared: HistoryEntry<Operation, Response>[] = [];
  for (const entry of history) {
    const name = partitionOf === undefined ? WHOLE_HISTORY : partitionOf(entry.operation);
    if (name === undefined) {
      shared.push(entry);
      continue;
    }
    let entries = partitions.get(name);
    if (entries === undefined) partitions.set(name, (entries = []));
    entries.push(entry);
  }
  // An operation on shared state (a clock advance) belongs to every partition. Sound for the
  // histories this project records, where shared operations happen while no call of known
  // outcome is in flight, so every partition must place them at the same point.
  if (partitions.size === 0 && shared.length > 0) partitions.set(WHOLE_HISTORY, []);
  for (const [name, entries] of partitions) {
    partitions.set(
      name,
      [...entries, ...shared].sort((a, b) => a.invokedAt - b.invokedAt),
    );
  }
  return partitions;
}

const NEVER = Number.POSITIVE_INFINITY;

/** One character per call in the search's memo key: placed or not. */
const flag = (placed: boolean): string => (placed ? '1' : '0');

/** The Wing–Gong search over one partition, memoised on (placed calls, state). */
class PartitionSearch<State, Operation, Response> {
  explored = 0;
  longestPrefix: number[] = [];
  // Stryker disable next-line ArrayDeclaration: set together with longestPrefix at the first dead end, before anyone reads it.
  stuckAt: number[] = [];
  readonly #entries: readonly HistoryEntry<Operation, Response>[];
  readonly #spec: SequentialSpec<State, Operation, Response>;
  readonly #respondedAt: number[];
  readonly #placed: boolean[];
  readonly #failed = new Set<string>();
  readonly #budget: number;
  readonly #partition: string;
  readonly #prefix: number[] = [];
  #returnedLeft: number;

  constructor(
    entries: readonly HistoryEntry<Operation, Response>[],
    spec: SequentialSpec<State, Operation, Response>,
    budget: number,
    partition: string,
  ) {
    this.#entries = entries;
    this.#spec = spec;
    this.#budget = budget;
    this.#partition = partition;
    this.#respondedAt = entries.map((entry) =>
      entry.outcome.status === 'returned' ? entry.outcome.respondedAt : NEVER,
    );
    // Stryker disable next-line ArrowFunction: undefined reads as unplaced as well.
    this.#placed = entries.map(() => false);
    this.#returnedLeft = entries.filter((entry) => entry.outcome.status === 'returned').length;
  }

  /** Indices of the calls in an explaining order, or `undefined` if there is none. */
  run(): number[] | undefined {
    return this.#explore(this.#spec.initial) ? [...this.#prefix] : undefined;
  }

  #explore(state: State): boolean {
    // Done once every call of known outcome is placed; calls of unknown outcome may stay out.
    if (this.#returnedLeft === 0) return true;
    // Stryker disable next-line StringLiteral: each flag is one character, so any separator keeps the key unique.
    const flags = this.#placed.map(flag).join('');
    const memo = `${flags}|${this.#stateKey(state)}`;
    if (this.#failed.has(memo)) return false;
    if (++this.explored > this.#budget) throw new LinearizabilityUndecided(this.#partition, this.explored);

    // A call can come next only if it was invoked before every unplaced call of known outcome
    // responded (real-time order: a call that responded before another's invocation goes first).
    let deadline = NEVER;
    for (let i = 0; i < this.#entries.length; i++) {
      if (!this.#placed[i] && this.#respondedAt[i]! < deadline) deadline = this.#respondedAt[i]!;
    }
    const candidates: number[] = [];
    for (let i = 0; i < this.#entries.length; i++) {
      const entry = this.#entries[i]!;
      if (entry.invokedAt > deadline) break; // sorted by invocation
      if (this.#placed[i]) continue;
      candidates.push(i);
      const next = this.#spec.step(state, entry.operation);
      if (entry.outcome.status === 'returned' && !this.#same(next.response, entry.outcome.response)) continue;
      this.#place(i, true);
      if (this.#explore(next.state)) return true;
      this.#place(i, false);
    }
    if (this.#prefix.length >= this.longestPrefix.length) {
      this.longestPrefix = [...this.#prefix];
      this.stuckAt = candidates;
    }
    this.#failed.add(memo);
    return false;
  }

  #place(index: number, placed: boolean): void {
    this.#placed[index] = placed;
    if (this.#entries[index]!.outcome.status === 'returned') this.#returnedLeft += placed ? -1 : 1;
    if (placed) this.#prefix.push(index);
    else this.#prefix.pop();
  }

  #same(specified: Response, observed: Response): boolean {
    return this.#spec.sameResponse === undefined ? sameStructure(specified, observed) : this.#spec.sameResponse(specified, observed);
  }

  #stateKey(state: State): string {
    return this.#spec.stateKey === undefined ? JSON.stringify(state) : this.#spec.stateKey(state);
  }
}

/**
 * Structural equality of plain data: the same primitives (`Object.is`), arrays item for item, and
 * objects with the same own enumerable fields holding equal values, in any order (a store that
 * answers `{ period, value, status }` answers what `{ status, value, period }` says). A field set
 * to `undefined` counts as absent, as it does once the answer is serialised.
 */
export function sameStructure(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameStructure(item, b[index]));
  }
  const fields = (value: object) => Object.entries(value).filter(([, inner]) => inner !== undefined);
  const left = fields(a);
  const right = new Map(fields(b));
  return left.length === right.size && left.every(([name, inner]) => right.has(name) && sameStructure(inner, right.get(name)));
}
