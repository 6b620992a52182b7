/**
 * The backend contract (SPEC §1–§4) judged in real time: what a backend may answer when every call
 * takes real time on the system clock and the store's expiry may run on a server's clock (Redis
 * `EX`/`PX`, SQL `NOW()`) that nobody can move or read exactly.
 *
 * A call is known only by its interval on the system clock: invoked at `from`, answered at `to`.
 * A write landed somewhere inside its interval, so an expiry instant is known only as a window
 * `[earliest, latest]`; a stated {@link RealTimeTolerance} widens it for the server's clock and for
 * stores that keep expiry in whole seconds. A call that lies wholly before the widened window sees a
 * live session, wholly after it an expired one, and one that straddles it may see either: the
 * store's answer then decides (a session seen gone stays gone). Everything that does not depend on
 * time (keys, values, `not_set`, what `clear` removes) is judged exactly, by models/backend-model.ts.
 *
 * Pure, like models/backend-model.ts: instants come in as data, nothing here reads a clock.
 */
import type { Lookup } from '../src/backend.js';
import * as exact from './backend-model.js';
import type { BackendModel, Judgement, ModelRecord } from './backend-model.js';

/**
 * How far a store's expiry may sit from the exact instant (`t + period*1000`, SPEC §1) and still be
 * accepted in real time.
 */
export interface RealTimeTolerance {
  /** How much earlier: the server's clock running ahead of the system clock. */
  readonly earlyMs: number;
  /** How much later: the server's clock running behind, plus whole-second stores rounding up (Redis `EX`). */
  readonly lateMs: number;
}

/**
 * 50 ms of clock difference either way (the server's clock against the system clock: the same
 * machine here, NTP-close elsewhere), plus one second late for stores that keep expiry in whole
 * seconds rounded up (connect-redis's `EX Math.ceil(...)`), which SPEC §1 does not allow but a
 * server-side TTL in seconds cannot avoid.
 */
export const REAL_TIME_TOLERANCE: RealTimeTolerance = Object.freeze({ earlyMs: 50, lateMs: 1050 });

/** A call's interval on the system clock, in ms. */
export interface CallInterval {
  /** When the call was made. */
  readonly from: number;
  /** When its answer arrived. */
  readonly to: number;
}

/** One stored session, as far as real time lets it be known. */
export interface TimedRecord {
  /** `undefined`: created by `generate` without a value (reads `not_set`). */
  readonly value: string | undefined;
  /** The exact expiry instant is in `[earliest, latest]`: the write's interval plus the period. */
  readonly earliest: number;
  readonly latest: number;
  /** The period granted by the last generate/set/touch, in seconds. */
  readonly period: number;
  /** Whether that period came from an omitted expiry (the default period). */
  readonly fromDefault: boolean;
  /** Set once the store answered that the session is gone: from then on it stays gone (SPEC §4). */
  readonly goneAt?: number;
}

/** Everything a backend's answers depend on, in real time. */
export interface TimedModel {
  readonly defaultPeriod: number;
  readonly records: ReadonlyMap<string, TimedRecord>;
  /** Every key handed out (none may come again, SPEC §2). */
  readonly issued: ReadonlySet<string>;
  readonly cleared: ReadonlySet<string>;
}

/** What a call may see of a record: live throughout, expired throughout, or either (it straddles the expiry window). */
export type Liveness = 'live' | 'expired' | 'either';

export function initialTimedModel(defaultPeriod: number): TimedModel {
  return { defaultPeriod, records: new Map(), issued: new Set(), cleared: new Set() };
}

export function withDefaultPeriod(state: TimedModel, period: number): TimedModel {
  return { ...state, defaultPeriod: period };
}

/** What `record` may look like to a call made during `call`. */
export function livenessDuring(record: TimedRecord, call: CallInterval, tolerance: RealTimeTolerance = REAL_TIME_TOLERANCE): Liveness {
  if (record.goneAt !== undefined) return 'expired';
  // SPEC §1: live while now <= expiresAt, for every instant of the call and every expiry the window allows.
  if (call.to <= record.earliest - tolerance.earlyMs) return 'live';
  if (call.from > record.latest + tolerance.lateMs) return 'expired';
  return 'either';
}

/**
 * The remaining periods a live answer may report during `call` (SPEC §1: `Math.floor((expiresAt -
 * now) / 1000)` for some instant of the call and some expiry of the widened window), never more
 * than the period granted.
 */
export function periodRange(record: TimedRecord, call: CallInterval, tolerance: RealTimeTolerance = REAL_TIME_TOLERANCE): { min: number; max: number } {
  const min = Math.max(0, Math.floor((record.earliest - tolerance.earlyMs - call.to) / 1000));
  const max = Math.min(record.period, Math.max(0, Math.floor((record.latest + tolerance.lateMs - call.from) / 1000)));
  return { min: Math.min(min, max), max };
}

/** A record written during `call` for `period` seconds. */
function written(call: CallInterval, value: string | undefined, period: number, fromDefault: boolean): TimedRecord {
  return { value, earliest: exact.expiryInstant(call.from, period), latest: exact.expiryInstant(call.to, period), period, fromDefault };
}

/** `generate` resolved `key` during `call`: the model records it ({@link judgeTimedKey} says whether it was allowed to). */
export function generate(state: TimedModel, key: string, options: { value?: string | undefined; expiry?: number | undefined }, call: CallInterval): TimedModel {
  const period = options.expiry ?? state.defaultPeriod;
  const records = new Map(state.records).set(key, written(call, options.value, period, options.expiry === undefined));
  return { ...state, records, issued: new Set(state.issued).add(key) };
}

/** `clear(key)`: gone, as if it never existed. */
export function clear(state: TimedModel, key: string): TimedModel {
  if (!state.records.has(key)) return state;
  const records = new Map(state.records);
  records.delete(key);
  return { ...state, records, cleared: new Set(state.cleared).add(key) };
}

/** The store said `key` is gone during `call`: so it stays. */
function seenGone(state: TimedModel, key: string, call: CallInterval): TimedModel {
  const record = state.records.get(key);
  if (record === undefined || record.goneAt !== undefined) return state;
  return { ...state, records: new Map(state.records).set(key, { ...record, goneAt: call.to }) };
}

/** The verdict on one answer: the next state when it was allowed, else the rule it broke. */
export type Verdict = { readonly ok: true; readonly state: TimedModel } | { readonly ok: false; readonly judgement: Judgement; readonly expected: string };

/** Why `key` may not come from `generate`, or `undefined` when it may (SPEC §2, judged exactly). */
export function judgeTimedKey(state: TimedModel, key: unknown, call: CallInterval): Judgement | undefined {
  return exact.judgeKey(exactView(state, call.to), key);
}

/** The answer `get(key)` gave during `call`. */
export function judgeGet(state: TimedModel, key: string, actual: unknown, call: CallInterval, tolerance: RealTimeTolerance = REAL_TIME_TOLERANCE): Verdict {
  const record = state.records.get(key);
  const found = actual as Partial<{ status: unknown; value: unknown; period: unknown }> | null;
  const status = typeof found === 'object' && found !== null ? found.status : undefined;
  if (record === undefined) {
    // Never handed out, cleared, or garbage: exactly as in simulated time.
    const expected: Lookup = { status: 'not_found' };
    return sameLookup(expected, actual) ? { ok: true, state } : { ok: false, judgement: exact.judgeGet(exactView(state, call.from), key, expected, actual), expected: 'not_found' };
  }
  const liveness = livenessDuring(record, call, tolerance);
  const range = periodRange(record, call, tolerance);
  const live: Lookup =
    record.value === undefined ? { status: 'not_set' } : { status: 'ok', value: record.value, period: clamp(found?.period, range) };
  const expectedText = liveness === 'expired' ? 'not_found' : liveness === 'live' ? showLive(live, range) : `not_found, or ${showLive(live, range)}`;
  if (status === 'not_found') {
    if (liveness !== 'live') return { ok: true, state: seenGone(state, key, call) };
    return { ok: false, judgement: judgeLost(record, call, tolerance), expected: expectedText };
  }
  if (status === 'ok' || status === 'not_set') {
    if (liveness === 'expired') return { ok: false, judgement: judgeKeptLate(record, call, tolerance, 'found live'), expected: expectedText };
    if (sameLookup(live, actual)) return { ok: true, state };
    const period = found!.period; // a status was read from it: not null
    // Number.isInteger is false for anything but a number: no typeof test before it.
    if (record.value !== undefined && status === 'ok' && found!.value === record.value && Number.isInteger(period)) {
      const off = (period as number) > range.max ? `${(period as number) - range.max} s too long` : `${range.min - (period as number)} s too short`;
      return {
        ok: false,
        judgement: {
          id: 'period-wrong',
          rule: `the remaining period is Math.floor((expiresAt - now) / 1000), counted down from the last generate/set/touch (SPEC §1, §4); in real time, ${range.min === range.max ? range.min : `${range.min} to ${range.max}`} s during this call`,
          measured: `the remaining period is at least ${off}`,
        },
        expected: expectedText,
      };
    }
  }
  // The value, not_set and the shape of the answer: judged exactly, as if the session were live now.
  return { ok: false, judgement: exact.judgeGet(exactView(state, call.from), key, live, actual), expected: expectedText };
}

/** The answer `set`/`touch` on `key` gave during `call`; `value` is the new value for `set`, absent for `touch`. */
export function judgeUpdate(
  state: TimedModel,
  operation: 'set' | 'touch',
  key: string,
  update: { value?: string; expiry?: number | undefined },
  actual: unknown,
  call: CallInterval,
  tolerance: RealTimeTolerance = REAL_TIME_TOLERANCE,
): Verdict {
  const record = state.records.get(key);
  const liveness = record === undefined ? 'expired' : livenessDuring(record, call, tolerance);
  const expected = liveness === 'live' ? 'ok' : liveness === 'expired' ? 'not_found' : 'ok, or not_found';
  if (actual === 'not_found' && liveness !== 'live') return { ok: true, state: seenGone(state, key, call) };
  if (
    actual === 'ok' &&
    liveness !== 'expired' &&
    // Stryker disable next-line ConditionalExpression: no record is 'expired' (above); this test only tells the type checker.
    record !== undefined
  ) {
    const period = update.expiry ?? state.defaultPeriod;
    const value = operation === 'set' ? update.value : record.value;
    return { ok: true, state: { ...state, records: new Map(state.records).set(key, written(call, value, period, update.expiry === undefined)) } };
  }
  if (actual !== 'ok' && actual !== 'not_found') {
    return { ok: false, judgement: { id: 'update-shape', rule: `${operation} resolves 'ok' or 'not_found' (SPEC §4)` }, expected };
  }
  if (actual === 'not_found') return { ok: false, judgement: { ...judgeLost(record!, call, tolerance), rule: `${operation} updates a live session and resolves ok (SPEC §4)` }, expected };
  if (record === undefined || record.goneAt !== undefined || state.cleared.has(key)) {
    // A key never handed out, cleared, or already seen gone: exactly as in simulated time (revival).
    const view = exactView(state, call.from);
    const judgement = record === undefined ? exact.judgeUpdate(view, operation, key, 'not_found', actual) : revived(operation);
    return { ok: false, judgement, expected };
  }
  return { ok: false, judgement: judgeKeptLate(record, call, tolerance, `${operation} resolved ok`), expected };
}

function revived(operation: 'set' | 'touch'): Judgement {
  return { id: 'revives-expired', rule: `${operation} never revives a session that is gone: once the store answered not_found for it, it resolves not_found (SPEC §4)` };
}

/** A live session that the store answered as gone. */
function judgeLost(record: TimedRecord, call: CallInterval, tolerance: RealTimeTolerance): Judgement {
  const early = record.earliest - tolerance.earlyMs - call.to;
  const tolerated = `(tolerance ${tolerance.earlyMs} ms for the server's clock)`;
  if (record.fromDefault) {
    return { id: 'default-period-ignored', rule: 'a live session must be found; its lifetime came from an omitted expiry, which means defaultPeriod() at the time of the call (SPEC §4)', measured: `gone at least ${early} ms before its expiry ${tolerated}` };
  }
  if (early < 1000) {
    return { id: 'expiry-early', rule: 'a session is live while now <= expiresAt, measured in real time here (SPEC §1)', measured: `expiry is at least ${early + tolerance.earlyMs} ms early ${tolerated}` };
  }
  return { id: 'live-session-lost', rule: 'a live session must be found (SPEC §4 get)', measured: `gone at least ${early + tolerance.earlyMs} ms before its expiry` };
}

/** A session answered as live (or updated) after its expiry, tolerance included. */
function judgeKeptLate(record: TimedRecord, call: CallInterval, tolerance: RealTimeTolerance, what: string): Judgement {
  if (record.goneAt !== undefined) {
    return { id: 'expired-session-back', rule: 'a session that is gone stays gone: once the store answered not_found for it, it never reads live again (SPEC §1, §4)' };
  }
  const late = call.from - record.latest;
  return {
    id: 'expiry-late',
    rule: 'an expired session reads not_found (SPEC §1: expired once now > expiresAt), measured in real time here',
    measured: `expiry is at least ${late} ms late (${what}; tolerance ${tolerance.lateMs} ms for whole seconds and the server's clock)`,
  };
}

/** The exact model's view at `now`, for the judgements that do not depend on time (keys, values, not_set). */
function exactView(state: TimedModel, now: number): BackendModel {
  const records = new Map<string, ModelRecord>();
  for (const [key, record] of state.records) {
    // Live for the exact judge unless the store already said it is gone.
    records.set(key, { value: record.value, expiresAt: record.goneAt === undefined ? Math.max(record.latest, now) : now - 1, fromDefault: record.fromDefault, period: record.period });
  }
  return { now, defaultPeriod: state.defaultPeriod, records, issued: state.issued, cleared: state.cleared };
}

/** The answer's period when it is one the range allows (a whole number of seconds in it, SPEC §1), else the range's maximum. */
function clamp(period: unknown, range: { min: number; max: number }): number {
  return Number.isInteger(period) && (period as number) >= range.min && (period as number) <= range.max ? (period as number) : range.max;
}

function showLive(live: Lookup, range: { min: number; max: number }): string {
  if (live.status !== 'ok') return live.status;
  return `ok ${JSON.stringify(live.value)} (${range.min === range.max ? range.min : `${range.min} to ${range.max}`} s left)`;
}

function sameLookup(expected: Lookup, actual: unknown): boolean {
  if (typeof actual !== 'object' || actual === null) return false;
  const own = Object.entries(actual).filter(([, inner]) => inner !== undefined);
  const wanted = Object.entries(expected);
  return own.length === wanted.length && wanted.every(([name, inner]) => Object.is((actual as Record<string, unknown>)[name], inner));
}
