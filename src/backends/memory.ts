/**
 * The embedded default backend: sessions in a `Map`, in one process.
 */
import type { Backend, BackendFactory, ExpiryOptions, GenerateOptions, Lookup } from '../backend.js';
import { systemClock, type Clock } from '../clock.js';
import { generateSessionKey } from '../keys.js';
import { checkPeriod, expiresAt, isLive, ONE_WEEK, remainingPeriod } from '../period.js';
import { checkValueArgument, lifetimeFor } from './arguments.js';
import { ExpiryHeap, type HeapItem } from './expiry-heap.js';

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /** Source of time for expiry; `systemClock` by default. */
  clock?: Clock;
  /** Default lifetime in seconds; one week by default. */
  defaultPeriod?: number;
  /** Recorded for reports; each instance is its own store, so namespaces are apart anyway. */
  namespace?: string;
  /**
   * Most sessions held at once, live or not yet swept; {@link DEFAULT_MAX_SESSIONS} (100,000) by
   * default, `Infinity` for no bound. When `generate` finds the backend full it first drops every
   * dead session, then evicts the oldest session that no lookup has ever found (one a client
   * never sent back, as a cookieless flood makes), and only if there is none rejects with a
   * {@link SessionLimitError}. A session that a `get` has found is never evicted.
   */
  maxSessions?: number;
}

/** The default {@link MemoryBackendOptions.maxSessions}: about 21 MiB of small sessions (bench/ memory-flood). */
export const DEFAULT_MAX_SESSIONS = 100_000;

/**
 * `generate` found a {@link MemoryBackend} holding `maxSessions` sessions that clients have all
 * come back with: no session was created. The manager passes it through; answer the request
 * without a session (for instance 503) rather than evict someone's login.
 */
export class SessionLimitError extends Error {
  override readonly name = 'SessionLimitError';
  constructor(
    /** The bound that was reached. */
    readonly maxSessions: number,
  ) {
    super(
      `MemoryBackend: full (${maxSessions} sessions, every one found by a lookup since it was made, none dead): no session generated; raise maxSessions or use a shared store`,
    );
  }
}

interface SessionRecord extends HeapItem {
  readonly key: string;
  /** `undefined`: the session was generated without a value (reads `not_set`). */
  value: string | undefined;
  /** Neighbours in the list of sessions no lookup has found yet (see {@link UnconfirmedList}). */
  older: SessionRecord | undefined;
  newer: SessionRecord | undefined;
  /** Whether the record is in that list. */
  unconfirmed: boolean;
}

/**
 * The sessions no lookup has found yet, oldest first: a doubly linked list through the records,
 * so that adding, removing and taking the oldest are O(1). (A `Set` keeps insertion order too,
 * but V8 leaves deleted entries in place until it rehashes, so finding the oldest after many
 * evictions walks past all of them: five times slower under a flood, bench/.)
 */
class UnconfirmedList {
  #oldest: SessionRecord | undefined;
  #newest: SessionRecord | undefined;

  get oldest(): SessionRecord | undefined {
    return this.#oldest;
  }

  add(record: SessionRecord): void {
    record.older = this.#newest;
    record.newer = undefined;
    if (this.#newest !== undefined) this.#newest.newer = record;
    else this.#oldest = record;
    this.#newest = record;
    record.unconfirmed = true;
  }

  delete(record: SessionRecord): void {
    if (!record.unconfirmed) return;
    if (record.older !== undefined) record.older.newer = record.newer;
    else this.#oldest = record.newer;
    if (record.newer !== undefined) record.newer.older = record.older;
    else this.#newest = record.older;
    record.older = record.newer = undefined;
    record.unconfirmed = false;
  }
}

/** Keys drawn for one `generate` before giving up: 240 random bits never collide twice in a row. */
const GENERATE_ATTEMPTS = 8;

/**
 * Dead records dropped per operation. Every operation adds at most one record and drops up to
 * this many, so dead records cannot pile up while the backend is in use, and no request pays
 * for a full scan.
 */
const SWEEP_PER_OPERATION = 4;

/**
 * Sessions held in memory. Every operation is O(log n): a `Map` by key plus a min-heap by
 * `expiresAt`, of which each operation sweeps a bounded number of dead records.
 *
 * @example
 * const backend = new MemoryBackend({ defaultPeriod: 3600 });
 * const key = await backend.generate({ value: 'cart=3' });
 */
export class MemoryBackend implements Backend {
  readonly namespace: string;
  readonly #clock: Clock;
  #defaultPeriod: number;
  readonly #records = new Map<string, SessionRecord>();
  readonly #byExpiry = new ExpiryHeap<SessionRecord>();
  /** Sessions no lookup has found yet, oldest first: the only ones `generate` may evict when full. */
  readonly #unconfirmed = new UnconfirmedList();
  readonly #maxSessions: number;
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#defaultPeriod = checkPeriod(options.defaultPeriod ?? ONE_WEEK, 'defaultPeriod');
    this.namespace = options.namespace ?? '';
    this.#maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if (!(this.#maxSessions === Infinity || (Number.isInteger(this.#maxSessions) && this.#maxSessions >= 1))) {
      throw new RangeError(`MemoryBackend: maxSessions must be a whole number >= 1 or Infinity, got ${String(options.maxSessions)}`);
    }
  }

  defaultPeriod(): number {
    return this.#defaultPeriod;
  }

  /** Changes the default period used from now on (the original's `set_default_period`). */
  setDefaultPeriod(period: number): void {
    this.#defaultPeriod = checkPeriod(period, 'period');
  }

  async generate(options: GenerateOptions = {}): Promise<string> {
    this.#assertOpen();
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    const value = options.value;
    if (value !== undefined) checkValueArgument(value, 'generate');
    const now = this.#clock.now();
    // Dead sessions go first: the earliest expiry is the heap's top, so if any session is dead this
    // drops at least one, and the backend is no longer full.
    this.#sweepSome(now);
    if (this.#records.size >= this.#maxSessions) this.#makeRoom();
    const key = this.#freshKey();
    const record: SessionRecord = {
      key,
      value,
      expiresAt: expiresAt(now, period),
      // Stryker disable next-line UnaryOperator: placeholders; the heap's push and the list's add below set both.
      heapIndex: -1,
      older: undefined,
      newer: undefined,
      // Stryker disable next-line BooleanLiteral: placeholder; the list's add below sets it.
      unconfirmed: false,
    };
    this.#records.set(key, record);
    this.#byExpiry.push(record);
    this.#unconfirmed.add(record);
    return key;
  }

  async get(key: string): Promise<Lookup> {
    this.#assertOpen();
    // One clock reading per operation: a second one could fall 1 ms past an expiry the first
    // found live, and report a period of -1.
    const now = this.#clock.now();
    const record = this.#live(key, now);
    if (record === undefined) return { status: 'not_found' };
    // A client came back with this key: from now on it is a session someone uses, never evicted.
    this.#unconfirmed.delete(record);
    if (record.value === undefined) return { status: 'not_set' };
    return { status: 'ok', value: record.value, period: remainingPeriod(record.expiresAt, now) };
  }

  async set(key: string, value: string, options: ExpiryOptions = {}): Promise<'ok' | 'not_found'> {
    this.#assertOpen();
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    checkValueArgument(value, 'set');
    // SPEC §4: only a live session is updated; set never revives a cleared or expired key.
    const now = this.#clock.now();
    const record = this.#live(key, now);
    if (record === undefined) return 'not_found';
    record.value = value;
    this.#restart(record, period, now);
    return 'ok';
  }

  async touch(key: string, options: ExpiryOptions = {}): Promise<'ok' | 'not_found'> {
    this.#assertOpen();
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    const now = this.#clock.now();
    const record = this.#live(key, now);
    if (record === undefined) return 'not_found';
    this.#restart(record, period, now);
    return 'ok';
  }

  async clear(key: string): Promise<void> {
    this.#assertOpen();
    // Every key held is a string: a key that is not one is simply not found.
    const record = this.#records.get(key);
    if (record !== undefined) this.#drop(record);
    this.#sweepSome(this.#clock.now());
  }

  async size(): Promise<number> {
    this.#assertOpen();
    return this.#records.size;
  }

  async sweep(): Promise<number> {
    this.#assertOpen();
    return this.#sweepSome(this.#clock.now(), Infinity);
  }

  /** Later calls reject with an `Error` (SPEC §4: a failure is never a fake answer). */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryBackend is closed');
  }

  /** The live record under `key`, dropping it if it is dead; sweeps a little on the way. */
  #live(key: string, now: number): SessionRecord | undefined {
    this.#sweepSome(now);
    const record = this.#records.get(key);
    if (record === undefined) return undefined;
    if (!isLive(record.expiresAt, now)) {
      this.#drop(record);
      return undefined;
    }
    return record;
  }

  #restart(record: SessionRecord, period: number, now: number): void {
    record.expiresAt = expiresAt(now, period);
    this.#byExpiry.update(record);
  }

  #drop(record: SessionRecord): void {
    this.#records.delete(record.key);
    this.#byExpiry.remove(record);
    this.#unconfirmed.delete(record);
  }

  /**
   * A key no record holds. 240 random bits make a collision unthinkable; retrying makes "never
   * twice" unconditional (SPEC §2), and the bound turns a broken random source into an error
   * instead of a loop that never ends.
   */
  #freshKey(): string {
    for (let attempt = 0; attempt < GENERATE_ATTEMPTS; attempt++) {
      const key = generateSessionKey();
      if (!this.#records.has(key)) return key;
    }
    throw new Error(`MemoryBackend: generate drew ${GENERATE_ATTEMPTS} keys in a row that were taken; the random source is broken`);
  }

  /**
   * The backend is full of live sessions (generate swept the dead ones): make room for one, or refuse.
   *
   * Who is evicted decides what a flood can do. The quick start creates a session for every
   * cookieless request, so anyone can make sessions as fast as they can send requests. Evicting
   * by age or expiry (what an LRU cache does) would let such a flood push out every logged-in
   * user: a logout of everyone, for the price of `maxSessions` requests. Refusing every new
   * session instead would let the same flood lock out new visitors until its sessions expire
   * (a week by default). So: dead sessions go first; then the oldest session that no lookup has
   * found, which is what a flood is made of (its cookies never come back) and what a visitor
   * who came once leaves; a session a client has come back with is never evicted. Only when the
   * backend is full of those (an attacker must then return every cookie it was given, a request
   * per session that per-client rate limits see) does `generate` reject, with a typed error.
   */
  #makeRoom(): void {
    const oldest = this.#unconfirmed.oldest;
    if (oldest === undefined) throw new SessionLimitError(this.#maxSessions);
    this.#drop(oldest);
  }

  #sweepSome(now: number, limit = SWEEP_PER_OPERATION): number {
    let dropped = 0;
    for (let oldest = this.#byExpiry.peek(); oldest !== undefined && dropped < limit; oldest = this.#byExpiry.peek()) {
      if (isLive(oldest.expiresAt, now)) break;
      this.#drop(oldest);
      dropped++;
    }
    return dropped;
  }

}

/** A {@link BackendFactory} for {@link MemoryBackend}: what `sess-conformance` runs by default. */
export const memoryBackendFactory: BackendFactory = ({ clock, namespace }) => new MemoryBackend({ clock, namespace });
