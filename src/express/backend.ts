/**
 * A {@link Backend} over an express-session `Store` (SPEC §4 on top of the Store API that
 * express-session, @fastify/session and 61 listed stores share).
 *
 * | Backend | Store API |
 * | --- | --- |
 * | `generate` | `set(sid, { cookie, [valueField]: value })`, a fresh key from `generateSessionKey()` |
 * | `get` | `get(sid)`: no session (or an `ENOENT` error, as express-session reads it) is `not_found`; no value field is `not_set` |
 * | `set` | `get(sid)`, then, only if a session came back, `set(sid, { ...it, cookie, [valueField]: value })` |
 * | `touch` | `get(sid)`, then, only if a session came back, `touch(sid, { ...it, cookie })` (`set` for a store without `touch`) |
 * | `clear` | `destroy(sid)` |
 */
import type { Backend, ExpiryOptions, GenerateOptions, Lookup } from '../backend.js';
import { checkValueArgument, lifetimeFor } from '../backends/arguments.js';
import type { Clock } from '../clock.js';
import { generateSessionKey } from '../keys.js';
import { checkPeriod, remainingPeriod } from '../period.js';
import { ExpressStoreError } from './errors.js';
import { withKeyLock } from './key-lock.js';
import { readSession, SessionCookie, sessionObject, type SessionReading } from './session-record.js';
import { callStore } from './store-call.js';

/**
 * The part of express-session's `Store` the adapter calls: `get`, `set`, `destroy`, and `touch`
 * when the store has it. Methods take a callback last; they may also return a promise.
 */
export interface ExpressStore {
  // `any` for the session and the callback: every store types them its own way (express-session's
  // `SessionData`, `(err?: any) => void`, ...); the adapter hands over a `StoredSession`.
  get(sid: string, callback: (error: any, session?: any) => void): unknown;
  set(sid: string, session: any, callback?: (error?: any) => void): unknown;
  destroy(sid: string, callback?: (error?: any) => void): unknown;
  touch?(sid: string, session: any, callback?: (error?: any) => void): unknown;
}

/** How the adapter maps a store; every field but `clock` is optional. */
export interface ExpressStoreOptions {
  /** The only source of time: the cookie's `expires`/`maxAge` and remaining periods (SPEC §1). */
  clock: Clock;
  /**
   * Keeps this backend's sessions apart from others in the same store: session ids are
   * `encodeURIComponent(namespace) + ':' + key`, so no namespace is a prefix of another's ids
   * (SPEC §4). Omitted, ids are the keys themselves.
   */
  namespace?: string;
  /** Lifetime in seconds when an operation gives none; default 86,400 (a day, connect-redis's). */
  defaultPeriod?: number;
  /**
   * `'in-process'`: `set`, `touch` and `clear` on one id run one after the other in this process,
   * so a `destroy` can no longer land between the read and the write of a `set`/`touch`. It holds
   * only the calls of this process (see README). Default `'none'`: as express-session calls a store.
   */
  lock?: 'none' | 'in-process';
  /**
   * Who decides that a session expired. `'store'` (default): the store; a session it still returns
   * is live, with a remaining period of 0 once its cookie's time has passed. `'cookie'`: the adapter,
   * from `cookie.expires` by `clock`, for stores whose expiry runs on a server's clock (Redis
   * `EX`/`PX`, SQL `NOW()`) that no simulated clock moves; the store's own expiry is then unchecked.
   */
  expiry?: 'store' | 'cookie';
  /** The session field holding the sess value; default `'sessValue'`. */
  valueField?: string;
  /** A store call without a callback after this many ms rejects (`no-callback`); default 5,000; 0: never. */
  callTimeoutMs?: number;
  /** Releases what was opened for this store (a client, a pool, a timer); called once by `close()`. */
  close?: () => void | Promise<void>;
}

/** The default lifetime, in seconds, of {@link ExpressStoreOptions.defaultPeriod}. */
export const DEFAULT_EXPRESS_PERIOD = 86_400;
/** The default of {@link ExpressStoreOptions.callTimeoutMs}. */
export const DEFAULT_STORE_CALL_TIMEOUT_MS = 5_000;

/**
 * What the last `touch` through this adapter asked for, kept because the Store API cannot report
 * it: connect-redis, connect-pg-simple and the SQL stores refresh only a TTL or an expiry column on
 * `touch`, and `get` still returns the cookie of the last `set`. Used for the remaining period
 * only while `get` returns exactly that record (`storedExpiresAt` matches); liveness is always the
 * store's answer (or the cookie's, under `expiry: 'cookie'`).
 */
interface TouchedExpiry {
  readonly storedExpiresAt: number;
  readonly expiresAt: number;
}

const NOT_FOUND: Lookup = Object.freeze({ status: 'not_found' });

/** See {@link fromExpressStore}. */
export class ExpressStoreBackend implements Backend {
  readonly #store: ExpressStore;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #defaultPeriod: number;
  readonly #locked: boolean;
  readonly #judgesExpiry: boolean;
  readonly #valueField: string;
  readonly #callTimeoutMs: number;
  readonly #release: (() => void | Promise<void>) | undefined;
  readonly #touched = new Map<string, TouchedExpiry>();
  #pruneTouchedAt = 1024;
  /** Faults that showed after their call settled (second callback, late rejection): the next call reports them. */
  readonly #lateFaults: ExpressStoreError[] = [];
  #closed = false;

  constructor(store: ExpressStore, options: ExpressStoreOptions) {
    checkStore(store);
    if (typeof options?.clock?.now !== 'function') throw new TypeError('fromExpressStore: options.clock must be a Clock ({ now(): number })');
    this.#store = store;
    this.#clock = options.clock;
    this.#prefix = options.namespace === undefined ? '' : namespacePrefix(options.namespace);
    this.#defaultPeriod = checkPeriod(options.defaultPeriod ?? DEFAULT_EXPRESS_PERIOD, 'fromExpressStore: defaultPeriod');
    this.#locked = pick(options.lock, ['none', 'in-process'], 'lock') === 'in-process';
    this.#judgesExpiry = pick(options.expiry, ['store', 'cookie'], 'expiry') === 'cookie';
    this.#valueField = options.valueField ?? 'sessValue';
    if (typeof this.#valueField !== 'string' || this.#valueField === '' || this.#valueField === 'cookie') {
      throw new TypeError(`fromExpressStore: valueField must be a non-empty string other than 'cookie', got ${JSON.stringify(options.valueField)}`);
    }
    const timeout = options.callTimeoutMs ?? DEFAULT_STORE_CALL_TIMEOUT_MS;
    if (!(Number.isSafeInteger(timeout) && timeout >= 0)) {
      throw new RangeError(`fromExpressStore: callTimeoutMs must be a whole number of ms >= 0, got ${String(options.callTimeoutMs)}`);
    }
    this.#callTimeoutMs = timeout;
    this.#release = options.close;
  }

  defaultPeriod(): number {
    return this.#defaultPeriod;
  }

  /** How many touched expiries the adapter holds (see `touch`): bounded by the sessions touched within their lifetime. */
  get heldTouchCount(): number {
    return this.#touched.size;
  }

  async generate(options: GenerateOptions = {}): Promise<string> {
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    if (options.value !== undefined) checkValueArgument(options.value, 'generate');
    this.#ready();
    const key = generateSessionKey();
    const cookie = new SessionCookie(this.#clock, period);
    await this.#call('set', [this.#sid(key), sessionObject(undefined, cookie, this.#valueField, options.value)]);
    return key;
  }

  async get(key: string): Promise<Lookup> {
    this.#ready();
    const reading = await this.#liveReading(this.#sid(key));
    if (reading === undefined) return NOT_FOUND;
    if (reading.value === undefined) return { status: 'not_set' };
    // A session the store still returns after its cookie's time is live by the store's word: its
    // remaining period is 0, never negative (and the suite judges the store late).
    const period = Math.max(0, remainingPeriod(reading.expiresAt, this.#clock.now()));
    return { status: 'ok', value: reading.value, period };
  }

  async set(key: string, value: string, options: ExpiryOptions = {}): Promise<'ok' | 'not_found'> {
    checkValueArgument(value, 'set');
    return this.#updateLive(key, options, async (sid, reading, cookie) => {
      await this.#call('set', [sid, sessionObject(reading.session, cookie, this.#valueField, value)]);
      this.#touched.delete(sid);
    });
  }

  async touch(key: string, options: ExpiryOptions = {}): Promise<'ok' | 'not_found'> {
    return this.#updateLive(key, options, async (sid, reading, cookie) => {
      // As express-session: the session as loaded, with its cookie renewed.
      const session = sessionObject(reading.session, cookie, this.#valueField, reading.value);
      if (typeof this.#store.touch === 'function') {
        await this.#call('touch', [sid, session]);
        this.#touched.set(sid, { storedExpiresAt: reading.storedExpiresAt, expiresAt: cookie.expires.getTime() });
        this.#forgetDeadTouches();
      } else {
        await this.#call('set', [sid, session]);
        this.#touched.delete(sid);
      }
    });
  }

  /**
   * `set` and `touch`: only a live session is written (SPEC §4), with a cookie renewed for the
   * lifetime asked. SPEC §4 asks for one step; the Store API has only an upsert, so this is a read
   * then a write, as express-session's own save is (see the `lock` option).
   */
  async #updateLive(
    key: string,
    options: ExpiryOptions,
    write: (sid: string, reading: SessionReading & { storedExpiresAt: number }, cookie: SessionCookie) => Promise<void>,
  ): Promise<'ok' | 'not_found'> {
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    this.#ready();
    const sid = this.#sid(key);
    return this.#exclusive(sid, async () => {
      const reading = await this.#liveReading(sid);
      if (reading === undefined) return 'not_found';
      await write(sid, reading, new SessionCookie(this.#clock, period));
      return 'ok';
    });
  }

  async clear(key: string): Promise<void> {
    this.#ready();
    const sid = this.#sid(key);
    await this.#exclusive(sid, async () => {
      await this.#call('destroy', [sid]);
      this.#touched.delete(sid);
    });
  }

  /**
   * Releases what the adapter was given to release (`options.close`), once; every later call
   * rejects. Rejects with a store fault that surfaced after its call and was not reported yet.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#touched.clear();
    await this.#release?.();
    const fault = this.#lateFaults.shift();
    if (fault !== undefined) throw fault;
  }

  /**
   * Drops what was kept for sessions whose touched expiry has passed (their period is no longer
   * needed), once the map has doubled since the last time: amortised O(1) per touch, and the map
   * stays bounded by the sessions touched within their lifetime.
   */
  #forgetDeadTouches(): void {
    if (this.#touched.size < this.#pruneTouchedAt) return;
    const now = this.#clock.now();
    for (const [sid, touched] of this.#touched) if (touched.expiresAt < now) this.#touched.delete(sid);
    this.#pruneTouchedAt = Math.max(1024, 2 * this.#touched.size);
  }

  /** Rejects a call on a closed backend, or reports a fault an earlier call left. */
  #ready(): void {
    if (this.#closed) throw new ExpressStoreError('the backend is closed', { fault: 'closed', method: 'close' });
    const fault = this.#lateFaults.shift();
    if (fault !== undefined) throw fault;
  }

  #sid(key: string): string {
    return this.#prefix + key;
  }

  #call(method: 'get' | 'set' | 'touch' | 'destroy', args: unknown[]): Promise<unknown> {
    return callStore(this.#store, method, args, {
      callTimeoutMs: this.#callTimeoutMs,
      onLateFault: (fault) => this.#lateFaults.push(fault),
    });
  }

  #exclusive<T>(sid: string, work: () => Promise<T>): Promise<T> {
    return this.#locked ? withKeyLock(this.#store, sid, work) : work();
  }

  /** The session under `sid` if it is live (by the store, or by its cookie under `expiry: 'cookie'`). */
  async #liveReading(sid: string): Promise<(SessionReading & { storedExpiresAt: number }) | undefined> {
    let found: unknown;
    try {
      found = await this.#call('get', [sid]);
    } catch (error) {
      // express-session reads ENOENT from `get` as "no session" (session-file-store's missing file).
      if ((error as { code?: unknown } | null)?.code !== 'ENOENT') throw error;
      found = undefined;
    }
    const reading = readSession(found, this.#valueField, sid);
    const touched = this.#touched.get(sid);
    if (reading === undefined) {
      this.#touched.delete(sid);
      return undefined;
    }
    let expiresAt = reading.expiresAt;
    if (touched !== undefined) {
      if (touched.storedExpiresAt === reading.expiresAt) expiresAt = touched.expiresAt;
      else this.#touched.delete(sid);
    }
    // SPEC §1: live while now <= expiresAt.
    if (this.#judgesExpiry && this.#clock.now() > expiresAt) return undefined;
    return { ...reading, expiresAt, storedExpiresAt: reading.expiresAt };
  }
}

/** The ids of one namespace start with this (SPEC §4: percent-encoded, so it holds no `:`). */
export function namespacePrefix(namespace: string): string {
  if (typeof namespace !== 'string' || !namespace.isWellFormed()) {
    throw new TypeError(`fromExpressStore: namespace must be a well-formed string, got ${JSON.stringify(namespace)}`);
  }
  return `${encodeURIComponent(namespace)}:`;
}

function checkStore(store: unknown): asserts store is ExpressStore {
  if (typeof store === 'function' && typeof (store as { prototype?: { get?: unknown } }).prototype?.get === 'function') {
    throw new TypeError('fromExpressStore: got a Store class, not a store: pass an instance (new MemoryStore())');
  }
  if (typeof store !== 'object' || store === null) {
    throw new TypeError(`fromExpressStore: store must be an express-session Store, got ${store === null ? 'null' : typeof store}`);
  }
  const missing = (['get', 'set', 'destroy'] as const).filter((m) => typeof (store as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(`fromExpressStore: store has no ${missing.join(', ')}(): it is not an express-session Store`);
  }
}

function pick<T extends string>(value: T | undefined, allowed: readonly T[], name: string): T {
  if (value === undefined) return allowed[0]!;
  if (!allowed.includes(value)) {
    throw new TypeError(`fromExpressStore: ${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${JSON.stringify(value)}`);
  }
  return value;
}
