/**
 * The session manager (SPEC §5): the original's `Session_cookie_lwt.Make` functor over a
 * {@link Backend}, keyed by one cookie.
 */
import type { Backend } from './backend.js';
import { cookieValues } from './cookie/parse.js';
import { setCookieLine, type CookieOptions, type HeaderPair } from './cookie/set-cookie.js';
import { checkPeriod } from './period.js';

/**
 * A session as the manager hands it out. Callers read it; only the manager changes it, in place
 * (`set`, `clear`), as the original's mutable record.
 */
export interface Session {
  readonly key: string;
  readonly value: string;
  /** Lifetime in seconds that the cookie will carry; 0 once cleared. */
  readonly expiryPeriod: number;
  /** Whether the cookie must be (re)sent: see {@link SessionManager.toCookieHeaders}. */
  readonly modified: boolean;
}

/** What looking a session up found. */
export type SessionLookup =
  | { status: 'ok'; session: Session }
  | { status: 'not_found' }
  | { status: 'not_set' };

/** What looking a session up from a `Cookie` header found. */
export type HeaderLookup = SessionLookup | { status: 'no_cookie' };

/** The `Cookie` request header: one field, several (HTTP/2 may split it), or none. */
export type CookieHeader = string | readonly string[] | null | undefined;

/** Candidates for one cookie name looked at, at most (SPEC §5). */
const MAX_CANDIDATES = 3;
/** Longer cookie values are not asked of the backend: no key is that long (SPEC §5). */
const MAX_CANDIDATE_LENGTH = 512;

type MutableSession = { -readonly [K in keyof Session]: Session[K] };

/** Options of {@link SessionManager}. */
export interface SessionManagerOptions {
  /**
   * Longest wait for one backend call, in ms (a finite number > 0). A call that takes longer
   * rejects with a {@link TimeoutError}; whether it took effect is unknown. No limit by default.
   */
  timeoutMs?: number;
}

/**
 * A backend call outlived the manager's `timeoutMs`. It may still take effect later (or may
 * have already): callers must treat the operation as of unknown outcome, not as failed.
 */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    /** The backend operation that timed out, e.g. `'set'`. */
    readonly operation: string,
    /** The limit it outlived, in ms. */
    readonly timeoutMs: number,
  ) {
    super(`backend.${operation} did not settle within ${timeoutMs} ms (SessionManager timeoutMs); its outcome is unknown`);
  }
}

/**
 * Sessions over a backend, keyed by one cookie.
 *
 * @example
 * const sessions = new SessionManager(new MemoryBackend());
 * const session = await sessions.ofHeaderOrCreate('sid', '', request.headers.cookie);
 * await sessions.set(session, { value: 'visits=1' });
 * for (const [name, value] of sessions.toCookieHeaders('sid', session)) response.appendHeader(name, value);
 */
export class SessionManager {
  readonly backend: Backend;
  readonly #timeoutMs: number | undefined;

  constructor(backend: Backend, options: SessionManagerOptions = {}) {
    this.backend = backend;
    const { timeoutMs } = options;
    // Number.isFinite is false for anything but a number: no typeof test before it.
    if (timeoutMs !== undefined && (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))) {
      throw new RangeError(`timeoutMs must be a finite number of ms > 0, got ${String(timeoutMs)}`);
    }
    this.#timeoutMs = timeoutMs;
  }

  /** A new session under a fresh key holding `value` (SPEC §5 `generate`). */
  async generate(value: string, options: { expiry?: number } = {}): Promise<Session> {
    checkValue(value, 'value');
    const expiryPeriod = this.#period(options.expiry);
    const key = await this.#call('generate', () => this.backend.generate({ value, expiry: expiryPeriod }));
    return { key, value, expiryPeriod, modified: true };
  }

  /** Looks a key up; `ok` carries the remaining period and `modified: false`. */
  async ofKey(key: string): Promise<SessionLookup> {
    const found = await this.#call('get', () => this.backend.get(key));
    if (found.status !== 'ok') return { status: found.status };
    return { status: 'ok', session: { key, value: found.value, expiryPeriod: found.period, modified: false } };
  }

  /**
   * Looks the session up from a `Cookie` header. No cookie named `cookieName` -> `no_cookie`
   * without asking the backend; otherwise the first three cookies of that name are tried in
   * header order and the first `ok` wins; if none is, the first one's status is returned.
   */
  async ofHeader(cookieName: string, cookieHeader: CookieHeader): Promise<HeaderLookup> {
    const candidates = candidateKeys(cookieName, cookieHeader);
    if (candidates.length === 0) return { status: 'no_cookie' };
    let first: SessionLookup | undefined;
    for (const key of candidates) {
      const found: SessionLookup =
        key === '' || key.length > MAX_CANDIDATE_LENGTH ? { status: 'not_found' } : await this.ofKey(key);
      if (found.status === 'ok') return found;
      first ??= found;
    }
    return first!;
  }

  /**
   * The session named by the header if it is live; otherwise a new one holding `defaultValue`.
   * A key the client sent is never adopted (no fixation). `expiry` applies only to a new session.
   */
  async ofHeaderOrCreate(
    cookieName: string,
    defaultValue: string,
    cookieHeader: CookieHeader,
    options: { expiry?: number } = {},
  ): Promise<Session> {
    checkValue(defaultValue, 'defaultValue');
    if (options.expiry !== undefined) checkPeriod(options.expiry, 'expiry');
    const found = await this.ofHeader(cookieName, cookieHeader);
    return found.status === 'ok' ? found.session : this.generate(defaultValue, options);
  }

  /**
   * Stores a new value (with `value`) or only restarts the lifetime (without), for
   * `expiry ?? defaultPeriod()` seconds. Resolves `'not_found'`, leaving `session` as it was, when
   * the session is no longer live: a cleared session is never revived.
   */
  async set(session: Session, options: { value?: string; expiry?: number } = {}): Promise<'ok' | 'not_found'> {
    const { value } = options;
    if (value !== undefined) checkValue(value, 'value');
    const expiryPeriod = this.#period(options.expiry);
    const outcome =
      value === undefined
        ? await this.#call('touch', () => this.backend.touch(session.key, { expiry: expiryPeriod }))
        : await this.#call('set', () => this.backend.set(session.key, value, { expiry: expiryPeriod }));
    if (outcome === 'ok') {
      const target = session as MutableSession;
      if (value !== undefined) target.value = value;
      target.expiryPeriod = expiryPeriod;
      target.modified = true;
    }
    return outcome;
  }

  /**
   * A new session holding `value ?? session.value`, then the old key cleared: call it on login,
   * against session fixation. Not in the original.
   *
   * In that order (SPEC §5), so that a failure in between never logs the user out: when
   * `generate` rejects, nothing was cleared and `session` is live and unchanged; when the `clear`
   * rejects, both keys are live and the backend's error passes through unchanged (call
   * `regenerate` again, or `clear` the old session). `session` itself is never modified.
   */
  async regenerate(session: Session, options: { value?: string; expiry?: number } = {}): Promise<Session> {
    const fresh = await this.generate(options.value ?? session.value, options);
    await this.#call('clear', () => this.backend.clear(session.key));
    return fresh;
  }

  /** Removes the session from the backend; the record keeps its key, with `value: ''`, `expiryPeriod: 0`. */
  async clear(session: Session): Promise<void> {
    await this.#call('clear', () => this.backend.clear(session.key));
    const target = session as MutableSession;
    target.value = '';
    target.expiryPeriod = 0;
    target.modified = true;
  }

  /**
   * The response headers for `session` (SPEC §7): `Set-Cookie` (when modified) and `Vary: Cookie`.
   * A session with `expiryPeriod` 0 gets the deletion line. Pure: `modified` is not reset.
   */
  toCookieHeaders(cookieName: string, session: Session, options?: CookieOptions): HeaderPair[] {
    if (!session.modified) return [['Vary', 'Cookie']];
    return [
      ['Set-Cookie', setCookieLine(cookieName, session.key, session.expiryPeriod, options)],
      ['Vary', 'Cookie'],
    ];
  }

  /** The headers that delete the cookie in the browser, whatever session it held. */
  clearHeaders(cookieName: string, options?: CookieOptions): HeaderPair[] {
    return [
      ['Set-Cookie', setCookieLine(cookieName, '', 0, options)],
      ['Vary', 'Cookie'],
    ];
  }

  /**
   * Runs one backend call, rejecting with a {@link TimeoutError} if it outlives `timeoutMs`.
   * Rejections of the backend pass through unchanged (SPEC §5).
   */
  #call<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const timeoutMs = this.#timeoutMs;
    if (timeoutMs === undefined) return call();
    const pending = Promise.resolve(call());
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(operation, timeoutMs)), timeoutMs);
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** `expiry`, checked, or the backend's default read once (SPEC §5), passed on explicitly. */
  #period(expiry: number | undefined): number {
    return expiry === undefined
      ? checkPeriod(this.backend.defaultPeriod(), 'backend.defaultPeriod()')
      : checkPeriod(expiry, 'expiry');
  }
}

/** The first {@link MAX_CANDIDATES} values of cookie `cookieName`, in header order. */
function candidateKeys(cookieName: string, cookieHeader: CookieHeader): string[] {
  if (typeof cookieName !== 'string' || cookieName === '') {
    throw new TypeError(`cookieName must be a non-empty string, got ${JSON.stringify(cookieName)}`);
  }
  const fields = cookieHeader == null ? [] : typeof cookieHeader === 'string' ? [cookieHeader] : cookieHeader;
  const candidates: string[] = [];
  for (const field of fields) {
    // Once three are found the limit left is 0, and cookieValues returns at once.
    candidates.push(...cookieValues(field, cookieName, MAX_CANDIDATES - candidates.length));
  }
  return candidates;
}

/** SPEC §3: values are strings of well-formed Unicode; backends never see lone surrogates. */
function checkValue(value: unknown, argument: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${argument} must be a string, got ${typeof value}`);
  if (!value.isWellFormed()) throw new TypeError(`${argument} has a lone surrogate: not well-formed Unicode`);
}
