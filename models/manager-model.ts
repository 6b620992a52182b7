/**
 * The session manager (SPEC §5) and the headers it writes (SPEC §7), as pure functions over the
 * backend model. Written from the spec's tables, sharing nothing with `src/` but types, so that it
 * judges the implementation rather than repeating it.
 */
import type { CookieOptions } from '../src/cookie/set-cookie.js';
import * as backend from './backend-model.js';
import type { BackendModel, Transition } from './backend-model.js';

/** A session as the manager hands it out (SPEC §5). */
export interface SessionRecord {
  readonly key: string;
  readonly value: string;
  readonly expiryPeriod: number;
  readonly modified: boolean;
}

/** What looking up a header must find (SPEC §5 `ofHeader`). */
export type ExpectedHeaderLookup =
  | { readonly status: 'ok'; readonly session: SessionRecord }
  | { readonly status: 'not_found' }
  | { readonly status: 'not_set' }
  | { readonly status: 'no_cookie' };

/** A `Cookie` request header as the pairs of each of its fields, in order (SPEC §5: several fields are read in order). */
export type CookieFields = ReadonlyArray<ReadonlyArray<readonly [name: string, value: string]>>;

/** At most this many cookies of the session's name are looked at (SPEC §5). */
export const MODEL_MAX_CANDIDATES = 3;
/** Longer candidate values count as `not_found` without asking the backend (SPEC §5). */
export const MODEL_MAX_CANDIDATE_LENGTH = 512;

/** SPEC §5: the first three values of cookie `cookieName`, in header order across fields. */
export function candidateKeys(cookieName: string, fields: CookieFields): string[] {
  return fields
    .flat()
    .filter(([name]) => name === cookieName)
    .map(([, value]) => value)
    .slice(0, MODEL_MAX_CANDIDATES);
}

/** SPEC §5 `ofKey`: the backend's lookup, an `ok` one as an unmodified session with the remaining period. */
export function ofKey(state: BackendModel, key: string): Exclude<ExpectedHeaderLookup, { status: 'no_cookie' }> {
  const found = backend.get(state, key).result;
  if (found.status !== 'ok') return { status: found.status };
  return { status: 'ok', session: { key, value: found.value, expiryPeriod: found.period, modified: false } };
}

/**
 * SPEC §5 `ofHeader`: no cookie of that name -> `no_cookie`; else each candidate in turn (empty or
 * over 512 characters: `not_found` unasked), the first `ok` wins, else the first candidate's status.
 */
export function ofHeader(state: BackendModel, cookieName: string, fields: CookieFields): ExpectedHeaderLookup {
  const candidates = candidateKeys(cookieName, fields);
  if (candidates.length === 0) return { status: 'no_cookie' };
  const outcomes = candidates.map((key) =>
    key === '' || key.length > MODEL_MAX_CANDIDATE_LENGTH ? ({ status: 'not_found' } as const) : ofKey(state, key),
  );
  return outcomes.find((outcome) => outcome.status === 'ok') ?? outcomes[0]!;
}

/** SPEC §5 `generate(value, { expiry })` when the backend returned `key`. */
export function generateSession(state: BackendModel, key: string, value: string, expiry?: number): Transition<SessionRecord> {
  const expiryPeriod = backend.effectivePeriod(state, expiry);
  const next = backend.generate(state, key, { value, expiry: expiryPeriod }).state;
  return { state: next, result: { key, value, expiryPeriod, modified: true } };
}

/**
 * SPEC §5 `set(session, { value?, expiry? })`: with a value the backend's `set`, without its `touch`;
 * `ok` updates the record, `not_found` leaves it as it was.
 */
export function setSession(
  state: BackendModel,
  session: SessionRecord,
  options: { value?: string | undefined; expiry?: number | undefined },
): Transition<{ outcome: 'ok' | 'not_found'; session: SessionRecord }> {
  const expiryPeriod = backend.effectivePeriod(state, options.expiry);
  const step =
    options.value === undefined
      ? backend.touch(state, session.key, expiryPeriod)
      : backend.set(state, session.key, options.value, expiryPeriod);
  if (step.result === 'not_found') return { state, result: { outcome: 'not_found', session } };
  return {
    state: step.state,
    result: { outcome: 'ok', session: { ...session, value: options.value ?? session.value, expiryPeriod, modified: true } },
  };
}

/** SPEC §5 `regenerate`: a new key (`newKey`, from the backend) holding `value ?? session.value`, then the old key cleared. */
export function regenerateSession(
  state: BackendModel,
  session: SessionRecord,
  newKey: string,
  options: { value?: string | undefined; expiry?: number | undefined },
): Transition<SessionRecord> {
  const fresh = generateSession(state, newKey, options.value ?? session.value, options.expiry);
  return { state: backend.clear(fresh.state, session.key).state, result: fresh.result };
}

/** SPEC §5 `clear`: the key is cleared; the record keeps it, with `value: ''`, `expiryPeriod: 0`, `modified: true`. */
export function clearSession(state: BackendModel, session: SessionRecord): Transition<SessionRecord> {
  return {
    state: backend.clear(state, session.key).state,
    result: { ...session, value: '', expiryPeriod: 0, modified: true },
  };
}

/**
 * SPEC §7: the `Set-Cookie` line, parts in the table's order joined by `"; "`. An `expiryPeriod` of
 * 0 is the deletion line (empty value, `Max-Age=0`) whatever `discard` says. `options` must be valid.
 */
export function expectedSetCookieLine(name: string, key: string, expiryPeriod: number, options: CookieOptions = {}): string {
  const deleting = expiryPeriod === 0;
  const parts = [`${name}=${deleting ? '' : key}`, `Path=${options.path ?? '/'}`];
  if (options.domain !== undefined) parts.push(`Domain=${options.domain}`);
  if (deleting || options.discard !== true) parts.push(`Max-Age=${expiryPeriod}`);
  if (options.secure === true) parts.push('Secure');
  if (options.httpOnly !== false) parts.push('HttpOnly');
  parts.push(`SameSite=${options.sameSite ?? 'Lax'}`);
  if (options.partitioned === true) parts.push('Partitioned');
  if (options.priority !== undefined) parts.push(`Priority=${options.priority}`);
  return parts.join('; ');
}

/** SPEC §7 `toCookieHeaders`: `Vary` alone when not modified; else `Set-Cookie` then `Vary`. */
export function expectedCookieHeaders(name: string, session: SessionRecord, options?: CookieOptions): Array<[string, string]> {
  if (!session.modified) return [['Vary', 'Cookie']];
  return [
    ['Set-Cookie', expectedSetCookieLine(name, session.key, session.expiryPeriod, options)],
    ['Vary', 'Cookie'],
  ];
}

/** SPEC §7 `clearHeaders`: the deletion line and `Vary`. */
export function expectedClearHeaders(name: string, options?: CookieOptions): Array<[string, string]> {
  return [
    ['Set-Cookie', expectedSetCookieLine(name, '', 0, options)],
    ['Vary', 'Cookie'],
  ];
}
