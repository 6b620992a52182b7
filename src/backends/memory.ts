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
}

interface SessionRecord extends HeapItem {
  readonly key: string;
  /** `undefined`: the session was generated without a value (reads `not_set`). */
  value: string | undefined;
}

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
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#defaultPeriod = checkPeriod(options.defaultPeriod ?? ONE_WEEK, 'defaultPeriod');
    this.namespace = options.namespace ?? '';
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
    this.#sweepSome(now);
    let key = generateSessionKey();
    // 240 random bits make a collision unthinkable; the loop makes "never twice" unconditional.
    while (this.#records.has(key)) key = generateSessionKey();
    const record: SessionRecord = { key, value, expiresAt: expiresAt(now, period), heapIndex: -1 };
    this.#records.set(key, record);
    this.#byExpiry.push(record);
    return key;
  }

  async get(key: string): Promise<Lookup> {
    this.#assertOpen();
    // One clock reading per operation: a second one could fall 1 ms past an expiry the first
    // found live, and report a period of -1.
    const now = this.#clock.now();
    const record = this.#live(key, now);
    if (record === undefined) return { status: 'not_found' };
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
    const record = typeof key === 'string' ? this.#records.get(key) : undefined;
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
    const record = typeof key === 'string' ? this.#records.get(key) : undefined;
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
