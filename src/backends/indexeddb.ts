/**
 * Sessions in IndexedDB, for browsers and service workers: they survive reloads and are shared by
 * every tab of an origin. Written with `idb` (the typed promise wrapper), no `node:*` imports.
 *
 * Layout: one object store `sessions` keyed by `[namespace, key]`, so instances with different
 * namespaces on one database never meet (SPEC §4), and one index `byExpiry` on
 * `[namespace, expiresAt, key]`, so finding the dead records of a namespace is a range scan that
 * never reads a live record or another namespace.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore } from 'idb';
import type { Backend, BackendFactory, ExpiryOptions, GenerateOptions, Lookup } from '../backend.js';
import { systemClock, type Clock } from '../clock.js';
import { generateSessionKey } from '../keys.js';
import { checkPeriod, expiresAt, isLive, ONE_WEEK, remainingPeriod } from '../period.js';
import { checkValueArgument, lifetimeFor } from './arguments.js';
import { describeError } from '../error-text.js';

/** The database name used when none is given. */
export const DEFAULT_DATABASE_NAME = 'sess';

/** The schema version this backend creates and expects. */
export const DATABASE_VERSION = 1;

const STORE = 'sessions';
const BY_EXPIRY = 'byExpiry';

/**
 * Reclaiming on the write path: one write in {@link SWEEP_EVERY} (the first one included) also
 * drops up to {@link SWEEP_BATCH} dead records of its namespace, oldest first. Every write adds at
 * most one record, so dead records cannot pile up while the backend is in use (four reclaimed per
 * write on average, as `MemoryBackend`), and no request pays for a full scan. Batching spares
 * seven writes in eight a range query: one more round trip in Chromium, and in fake-indexeddb a
 * walk over every deleted entry its search tree keeps as a tombstone (measured: 10,000 generates
 * with churn went from 3.0 s to 1.0 s there).
 */
const SWEEP_EVERY = 8;
const SWEEP_BATCH = 32;

/** A stored session. `value` is absent for a session generated without one (reads `not_set`). */
interface SessionRecord {
  namespace: string;
  key: string;
  value?: string;
  /** Milliseconds since the epoch, by the backend's clock (SPEC §1). */
  expiresAt: number;
}

interface SessionSchema extends DBSchema {
  sessions: {
    key: [string, string];
    value: SessionRecord;
    indexes: { byExpiry: [string, number, string] };
  };
}

type SessionStore = IDBPObjectStore<SessionSchema, ['sessions'], 'sessions', 'readwrite'>;

/** Options of {@link IndexedDbBackend}. */
export interface IndexedDbBackendOptions {
  /** IndexedDB database name; `'sess'` by default. Several backends may share one database. */
  name?: string;
  /** Source of time for expiry; `systemClock` by default. */
  clock?: Clock;
  /** Default lifetime in seconds; one week by default. */
  defaultPeriod?: number;
  /** Keeps this instance's sessions apart from other namespaces in the same database; `''` by default. */
  namespace?: string;
}

/**
 * An IndexedDB operation failed (I/O, quota, aborted transaction, closed or upgraded database).
 * The browser's own error is in `cause`. SPEC §4: a failure rejects, it never reads as `not_found`.
 */
export class IndexedDbBackendError extends Error {
  override readonly name = 'IndexedDbBackendError';
  /** The database the operation ran on. */
  readonly database: string;

  constructor(message: string, database: string, options?: { cause?: unknown }) {
    super(message, options);
    this.database = database;
  }
}

/**
 * Sessions in an IndexedDB database.
 *
 * Every operation is one IndexedDB transaction; `set` and `touch` read the record, check that it
 * is live and write it inside one `readwrite` transaction, so two tabs or two connections on the
 * same database stay linearizable (SPEC §4). The clock is read inside the transaction, at the
 * point where the operation takes effect.
 *
 * The connection opens on first use. If another connection asks for a new version (an upgrade or
 * `deleteDatabase` elsewhere), this one finishes its running transactions and closes, and the next
 * call opens the database again; a database that has since moved to another version makes calls
 * reject with an {@link IndexedDbBackendError} that says so.
 *
 * @example
 * const backend = new IndexedDbBackend({ name: 'my-app-sessions', defaultPeriod: 3600 });
 * const key = await backend.generate({ value: 'cart=3' });
 * await backend.get(key); // { status: 'ok', value: 'cart=3', period: 3600 }
 */
export class IndexedDbBackend implements Backend {
  /** The IndexedDB database name. */
  readonly name: string;
  /** The namespace this instance's sessions live in. */
  readonly namespace: string;
  readonly #clock: Clock;
  #defaultPeriod: number;
  /** The open (or opening) connection; `undefined` until first use and after a version change. */
  #connection: Promise<IDBPDatabase<SessionSchema>> | undefined;
  #closed = false;
  /** Writes so far, to pick the ones that also sweep ({@link SWEEP_EVERY}). */
  #writes = 0;

  constructor(options: IndexedDbBackendOptions = {}) {
    this.name = options.name ?? DEFAULT_DATABASE_NAME;
    if (typeof this.name !== 'string' || this.name === '') {
      throw new TypeError(`IndexedDbBackend: name must be a non-empty string, got ${JSON.stringify(options.name)}`);
    }
    this.namespace = options.namespace ?? '';
    if (typeof this.namespace !== 'string') {
      throw new TypeError(`IndexedDbBackend: namespace must be a string, got ${typeof options.namespace}`);
    }
    this.#clock = options.clock ?? systemClock;
    this.#defaultPeriod = checkPeriod(options.defaultPeriod ?? ONE_WEEK, 'defaultPeriod');
  }

  defaultPeriod(): number {
    return this.#defaultPeriod;
  }

  /** Changes the default period used from now on (the original's `set_default_period`). */
  setDefaultPeriod(period: number): void {
    this.#defaultPeriod = checkPeriod(period, 'period');
  }

  async generate(options: GenerateOptions = {}): Promise<string> {
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    const value = options.value;
    if (value !== undefined) checkValueArgument(value, 'generate');
    // 240 random bits make a collision unthinkable; retrying on one makes "never twice"
    // unconditional for live keys (SPEC §2). `add` refuses an existing key (ConstraintError,
    // which aborts the transaction, so nothing is written): no separate look-up round trip.
    // Bounded: a random source that keeps repeating itself is broken, and a loop must end (issue 16).
    for (let attempt = 0; attempt < GENERATE_ATTEMPTS; attempt++) {
      const key = generateSessionKey();
      try {
        await this.#transaction('generate', 'readwrite', async (store) => {
          const now = this.#clock.now();
          const record: SessionRecord = { namespace: this.namespace, key, expiresAt: expiresAt(now, period) };
          // SPEC §3: '' is a value; only a missing value means "no value".
          if (value !== undefined) record.value = value;
          // Issued together: each awaited request is a round trip to the browser's storage process.
          await Promise.all([store.add(record), this.#sweepSome(store, now)]);
        });
        return key;
      } catch (error) {
        if (!(error instanceof IndexedDbBackendError && isConstraintError(error.cause))) throw error;
      }
    }
    throw new IndexedDbBackendError(
      `IndexedDbBackend.generate: ${GENERATE_ATTEMPTS} keys in a row that were taken on database ${JSON.stringify(this.name)}; the random source is broken, and nothing was written`,
      this.name,
    );
  }

  async get(key: string): Promise<Lookup> {
    // SPEC §2: any string may come from a client; anything else cannot name a session.
    if (typeof key !== 'string') return { status: 'not_found' };
    return this.#transaction('get', 'readonly', async (store): Promise<Lookup> => {
      const record = await store.get([this.namespace, key]);
      const now = this.#clock.now();
      // SPEC §4, in the original's order: missing or expired first (even with no value), then no value.
      if (record === undefined || !isLive(record.expiresAt, now)) return { status: 'not_found' };
      if (record.value === undefined) return { status: 'not_set' };
      return { status: 'ok', value: record.value, period: remainingPeriod(record.expiresAt, now) };
    });
  }

  async set(key: string, value: string, options: ExpiryOptions = {}): Promise<'ok' | 'not_found'> {
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    checkValueArgument(value, 'set');
    return this.#restart('set', key, period, (record) => {
      record.value = value;
    });
  }

  async touch(key: string, options: ExpiryOptions = {}): Promise<'ok' | 'not_found'> {
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    // The value, or its absence, stays as stored (SPEC §4).
    return this.#restart('touch', key, period, () => {});
  }

  async clear(key: string): Promise<void> {
    if (typeof key !== 'string') return;
    await this.#transaction('clear', 'readwrite', async (store) => {
      await Promise.all([store.delete([this.namespace, key]), this.#sweepSome(store, this.#clock.now())]);
    });
  }

  /** Records of this namespace held in the database, live or dead. */
  async size(): Promise<number> {
    return this.#transaction('size', 'readonly', (store) => store.index(BY_EXPIRY).count(this.#allOfNamespace()));
  }

  /** Drops every dead record of this namespace now; resolves how many went. */
  async sweep(): Promise<number> {
    return this.#transaction('sweep', 'readwrite', (store) => this.#sweepDead(store, this.#clock.now(), Infinity));
  }

  /**
   * Closes the connection once its running transactions are done. Later calls reject; the data
   * stays in the database for the next backend that opens it.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return;
    try {
      (await connection).close();
    } catch {
      // The connection never opened: there is nothing to close, and the opening call already
      // rejected with the reason.
    }
  }

  /**
   * `set` and `touch`: read, check liveness, write, all in one `readwrite` transaction
   * (SPEC §4: never read-then-write across transactions).
   */
  async #restart(
    operation: string,
    key: string,
    period: number,
    change: (record: SessionRecord) => void,
  ): Promise<'ok' | 'not_found'> {
    if (typeof key !== 'string') return 'not_found';
    return this.#transaction(operation, 'readwrite', async (store) => {
      const record = await store.get([this.namespace, key]);
      const now = this.#clock.now();
      const sweeping = this.#sweepSome(store, now);
      // SPEC §4: only a live session is updated; a missing, cleared or expired key is never revived.
      if (record === undefined || !isLive(record.expiresAt, now)) {
        await sweeping;
        return 'not_found';
      }
      change(record);
      record.expiresAt = expiresAt(now, period);
      // The put is queued after the sweep's query, which cannot see this live record anyway.
      await Promise.all([store.put(record), sweeping]);
      return 'ok';
    });
  }

  /** The write path's share of reclaiming: a batch on one write in {@link SWEEP_EVERY}, else nothing. */
  #sweepSome(store: SessionStore, now: number): Promise<number> {
    const due = this.#writes % SWEEP_EVERY === 0;
    this.#writes++;
    return due ? this.#sweepDead(store, now, SWEEP_BATCH) : Promise.resolve(0);
  }

  /** Deletes up to `limit` dead records of this namespace, oldest first; resolves how many. */
  async #sweepDead(store: SessionStore, now: number, limit: number): Promise<number> {
    // Dead means now > expiresAt (SPEC §1). Arrays compare element by element and a prefix sorts
    // first, so [namespace, now] (excluded) lies below every [namespace, now, key]: the range holds
    // exactly the entries with expiresAt < now.
    const dead = IDBKeyRange.bound([this.namespace, -Infinity], [this.namespace, now], false, true);
    const keys = await store.index(BY_EXPIRY).getAllKeys(dead, Number.isFinite(limit) ? limit : undefined);
    await Promise.all(keys.map((primaryKey) => store.delete(primaryKey)));
    return keys.length;
  }

  /** Every index entry of this namespace (expiresAt is always a finite number). */
  #allOfNamespace(): IDBKeyRange {
    return IDBKeyRange.bound([this.namespace, -Infinity], [this.namespace, Infinity]);
  }

  /**
   * Runs `body` in one transaction and resolves its result (a write's only once the transaction
   * has committed). Any failure (a request error, an abort, a throw in `body`) aborts the transaction,
   * so nothing is half-written, and rejects with an {@link IndexedDbBackendError}.
   *
   * `body` awaits nothing but its own requests (and the microtasks after them): the engines differ
   * on what else a transaction survives. Measured here, an awaited `crypto.subtle.digest` leaves it
   * active in Chromium 156 and finished in Firefox 153 and WebKitGTK 2.50
   * (`indexeddb.engines.test.ts`, and the gallery's fixtures/browser/idb-digest-in-transaction.ts):
   * so keys are made, and anything slow is done, before the transaction opens.
   */
  async #transaction<T, Mode extends IDBTransactionMode>(
    operation: string,
    mode: Mode,
    body: (store: IDBPObjectStore<SessionSchema, ['sessions'], 'sessions', Mode>) => Promise<T>,
  ): Promise<T> {
    const tx = await this.#begin(operation, mode);
    // Observed below; without this, a rejection of `done` after `body` failed would go unhandled.
    const done = tx.done;
    done.catch(() => {});
    try {
      const result = await body(tx.store);
      // A write is answered once committed. A read is answered as soon as its requests have
      // succeeded: what it saw cannot change by waiting, and its place in the order of
      // transactions (its linearization point) is already taken.
      if (mode === 'readwrite') await done;
      return result;
    } catch (error) {
      try {
        tx.abort();
      } catch {
        // Already committed or aborted: the error below says why.
      }
      throw this.#error(operation, error);
    }
  }

  async #begin<Mode extends IDBTransactionMode>(operation: string, mode: Mode) {
    // Two attempts: a version change elsewhere may close the connection between the moment it
    // was handed out and the moment the transaction starts (InvalidStateError); then reopen once.
    for (let attempt = 1; ; attempt++) {
      const connection = this.#open(operation);
      let db: IDBPDatabase<SessionSchema>;
      try {
        db = await connection;
      } catch (error) {
        throw this.#error(operation, error);
      }
      try {
        return db.transaction(STORE, mode);
      } catch (error) {
        const closedUnderUs = this.#connection !== connection && !this.#closed;
        if (attempt >= 2 || !closedUnderUs) throw this.#error(operation, error);
      }
    }
  }

  /** The connection, opened on first use and again after another connection forced it closed. */
  #open(operation: string): Promise<IDBPDatabase<SessionSchema>> {
    if (this.#closed) {
      return Promise.reject(
        new IndexedDbBackendError(
          `IndexedDbBackend.${operation}: the backend on database "${this.name}" was closed`,
          this.name,
        ),
      );
    }
    if (this.#connection !== undefined) return this.#connection;
    if (globalThis.indexedDB === undefined) {
      return Promise.reject(
        new IndexedDbBackendError(
          `IndexedDbBackend.${operation}: this runtime has no IndexedDB (globalThis.indexedDB is undefined)`,
          this.name,
        ),
      );
    }
    const opening = openDB<SessionSchema>(this.name, DATABASE_VERSION, {
      upgrade(db) {
        const store = db.createObjectStore(STORE, { keyPath: ['namespace', 'key'] });
        // The key makes every index entry unique, so a range query stops at its bound even when
        // thousands of records share one expiry instant (fake-indexeddb scans equal keys otherwise).
        store.createIndex(BY_EXPIRY, ['namespace', 'expiresAt', 'key'], { unique: true });
      },
      // Another connection wants a new version (an upgrade, or deleteDatabase): let the running
      // transactions finish and step aside rather than block it; the next call opens again.
      blocking: () => this.#dropConnection(opening, true),
      // The browser closed the connection abnormally (storage cleared, disk error).
      terminated: () => this.#dropConnection(opening, false),
    });
    this.#connection = opening;
    opening.catch(() => {
      // A failed open is not kept: the next call tries again.
      if (this.#connection === opening) this.#connection = undefined;
    });
    return opening;
  }

  #dropConnection(connection: Promise<IDBPDatabase<SessionSchema>>, close: boolean): void {
    if (this.#connection === connection) this.#connection = undefined;
    if (close) void connection.then((db) => db.close(), () => {});
  }

  #error(operation: string, error: unknown): IndexedDbBackendError {
    if (error instanceof IndexedDbBackendError) return error;
    // DOMException is an Error in browsers and in Node (fake-indexeddb throws the same kind); its name says most.
    const reason = error instanceof Error ? `${error.name}: ${describeError(error)}` : describeError(error);
    const hint =
      error instanceof Error && error.name === 'VersionError'
        ? ` (another program changed the database to a newer version than ${DATABASE_VERSION}, the one this backend uses)`
        : '';
    return new IndexedDbBackendError(
      `IndexedDbBackend.${operation} failed on database "${this.name}": ${reason}${hint}`,
      this.name,
      { cause: error },
    );
  }

}

/** How many fresh keys `generate` draws before it calls the random source broken (as MemoryBackend and RedisBackend do). */
const GENERATE_ATTEMPTS = 8;

function isConstraintError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConstraintError';
}


/** Options of {@link createIndexedDbBackendFactory}. */
export interface IndexedDbBackendFactoryOptions {
  /** The database every backend of the factory shares; `'sess'` by default. */
  name?: string;
  /** Default lifetime in seconds of every backend made. */
  defaultPeriod?: number;
}

/**
 * A {@link BackendFactory} whose backends share one database, each in the namespace it is given
 * (SPEC §4: namespaces kept fully apart).
 */
export function createIndexedDbBackendFactory(options: IndexedDbBackendFactoryOptions = {}): BackendFactory {
  return ({ clock, namespace }) => new IndexedDbBackend({ ...options, clock, namespace });
}

/** A {@link BackendFactory} for {@link IndexedDbBackend} on the database `'sess'`: what `sess-conformance` loads. */
export const indexedDbBackendFactory: BackendFactory = createIndexedDbBackendFactory();
