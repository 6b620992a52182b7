/**
 * The session object a store is handed, shaped as express-session hands `req.session` to
 * `store.set`: `{ cookie, ...fields }`, the cookie serialising as express-session's `Cookie` does
 * (`originalMaxAge`, `expires`, `httpOnly`, `path`). The sess value lives in a field of its own,
 * absent for a session without a value (SPEC §3: `""` is a value, absence is not).
 */
import type { Clock } from '../clock.js';
import { ExpressStoreError } from './errors.js';

/**
 * A session cookie whose `expires` and `maxAge` come from the adapter's clock, where
 * express-session's `Cookie` reads `Date.now()`. Stores read either: memorystore and
 * connect-session-knex `maxAge`, connect-redis, connect-pg-simple and express-mysql-session
 * `expires`, session-file-store `originalMaxAge`.
 */
export class SessionCookie {
  readonly #clock: Clock;
  /** Lifetime in ms at the moment the cookie was made (express-session: `maxAge` as set). */
  readonly originalMaxAge: number;
  readonly expires: Date;
  readonly httpOnly = true;
  readonly path = '/';

  constructor(clock: Clock, period: number) {
    this.#clock = clock;
    this.originalMaxAge = period * 1000;
    this.expires = new Date(clock.now() + this.originalMaxAge);
  }

  /** Milliseconds left by the adapter's clock, as express-session's `cookie.maxAge` getter. */
  get maxAge(): number {
    return this.expires.getTime() - this.#clock.now();
  }

  /** What a store serialises: express-session's `Cookie.prototype.toJSON` fields. */
  toJSON(): { originalMaxAge: number; expires: string; httpOnly: boolean; path: string } {
    return { originalMaxAge: this.originalMaxAge, expires: this.expires.toISOString(), httpOnly: this.httpOnly, path: this.path };
  }
}

/** A session as a store keeps it: a cookie, the value field, and whatever else the store added. */
export type StoredSession = Record<string, unknown> & { cookie?: unknown };

/**
 * The session object for `store.set`: `base`'s other fields (those a store added, e.g.
 * session-file-store's `__lastAccess`, kept as express-session keeps them), a fresh cookie, and the
 * value, or no value field at all when `value` is `undefined`.
 */
export function sessionObject(
  base: StoredSession | undefined,
  cookie: SessionCookie,
  valueField: string,
  value: string | undefined,
): StoredSession {
  const session: StoredSession = { ...base, cookie };
  if (value === undefined) delete session[valueField];
  else session[valueField] = value;
  return session;
}

/** What the adapter reads back from a stored session. */
export interface SessionReading {
  /** The cookie's expiry instant (ms), as stored. */
  readonly expiresAt: number;
  /** The value, or `undefined` for a session without one. */
  readonly value: string | undefined;
  readonly session: StoredSession;
}

/**
 * Reads what `store.get` called back with: `undefined`/`null` is no session; anything else must be
 * a session the adapter stored (an object with `cookie.expires` and a string value or none).
 *
 * @throws ExpressStoreError (fault `bad-session`) naming what is wrong with it.
 */
export function readSession(found: unknown, valueField: string, sid: string): SessionReading | undefined {
  if (found === undefined || found === null) return undefined;
  const bad = (what: string) =>
    new ExpressStoreError(`store.get(${JSON.stringify(sid).slice(0, 60)}) called back with ${what}`, { fault: 'bad-session', method: 'get' });
  if (typeof found !== 'object') throw bad(`a ${typeof found} instead of a session object`);
  const session = found as StoredSession;
  const cookie = session.cookie as { expires?: unknown } | undefined;
  const expires = typeof cookie === 'object' && cookie !== null ? cookie.expires : undefined;
  const expiresAt = expires instanceof Date || typeof expires === 'string' || typeof expires === 'number' ? new Date(expires).getTime() : NaN;
  if (Number.isNaN(expiresAt)) throw bad(`a session whose cookie.expires is not an instant (${String(expires)})`);
  const value = session[valueField];
  if (value !== undefined && typeof value !== 'string') {
    throw bad(`a session whose ${valueField} is a ${value === null ? 'null' : typeof value}, not the string stored`);
  }
  return { expiresAt, value, session };
}
