/**
 * The backend contract (SPEC §1–§4) as plain data and pure functions: what any backend must answer,
 * step by step, given what happened before. No I/O, no promises, no clock of its own: time is a
 * field of the state and moves only by {@link advance}.
 *
 * Written independently of `src/` (only types are shared), so that a mistake in the implementation
 * is not copied into the judge.
 */
import type { Lookup } from '../src/backend.js';

/** Longest lifetime, in seconds: 400 days (SPEC §1). */
export const MODEL_MAX_PERIOD = 34_560_000;

/** SPEC §2: base64url without padding, at least 22 characters (128 bits). */
export const MODEL_KEY_PATTERN = /^[A-Za-z0-9_-]{22,}$/;

/** SPEC §2: a generated key is at most this long; the manager never looks up a longer cookie value (§5). */
export const MODEL_MAX_KEY_LENGTH = 512;

/** One stored session. */
export interface ModelRecord {
  /** `undefined`: created by `generate` without a value; reads `not_set` (SPEC §3). */
  readonly value: string | undefined;
  /** Instant (ms) after which the session is expired: live while `now <= expiresAt` (SPEC §1). */
  readonly expiresAt: number;
  /** Whether that lifetime came from the default period (`expiry` omitted): for explaining failures. */
  readonly fromDefault?: boolean;
  /** The period granted by the last generate/set/touch, in seconds: for explaining failures. */
  readonly period?: number;
  /** The expiry instant before the last set/touch: for explaining failures. */
  readonly previousExpiresAt?: number;
}

/** Everything a backend's answers depend on. */
export interface BackendModel {
  /** The clock, in ms. */
  readonly now: number;
  /** What `expiry` omitted means, in seconds (SPEC §4). */
  readonly defaultPeriod: number;
  /** Records by key, dead ones included until cleared (expiry is judged on read). */
  readonly records: ReadonlyMap<string, ModelRecord>;
  /** Every key the backend ever handed out: none may come again (SPEC §2). */
  readonly issued: ReadonlySet<string>;
  /** Keys cleared, for explaining failures. */
  readonly cleared: ReadonlySet<string>;
}

/** A step of the model: the next state and the exact result the backend must give. */
export interface Transition<Result> {
  readonly state: BackendModel;
  readonly result: Result;
}

/** The model of a fresh backend at `now` whose default period is `defaultPeriod`. */
export function initialBackendModel(now: number, defaultPeriod: number): BackendModel {
  return { now, defaultPeriod, records: new Map(), issued: new Set(), cleared: new Set() };
}

/** SPEC §1: a whole number of seconds in `[0, MODEL_MAX_PERIOD]`. */
export function isValidPeriod(period: unknown): period is number {
  // Number.isInteger is false for anything but a number: no typeof test before it.
  return Number.isInteger(period) && (period as number) >= 0 && (period as number) <= MODEL_MAX_PERIOD;
}

/** SPEC §1: stored at `now` for `period` seconds, a session expires at `now + period*1000`. */
export function expiryInstant(now: number, period: number): number {
  return now + period * 1000;
}

/** SPEC §1: live while `now <= expiresAt`; expired strictly after. */
export function isLiveAt(record: ModelRecord, now: number): boolean {
  return now <= record.expiresAt;
}

/** SPEC §1: the remaining period of a live record, in whole seconds rounded down. */
export function remainingPeriodAt(record: ModelRecord, now: number): number {
  return Math.floor((record.expiresAt - now) / 1000);
}

/** The record under `key` if it is live now. */
export function liveRecord(state: BackendModel, key: string): ModelRecord | undefined {
  const record = state.records.get(key);
  return record !== undefined && isLiveAt(record, state.now) ? record : undefined;
}

/** Keys of the live sessions. */
export function liveKeys(state: BackendModel): string[] {
  return [...state.records].filter(([, record]) => isLiveAt(record, state.now)).map(([key]) => key);
}

/** Why `key` may not be returned by `generate` now, or `undefined` when it may (SPEC §2). */
export function keyProblem(state: BackendModel, key: unknown): string | undefined {
  return judgeKey(state, key)?.rule;
}

/**
 * {@link keyProblem} with the root cause's id: 'key-format' for a key that is not base64url of at
 * least 128 bits, 'key-reused' for one handed out before (cleared, expired or live).
 */
export function judgeKey(state: BackendModel, key: unknown): Judgement | undefined {
  const rule = keyRule(state, key);
  if (rule === undefined) return undefined;
  const wellFormed = typeof key === 'string' && MODEL_KEY_PATTERN.test(key) && key.length <= MODEL_MAX_KEY_LENGTH;
  return { id: wellFormed ? 'key-reused' : 'key-format', rule };
}

function keyRule(state: BackendModel, key: unknown): string | undefined {
  // The rule only: the offending key is shown by the caller as the actual value.
  if (typeof key !== 'string') return `generate must resolve a string key, got ${typeof key} (SPEC §2)`;
  if (!MODEL_KEY_PATTERN.test(key)) {
    // Only base64url characters and still not the pattern: too short.
    return /^[A-Za-z0-9_-]*$/.test(key)
      ? `a generated key has at least 22 characters (128 bits), got ${key.length} (SPEC §2)`
      : 'a generated key uses only [A-Za-z0-9_-] (base64url, no padding) (SPEC §2)';
  }
  if (key.length > MODEL_MAX_KEY_LENGTH) {
    return `a generated key is at most ${MODEL_MAX_KEY_LENGTH} characters, got ${key.length}: the manager never looks up a longer cookie value, so every request would start a new session (SPEC §2, §5)`;
  }
  if (state.cleared.has(key)) return 'a cleared key is never handed out again (SPEC §2)';
  if (state.issued.has(key)) {
    const record = state.records.get(key);
    return record !== undefined && !isLiveAt(record, state.now)
      ? 'an expired key is never handed out again (SPEC §2)'
      : 'a key is never handed out twice (SPEC §2)';
  }
  return undefined;
}

/** `expiry` as the backend must apply it: omitted means the default period now (SPEC §4). */
export function effectivePeriod(state: BackendModel, expiry: number | undefined): number {
  return expiry ?? state.defaultPeriod;
}

/**
 * `generate({ value, expiry })` returned `key`: the model records it. (Keys are random, so the
 * model takes the one the backend chose; {@link keyProblem} says whether it was allowed to.)
 */
export function generate(
  state: BackendModel,
  key: string,
  options: { value?: string | undefined; expiry?: number | undefined },
): Transition<string> {
  const records = new Map(state.records);
  const period = effectivePeriod(state, options.expiry);
  records.set(key, { value: options.value, expiresAt: expiryInstant(state.now, period), fromDefault: options.expiry === undefined, period });
  const issued = new Set(state.issued).add(key);
  return { state: { ...state, records, issued }, result: key };
}

/** SPEC §4 `get`: missing or expired -> `not_found`; no value -> `not_set`; else `ok` with the remaining period. */
export function get(state: BackendModel, key: string): Transition<Lookup> {
  const record = liveRecord(state, key);
  if (record === undefined) return { state, result: { status: 'not_found' } };
  if (record.value === undefined) return { state, result: { status: 'not_set' } };
  return { state, result: { status: 'ok', value: record.value, period: remainingPeriodAt(record, state.now) } };
}

/** SPEC §4 `set`: a live session gets `value` and a lifetime restarted from now; nothing else changes. */
export function set(state: BackendModel, key: string, value: string, expiry?: number): Transition<'ok' | 'not_found'> {
  const record = liveRecord(state, key);
  if (record === undefined) return { state, result: 'not_found' };
  const records = new Map(state.records);
  const period = effectivePeriod(state, expiry);
  records.set(key, {
    value,
    expiresAt: expiryInstant(state.now, period),
    fromDefault: expiry === undefined,
    period,
    previousExpiresAt: record.expiresAt,
  });
  return { state: { ...state, records }, result: 'ok' };
}

/** SPEC §4 `touch`: a live session's lifetime restarts from now; its value (or absence) stays. */
export function touch(state: BackendModel, key: string, expiry?: number): Transition<'ok' | 'not_found'> {
  const record = liveRecord(state, key);
  if (record === undefined) return { state, result: 'not_found' };
  const records = new Map(state.records);
  const period = effectivePeriod(state, expiry);
  records.set(key, {
    value: record.value,
    expiresAt: expiryInstant(state.now, period),
    fromDefault: expiry === undefined,
    period,
    previousExpiresAt: record.expiresAt,
  });
  return { state: { ...state, records }, result: 'ok' };
}

/** SPEC §4 `clear`: the key is gone, as if it never existed; clearing a missing key is fine. */
export function clear(state: BackendModel, key: string): Transition<undefined> {
  if (!state.records.has(key)) return { state, result: undefined };
  const records = new Map(state.records);
  records.delete(key);
  const cleared = new Set(state.cleared).add(key);
  return { state: { ...state, records, cleared }, result: undefined };
}

/** The clock moves forward by `ms`. */
export function advance(state: BackendModel, ms: number): BackendModel {
  return { ...state, now: state.now + ms };
}

/** The default period becomes `period` (the original's `set_default_period`). */
export function withDefaultPeriod(state: BackendModel, period: number): BackendModel {
  return { ...state, defaultPeriod: period };
}

/**
 * A rule broken, judged from what the model knows: the rule in one sentence with its SPEC section,
 * the stable id of its root cause (the same whichever property meets it), and how big the deviation
 * is when the state shows it.
 */
export interface Judgement {
  readonly id: string;
  readonly rule: string;
  readonly measured?: string;
}

function judged(id: string, rule: string, measured?: string): Judgement {
  return measured === undefined ? { id, rule } : { id, rule, measured };
}

/** Whether an expiry instant falls inside a second, so that a store keeping whole seconds would move it. */
function fractional(instant: number): boolean {
  return instant % 1000 !== 0;
}

/**
 * How late an expiry is, from a session found live at `now` although it expired at `expiresAt`:
 * a store that keeps expiry in whole seconds rounded up is late by less than a second.
 */
export function measureLate(expiresAt: number, now: number): string {
  return fractional(expiresAt) && now <= Math.ceil(expiresAt / 1000) * 1000
    ? 'expiry is up to 999 ms late (whole seconds)'
    : `expiry is at least ${now - expiresAt} ms late`;
}

/**
 * How early an expiry is, from a session gone at `now` although it is live until `expiresAt`:
 * 1 ms at the expiry instant itself (`<` where `<=` belongs); a store that keeps expiry in whole
 * seconds, truncated, is early by less than a second.
 */
export function measureEarly(expiresAt: number, now: number): string {
  if (now === expiresAt) {
    return fractional(expiresAt)
      ? 'expiry is at least 1 ms early (gone at its expiry instant; up to 999 ms if kept in whole seconds, truncated)'
      : 'expiry is 1 ms early (gone at its expiry instant)';
  }
  return fractional(expiresAt) && now > Math.floor(expiresAt / 1000) * 1000
    ? 'expiry is up to 999 ms early (whole seconds, truncated)'
    : `expiry is at least ${expiresAt + 1 - now} ms early`;
}

/**
 * The rule a backend broke when `get(key)` answered `actual` where the model says `expected`:
 * one sentence naming the rule and its SPEC section, for failure reports.
 */
export function explainGet(state: BackendModel, key: string, expected: Lookup, actual: unknown): string {
  return judgeGet(state, key, expected, actual).rule;
}

/** {@link explainGet} with the root cause's id and, where the state shows it, the deviation measured. */
export function judgeGet(state: BackendModel, key: string, expected: Lookup, actual: unknown): Judgement {
  const record = state.records.get(key);
  const got = actual as Partial<{ status: string; value: unknown; period: unknown }> | null;
  if (typeof got !== 'object' || got === null || !['ok', 'not_found', 'not_set'].includes(String(got.status))) {
    return judged('lookup-shape', 'get resolves { status: "ok" | "not_found" | "not_set" } (SPEC §4)');
  }
  const outlived =
    (expected.status === 'not_found' && got.status !== 'not_found') ||
    (expected.status === 'ok' && got.status === 'ok' && typeof got.period === 'number' && got.period > expected.period);
  const zero = explainZeroExpiry(state, record, outlived);
  if (zero !== undefined) return judged('zero-expiry-as-default', zero);
  if (expected.status === 'not_found') return judgeFoundDead(state, key, record);
  if (got.status === 'not_found') return judgeLost(record, state.now);
  if (expected.status === 'not_set') {
    return judged('not-set-lost', 'a session generated without a value reads not_set, and touch keeps it that way (SPEC §3, §4 touch)');
  }
  if (got.status === 'not_set') {
    return expected.value === ''
      ? judged('empty-string-as-no-value', '"" is a value, not "no value": it reads ok with "" (SPEC §3)')
      : judged('value-lost', 'a session holding a value reads ok; touch leaves the value untouched (SPEC §3, §4 touch)');
  }
  if (got.value !== expected.value) {
    const mangled = typeof got.value === 'string' ? explainMangledValue(expected.value, got.value) : undefined;
    if (mangled !== undefined) return judged('value-mangled', mangled);
    // A different string that `expected` starts with is shorter than it.
    return typeof got.value === 'string' && expected.value.startsWith(got.value)
      ? judged('value-truncated', `values are stored and returned exactly: a value of ${expected.value.length} UTF-16 units came back cut to ${got.value.length} (SPEC §3)`)
      : judged('value-changed', 'values are stored and returned exactly, non-ASCII included (SPEC §3)');
  }
  return judgePeriod(state, record, expected.period, got.period);
}

/** A session found (or found again) where the model says `not_found`. */
function judgeFoundDead(state: BackendModel, key: string, record: ModelRecord | undefined): Judgement {
  if (state.cleared.has(key) && record === undefined) {
    return judged('cleared-key-found', 'a cleared key reads not_found: clear removes the session (SPEC §4)');
  }
  if (record !== undefined) {
    const hint = previousHint(record, state.now);
    if (hint !== '') {
      return judged('lifetime-not-restarted', `an expired session reads not_found (SPEC §1: expired once now > expiresAt, measured by the context clock)${hint}`);
    }
    const rule =
      state.now === record.expiresAt + 1
        ? 'a session is expired once now > expiresAt: 1 ms after its expiry it reads not_found (SPEC §1, measured by the context clock)'
        : 'an expired session reads not_found (SPEC §1: expired once now > expiresAt, measured by the context clock)';
    return judged('expiry-late', rule, measureLate(record.expiresAt, state.now));
  }
  return state.issued.has(key)
    ? judged('gone-key-found', 'a key that is gone reads not_found (SPEC §4)')
    : judged('unknown-key-found', 'a key this backend never handed out reads not_found (SPEC §2)');
}

/** A live session that read `not_found`. */
function judgeLost(record: ModelRecord | undefined, now: number): Judgement {
  if (record !== undefined && now === record.expiresAt) {
    return judged('expiry-early', 'a session is still live at now == expiresAt (SPEC §1: live while now <= expiresAt)', measureEarly(record.expiresAt, now));
  }
  const overflow = explainLongLifetimeLost(record, now);
  if (overflow !== undefined) return judged('long-lifetime-lost', overflow);
  const rule = `a live session must be found (SPEC §4 get)${defaultHint(record, now)}`;
  if (now > (record?.previousExpiresAt ?? Infinity)) return judged('lifetime-not-restarted', rule);
  if (record?.fromDefault === true) return judged('default-period-ignored', rule);
  if (record !== undefined && record.expiresAt - now < 1000) return judged('expiry-early', rule, measureEarly(record.expiresAt, now));
  return judged('live-session-lost', rule);
}

/**
 * Why a session given `expiry: 0` outlived it (or reported more than 0 s left): the store read 0 as
 * "no expiry given" (`expiry || defaultPeriod()`, as memorystore, session-file-store and
 * connect-session-knex do with `maxAge 0`). When the lifetime before the last set/touch would
 * explain it as well (a store that keeps the old expiry), both are named. `undefined` when the
 * record was not given 0, or the answer is not one that outlives it.
 */
function explainZeroExpiry(state: BackendModel, record: ModelRecord | undefined, outlived: boolean): string | undefined {
  if (!outlived || record === undefined || record.period !== 0 || record.fromDefault === true) return undefined;
  const zero = 'an expiry of 0 is a lifetime of 0 s, not "no expiry given": the session expires as soon as the context clock moves past now + 0 (SPEC §1)';
  return state.now <= (record.previousExpiresAt ?? -Infinity)
    ? `${zero}; or set and touch restart the lifetime, the new expiry counts from the call (SPEC §4)`
    : zero;
}

/** 2^31 - 1: the most milliseconds `setTimeout` and signed 32-bit counters hold. */
// Stryker disable next-line ArithmeticOperator: it is only compared with whole seconds in ms (multiples of 1000); 2^31 + 1 falls between the same two.
const INT32_MAX = 2 ** 31 - 1;

/**
 * A live session lost while its own, explicitly given lifetime is about 2^31 ms (24.8 days) or
 * more and no earlier lifetime explains it: where `setTimeout` fires at once (a delay over
 * 2^31 - 1 ms, which a store's margin of a few seconds or minutes reaches) and 32-bit counters
 * wrap. `undefined` otherwise.
 */
function explainLongLifetimeLost(record: ModelRecord | undefined, now: number): string | undefined {
  if (record === undefined || record.fromDefault === true || record.period === undefined) return undefined;
  if (record.period * 1000 < INT32_MAX - 86_400_000) return undefined;
  if (now > (record.previousExpiresAt ?? Infinity)) return undefined;
  return `a session lives its whole period, however long: one of ${record.period} s (about 2^31 ms or more, where setTimeout fires at once and 32-bit counters wrap) must still be found (SPEC §1, §4)`;
}

/**
 * How a value came back changed, when it is one of the ways stores mangle text: parsed as JSON and
 * re-printed, Unicode-normalised, control characters stripped, trimmed. `undefined` otherwise.
 */
function explainMangledValue(expected: string, actual: string): string | undefined {
  const exactly = 'values are stored and returned exactly';
  // Stays undefined when `expected` is not JSON.
  let reprinted: string | undefined;
  try {
    const parsed: unknown = JSON.parse(expected);
    reprinted = typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
  } catch {
    // not JSON: nothing re-printed
  }
  if (actual === reprinted) return `${exactly}: text that parses as JSON is a string like any other, never parsed and re-printed (SPEC §3)`;
  if ((['NFC', 'NFD', 'NFKC', 'NFKD'] as const).some((form) => expected.normalize(form) === actual)) {
    return `${exactly}: no Unicode normalisation, NFC and NFD forms of one text are different values (SPEC §3)`;
  }
  // eslint-disable-next-line no-control-regex
  if (expected.replace(/[\u0000-\u001f\u007f]/g, '') === actual) return `${exactly}: NUL, CR, LF and other control characters are kept (SPEC §3)`;
  if (expected.trim() === actual) return `${exactly}: surrounding spaces are kept (SPEC §3)`;
  return undefined;
}

/**
 * Why a reported remaining period is wrong, from how far off it is. Off by one second with a
 * fraction of a second left is 'period-rounding': a caller that can move the clock tells it apart
 * from an expiry kept in whole seconds by reading again at the expiry instant (properties/expiry-probe.ts).
 */
function judgePeriod(state: BackendModel, record: ModelRecord | undefined, expected: number, answered: unknown): Judgement {
  // Number.isInteger is false for anything but a number: no typeof test before it.
  if (!Number.isInteger(answered)) return judged('period-not-whole-seconds', 'the remaining period is a whole number of seconds (SPEC §1)');
  const actual = answered as number;
  if (actual > MODEL_MAX_PERIOD) {
    return judged(
      'expiry-not-context-clock',
      'expiry is measured only by the context clock: a remaining period over 400 days means it was not counted from clock.now() (SPEC §1, §4)',
    );
  }
  // Rounding up can only be off by one when the exact remainder is not a whole number of seconds;
  // an old expiry kept by set/touch can be off by anything, one second included. When both fit,
  // both are named.
  const inSecond = record === undefined || (record.expiresAt - state.now) % 1000 !== 0;
  const roundingFits = actual === expected + 1 && inSecond;
  const restartFits = record?.previousExpiresAt !== undefined && actual === Math.floor((record.previousExpiresAt - state.now) / 1000);
  const restart = 'set and touch restart the lifetime: the new expiry counts from the call (SPEC §4)';
  if (roundingFits) {
    const rounding =
      record?.period === actual
        ? 'the remaining period counts down and is rounded down: Math.floor((expiresAt - now) / 1000) (SPEC §1)'
        : 'the remaining period is rounded down: Math.floor((expiresAt - now) / 1000) (SPEC §1)';
    return judged('period-rounding', restartFits ? `${rounding}; or ${restart}` : rounding, 'the remaining period is 1 s too long');
  }
  if (record?.period !== undefined && actual === record.period) {
    return judged('period-not-counting-down', 'the remaining period counts down: get reports what is left, not the period the session was stored with (SPEC §1)');
  }
  if (restartFits) return judged('lifetime-not-restarted', restart);
  const general = 'the remaining period is Math.floor((expiresAt - now) / 1000), counted down from the last generate/set/touch (SPEC §1, §4)';
  // Too short by one: an expiry kept early by less than a second (whole seconds, truncated) shows so.
  if (actual === expected - 1) return judged('period-rounding', general, 'the remaining period is 1 s too short');
  if (record?.fromDefault === true) {
    return judged('default-period-ignored', `an omitted expiry means defaultPeriod() at the time of the call (SPEC §4); the remaining period counts down from it (SPEC §1)`);
  }
  return judged('period-wrong', general, `the remaining period is ${Math.abs(actual - expected)} s too ${actual > expected ? 'long' : 'short'}`);
}

/** A hint when an expired session would still be live under its lifetime before the last set/touch. */
function previousHint(record: ModelRecord, now: number): string {
  return now <= (record.previousExpiresAt ?? -Infinity)
    ? '; it was still within its previous lifetime: set and touch restart the lifetime, the new expiry counts from the call (SPEC §4)'
    : '';
}

/**
 * A hint on why a live session was lost: it was past its expiry before the last set/touch (that
 * one did not restart the lifetime), or its lifetime came from an omitted expiry (the default period
 * not applied). Both are named when both could be.
 */
function defaultHint(record: ModelRecord | undefined, now: number): string {
  const hints: string[] = [];
  if (now > (record?.previousExpiresAt ?? Infinity)) {
    hints.push('it was past its previous expiry: set and touch restart the lifetime, the new expiry counts from the call (SPEC §4)');
  }
  if (record?.fromDefault === true) {
    hints.push('its lifetime came from an omitted expiry, which means defaultPeriod() at the time of the call (SPEC §4)');
  }
  return hints.length === 0 ? '' : `; ${hints.join('; or ')}`;
}

/** The rule a backend broke when `set`/`touch` on `key` answered `actual` where the model says `expected`. */
export function explainUpdate(
  state: BackendModel,
  operation: 'set' | 'touch',
  key: string,
  expected: 'ok' | 'not_found',
  actual: unknown,
): string {
  return judgeUpdate(state, operation, key, expected, actual).rule;
}

/** {@link explainUpdate} with the root cause's id and, where the state shows it, the deviation measured. */
export function judgeUpdate(
  state: BackendModel,
  operation: 'set' | 'touch',
  key: string,
  expected: 'ok' | 'not_found',
  actual: unknown,
): Judgement {
  if (actual !== 'ok' && actual !== 'not_found') return judged('update-shape', `${operation} resolves 'ok' or 'not_found' (SPEC §4)`);
  const record = state.records.get(key);
  if (expected === 'not_found') {
    if (state.cleared.has(key) && record === undefined) {
      return judged('revives-cleared', `${operation} never revives a cleared key: it resolves not_found and stores nothing (SPEC §4)`);
    }
    // One id for every key that is not live: a set that stores without looking revives them all.
    // When the expiry itself is late, the expiry experiment names that instead (properties/expiry-experiment.ts).
    const zero = explainZeroExpiry(state, record, actual === 'ok');
    if (zero !== undefined) return judged('zero-expiry-as-default', `${operation} never revives an expired key: ${zero}`);
    if (record !== undefined) {
      const hint = previousHint(record, state.now);
      return judged(
        hint === '' ? 'revives-cleared' : 'lifetime-not-restarted',
        `${operation} never revives an expired key: it resolves not_found (SPEC §4; expired once now > expiresAt, measured by the context clock, §1)${hint}`,
      );
    }
    return judged('revives-cleared', `${operation} on a key this backend never handed out resolves not_found and stores nothing (SPEC §2, §4)`);
  }
  if (record !== undefined && state.now === record.expiresAt) {
    return judged(
      'expiry-early',
      `${operation} updates a session that is live at now == expiresAt (SPEC §1: live while now <= expiresAt)`,
      measureEarly(record.expiresAt, state.now),
    );
  }
  const overflow = explainLongLifetimeLost(record, state.now);
  if (overflow !== undefined) return judged('long-lifetime-lost', `${operation} updates a live session: ${overflow}`);
  const lost = judgeLost(record, state.now);
  return judged(lost.id, `${operation} updates a live session and resolves ok (SPEC §4)${defaultHint(record, state.now)}`, lost.measured);
}
