/**
 * The storage backend contract (SPEC §4). A store author reads this file and nothing else.
 */
import type { Clock } from './clock.js';

/** What {@link Backend.get} found under a key. */
export type Lookup =
  /** Live, with a value; `period` is the remaining lifetime in whole seconds (SPEC §1). */
  | { status: 'ok'; value: string; period: number }
  /** Missing, cleared or expired. */
  | { status: 'not_found' }
  /** Live, but created without a value. */
  | { status: 'not_set' };

/** Options of {@link Backend.generate}. */
export interface GenerateOptions {
  /** The value to store; omitted, the session exists with no value (`get` reads `not_set`). */
  value?: string;
  /** Lifetime in seconds; omitted means `defaultPeriod()` at the time of the call. */
  expiry?: number;
}

/** Options of {@link Backend.set} and {@link Backend.touch}. */
export interface ExpiryOptions {
  /** Lifetime in seconds from now; omitted means `defaultPeriod()` at the time of the call. */
  expiry?: number;
}

/**
 * A session store. Every operation is atomic per key (linearizable); expiry is measured only by
 * the clock of the {@link BackendContext}; a failure rejects with an `Error`, never turns into
 * `not_found` or a fake success.
 */
export interface Backend {
  /** Default lifetime in seconds; may change over time. */
  defaultPeriod(): number;
  /** Creates a session under a fresh key (SPEC §2) and returns that key. */
  generate(options?: GenerateOptions): Promise<string>;
  /** Looks a key up: missing or expired -> `not_found`; no value -> `not_set`; else `ok`. */
  get(key: string): Promise<Lookup>;
  /** Replaces the value and restarts the lifetime of a live session only; never revives a dead key. */
  set(key: string, value: string, options?: ExpiryOptions): Promise<'ok' | 'not_found'>;
  /** Restarts the lifetime of a live session, leaving its value (or its absence) untouched. */
  touch(key: string, options?: ExpiryOptions): Promise<'ok' | 'not_found'>;
  /** Removes the key; clearing a missing key is fine. */
  clear(key: string): Promise<void>;
  /** Releases connections. */
  close?(): Promise<void>;
  /** Records held, live or dead. */
  size?(): Promise<number>;
  /** Drops dead records now; resolves how many went. */
  sweep?(): Promise<number>;
}

/** What a {@link BackendFactory} is given. */
export interface BackendContext {
  /** The only source of time for expiry. */
  clock: Clock;
  /** Unique per factory call: instances with different namespaces never see each other's data. */
  namespace: string;
}

/**
 * Makes a backend; what `sess-conformance` loads from a module's default export.
 *
 * `expiryOnServerClock`, when set, says that the store's expiry runs on a server's clock (Redis
 * `EX`/`PX`, SQL `NOW()`) rather than on `context.clock`, naming that expiry in a few words (e.g.
 * `'Redis EX, set by connect-redis'`). A simulated run cannot move that clock, so it reports the
 * store's expiry as not checked; a real-time run (`sess-conformance --real-time`) checks it.
 */
export type BackendFactory = ((context: BackendContext) => Backend | Promise<Backend>) & { expiryOnServerClock?: string };
