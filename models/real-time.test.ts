import { describe, expect, it } from 'vitest';
import * as timed from './real-time.js';
import { REAL_TIME_TOLERANCE, type CallInterval } from './real-time.js';

const KEY = 'A'.repeat(22);
const T0 = 1_700_000_000_000;
const at = (from: number, to = from): CallInterval => ({ from: T0 + from, to: T0 + to });

/** A session with `value` for `expiry` s, its generate taking 0 to 10 ms. */
function session(value: string | null = 'v', expiry = 2) {
  return timed.generate(timed.initialTimedModel(604_800), KEY, { value: value ?? undefined, expiry }, at(0, 10));
}

describe('real-time model: an expiry instant is a window (the write interval plus the period), widened by the tolerance', () => {
  const record = session().records.get(KEY)!;

  it('keeps the window of the write', () => {
    expect([record.earliest, record.latest]).toEqual([T0 + 2000, T0 + 2010]);
  });

  it('is live for a call wholly before the window less 50 ms, expired wholly after it plus 1050 ms, either in between', () => {
    expect(REAL_TIME_TOLERANCE).toEqual({ earlyMs: 50, lateMs: 1050 });
    expect(timed.livenessDuring(record, at(1900, 1950))).toBe('live');
    expect(timed.livenessDuring(record, at(1900, 1951))).toBe('either');
    expect(timed.livenessDuring(record, at(2010))).toBe('either');
    expect(timed.livenessDuring(record, at(3060))).toBe('either');
    expect(timed.livenessDuring(record, at(3061))).toBe('expired');
  });

  it('accepts the remaining periods of every instant of the call and expiry of the window, never more than the period granted', () => {
    expect(timed.periodRange(record, at(20, 30))).toEqual({ min: 1, max: 2 });
    expect(timed.periodRange(record, at(1500))).toEqual({ min: 0, max: 1 });
  });
});

describe('real-time model: judging answers', () => {
  it('takes either answer where a call straddles the expiry, and a session seen gone stays gone', () => {
    const state = session();
    const live = timed.judgeGet(state, KEY, { status: 'ok', value: 'v', period: 0 }, at(2005));
    expect(live.ok).toBe(true);
    const gone = timed.judgeGet(state, KEY, { status: 'not_found' }, at(2005));
    expect(gone.ok).toBe(true);
    const after = gone.ok ? gone.state : state;
    const back = timed.judgeGet(after, KEY, { status: 'ok', value: 'v', period: 0 }, at(2006));
    expect(back).toMatchObject({ ok: false, judgement: { id: 'expired-session-back' } });
    expect(timed.judgeUpdate(after, 'touch', KEY, { expiry: 5 }, 'ok', at(2006))).toMatchObject({ ok: false, judgement: { id: 'revives-expired' } });
  });

  it('names a session found live after its window plus the tolerance as late, by how much at least', () => {
    const verdict = timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: 0 }, at(3200, 3201));
    expect(verdict).toMatchObject({ ok: false, expected: 'not_found', judgement: { id: 'expiry-late', measured: expect.stringMatching(/^expiry is at least 1190 ms late/) } });
  });

  it('names a session gone well before its window as lost, and one gone within a second of it as early', () => {
    expect(timed.judgeGet(session(), KEY, { status: 'not_found' }, at(100))).toMatchObject({ ok: false, judgement: { id: 'live-session-lost' } });
    expect(timed.judgeGet(session(), KEY, { status: 'not_found' }, at(1500))).toMatchObject({ ok: false, judgement: { id: 'expiry-early', measured: 'expiry is at least 500 ms early (tolerance 50 ms for the server\'s clock)' } });
    expect(timed.judgeUpdate(session(), 'set', KEY, { value: 'w', expiry: 1 }, 'not_found', at(100))).toMatchObject({ ok: false, judgement: { id: 'live-session-lost' } });
  });

  it('judges a remaining period outside the range, and everything that does not depend on time exactly', () => {
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: 3 }, at(20))).toMatchObject({ ok: false, judgement: { id: 'period-wrong' } });
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'w', period: 1 }, at(20))).toMatchObject({ ok: false, judgement: { id: 'value-changed' } });
    expect(timed.judgeGet(session(null), KEY, { status: 'ok', value: '', period: 1 }, at(20))).toMatchObject({ ok: false, judgement: { id: 'not-set-lost' } });
    const cleared = timed.clear(session(), KEY);
    expect(timed.judgeGet(cleared, KEY, { status: 'ok', value: 'v', period: 1 }, at(20))).toMatchObject({ ok: false, judgement: { id: 'cleared-key-found' } });
    expect(timed.judgeUpdate(cleared, 'set', KEY, { value: 'w' }, 'ok', at(20))).toMatchObject({ ok: false, judgement: { id: 'revives-cleared' } });
    expect(timed.judgeTimedKey(session(), KEY, at(20))).toMatchObject({ id: 'key-reused' });
    expect(timed.judgeTimedKey(session(), 'short', at(20))).toMatchObject({ id: 'key-format' });
  });

  it('restarts the window from the update call, keeping the value on touch', () => {
    const verdict = timed.judgeUpdate(session(), 'touch', KEY, { expiry: 3 }, 'ok', at(1000, 1004));
    expect(verdict.ok).toBe(true);
    const record = verdict.ok ? verdict.state.records.get(KEY) : undefined;
    expect(record).toMatchObject({ value: 'v', earliest: T0 + 4000, latest: T0 + 4004, period: 3 });
  });
});

describe('real-time model: states', () => {
  it('starts empty and changes only the default period on withDefaultPeriod', () => {
    const fresh = timed.initialTimedModel(600);
    expect(fresh).toEqual({ defaultPeriod: 600, records: new Map(), issued: new Set(), cleared: new Set() });
    expect(timed.withDefaultPeriod(fresh, 60)).toEqual({ ...fresh, defaultPeriod: 60 });
    expect(fresh.defaultPeriod).toBe(600);
  });

  it('records an omitted expiry as the default period, and never changes the state it was given', () => {
    const fresh = timed.initialTimedModel(60);
    const state = timed.generate(fresh, KEY, {}, at(0, 10));
    expect(state.records.get(KEY)).toEqual({ value: undefined, earliest: T0 + 60_000, latest: T0 + 60_010, period: 60, fromDefault: true });
    expect([...state.issued]).toEqual([KEY]);
    expect([fresh.records.size, fresh.issued.size]).toEqual([0, 0]);
  });

  it('clears a key into the cleared set, keeps it issued, and leaves a missing key alone', () => {
    const state = session();
    expect(timed.clear(state, 'B'.repeat(22))).toBe(state);
    const cleared = timed.clear(state, KEY);
    expect([cleared.records.has(KEY), cleared.cleared.has(KEY), cleared.issued.has(KEY)]).toEqual([false, true, true]);
    expect([state.records.has(KEY), state.cleared.size]).toEqual([true, 0]);
  });
});

describe('real-time model: windows at their edges', () => {
  const record = session().records.get(KEY)!;
  const exact = { earlyMs: 0, lateMs: 0 };

  it('is live up to the earliest expiry, either until the latest, expired after; gone is expired at once', () => {
    expect(timed.livenessDuring(record, at(1999, 2000), exact)).toBe('live');
    expect(timed.livenessDuring(record, at(1999, 2001), exact)).toBe('either');
    expect(timed.livenessDuring(record, at(2010), exact)).toBe('either');
    expect(timed.livenessDuring(record, at(2011), exact)).toBe('expired');
    expect(timed.livenessDuring({ ...record, goneAt: T0 + 5 }, at(0))).toBe('expired');
  });

  it('gives a remaining period of at least 0, at most the period granted, and never a minimum over the maximum', () => {
    expect(timed.periodRange(record, at(0), exact)).toEqual({ min: 2, max: 2 });
    expect(timed.periodRange(record, at(5000), exact)).toEqual({ min: 0, max: 0 });
    expect(timed.periodRange(record, at(5000))).toEqual({ min: 0, max: 0 });
    const far = { value: 'v', earliest: T0 + 10_000, latest: T0 + 10_000, period: 2, fromDefault: false };
    expect(timed.periodRange(far, at(0))).toEqual({ min: 2, max: 2 });
  });
});

describe('real-time model: get, every branch', () => {
  it('judges a key it holds no record of exactly: not_found is right, and leaves the state as it was', () => {
    const state = timed.initialTimedModel(60);
    expect(timed.judgeGet(state, KEY, { status: 'not_found' }, at(0))).toEqual({ ok: true, state });
    expect(timed.judgeGet(state, KEY, { status: 'not_found', value: undefined }, at(0))).toEqual({ ok: true, state });
    expect(timed.judgeGet(state, KEY, { status: 'not_found', extra: 1 }, at(0)).ok).toBe(false);
    expect(timed.judgeGet(state, KEY, { status: 'ok', value: 'v', period: 1 }, at(0))).toMatchObject({ ok: false, expected: 'not_found', judgement: { id: 'unknown-key-found' } });
    expect(timed.judgeGet(state, KEY, null, at(0))).toMatchObject({ ok: false, judgement: { id: 'lookup-shape' } });
  });

  it('says what it expected: the range, a single period, or either answer across the expiry', () => {
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: 3 }, at(20))).toMatchObject({
      expected: 'ok "v" (1 to 2 s left)',
      judgement: { rule: expect.stringMatching(/in real time, 1 to 2 s during this call$/), measured: 'the remaining period is at least 1 s too long' },
    });
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: 0 }, at(20))).toMatchObject({
      judgement: { id: 'period-wrong', measured: 'the remaining period is at least 1 s too short' },
    });
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: 1 }, at(0), { earlyMs: 0, lateMs: 0 })).toMatchObject({
      expected: 'ok "v" (2 s left)',
      judgement: { rule: expect.stringMatching(/in real time, 2 s during this call$/) },
    });
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'w', period: 0 }, at(2005))).toMatchObject({
      ok: false,
      expected: 'not_found, or ok "v" (0 to 1 s left)',
      judgement: { id: 'value-changed' },
    });
    expect(timed.judgeGet(session(null), KEY, { status: 'ok', value: '', period: 1 }, at(20))).toMatchObject({ expected: 'not_set' });
  });

  it('accepts every period of the range and not_set for a session without a value', () => {
    for (const period of [1, 2]) expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period }, at(20)).ok).toBe(true);
    expect(timed.judgeGet(session(null), KEY, { status: 'not_set' }, at(20)).ok).toBe(true);
  });

  it('judges a period that is not a whole number, a changed value and a lost value exactly, not as a period off', () => {
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: '1' }, at(20))).toMatchObject({ judgement: { id: 'period-not-whole-seconds' } });
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: 1.5 }, at(20))).toMatchObject({ judgement: { id: 'period-not-whole-seconds' } });
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'w', period: 9 }, at(20))).toMatchObject({ judgement: { id: 'value-changed' } });
    expect(timed.judgeGet(session(), KEY, { status: 'not_set' }, at(20))).toMatchObject({ judgement: { id: 'value-lost' } });
  });

  it('takes not_found once the window has passed, and keeps the first instant it was seen gone', () => {
    const gone = timed.judgeGet(session(), KEY, { status: 'not_found' }, at(5000));
    expect(gone.ok).toBe(true);
    const first = timed.judgeGet(session(), KEY, { status: 'not_found' }, at(2004, 2005));
    const again = first.ok ? timed.judgeGet(first.state, KEY, { status: 'not_found' }, at(2008)) : first;
    expect(again.ok && again.state.records.get(KEY)?.goneAt).toBe(T0 + 2005);
  });

  it('names a lost session by how early it went: the default period, under a second early, or lost', () => {
    const byDefault = timed.generate(timed.initialTimedModel(60), KEY, { value: 'v' }, at(0, 10));
    expect(timed.judgeGet(byDefault, KEY, { status: 'not_found' }, at(100))).toMatchObject({
      judgement: { id: 'default-period-ignored', measured: "gone at least 59850 ms before its expiry (tolerance 50 ms for the server's clock)" },
    });
    expect(timed.judgeGet(session(), KEY, { status: 'not_found' }, at(951))).toMatchObject({
      judgement: { id: 'expiry-early', measured: "expiry is at least 1049 ms early (tolerance 50 ms for the server's clock)" },
    });
    expect(timed.judgeGet(session(), KEY, { status: 'not_found' }, at(950))).toMatchObject({
      judgement: { id: 'live-session-lost', rule: 'a live session must be found (SPEC §4 get)', measured: 'gone at least 1050 ms before its expiry' },
    });
  });

  it('judges keys against what the store said: live while unseen, expired once seen gone', () => {
    expect(timed.judgeTimedKey(session(), KEY, at(2500))?.rule).toBe('a key is never handed out twice (SPEC §2)');
    const gone = timed.judgeGet(session(), KEY, { status: 'not_found' }, at(2005));
    expect(gone.ok && timed.judgeTimedKey(gone.state, KEY, at(2006))?.rule).toBe('an expired key is never handed out again (SPEC §2)');
    expect(timed.judgeTimedKey(session(), 'B'.repeat(22), at(20))).toBeUndefined();
  });
});

describe('real-time model: set and touch, every branch', () => {
  it('stores the new value and window on set; an omitted expiry is the default period', () => {
    const verdict = timed.judgeUpdate(session(), 'set', KEY, { value: 'w', expiry: 3 }, 'ok', at(1000, 1004));
    expect(verdict.ok && verdict.state.records.get(KEY)).toEqual({ value: 'w', earliest: T0 + 4000, latest: T0 + 4004, period: 3, fromDefault: false });
    const byDefault = timed.judgeUpdate(session(), 'set', KEY, { value: 'w' }, 'ok', at(1000));
    expect(byDefault.ok && byDefault.state.records.get(KEY)).toMatchObject({ period: 604_800, fromDefault: true, earliest: T0 + 1000 + 604_800_000 });
  });

  it('takes either answer across the expiry; not_found marks the session gone', () => {
    expect(timed.judgeUpdate(session(), 'touch', KEY, { expiry: 5 }, 'ok', at(2005)).ok).toBe(true);
    const gone = timed.judgeUpdate(session(), 'touch', KEY, { expiry: 5 }, 'not_found', at(2004, 2005));
    expect(gone.ok && gone.state.records.get(KEY)?.goneAt).toBe(T0 + 2005);
    const state = timed.initialTimedModel(60);
    expect(timed.judgeUpdate(state, 'touch', KEY, {}, 'not_found', at(0))).toEqual({ ok: true, state });
  });

  it('says what it expected, by liveness, when the answer has the wrong shape', () => {
    const shape = { id: 'update-shape', rule: "touch resolves 'ok' or 'not_found' (SPEC §4)" };
    expect(timed.judgeUpdate(session(), 'touch', KEY, {}, 'yes', at(20))).toEqual({ ok: false, judgement: shape, expected: 'ok' });
    expect(timed.judgeUpdate(session(), 'touch', KEY, {}, 'yes', at(5000))).toEqual({ ok: false, judgement: shape, expected: 'not_found' });
    expect(timed.judgeUpdate(session(), 'touch', KEY, {}, 'yes', at(2005))).toEqual({ ok: false, judgement: shape, expected: 'ok, or not_found' });
  });

  it('names a live session that set said was missing, with the update rule', () => {
    expect(timed.judgeUpdate(session(), 'set', KEY, { value: 'w' }, 'not_found', at(100))).toEqual({
      ok: false,
      judgement: { id: 'live-session-lost', rule: 'set updates a live session and resolves ok (SPEC §4)', measured: 'gone at least 1900 ms before its expiry' },
      expected: 'ok',
    });
  });

  it('judges ok on a key never handed out exactly, and ok after the window as late by how much', () => {
    expect(timed.judgeUpdate(timed.initialTimedModel(60), 'touch', KEY, {}, 'ok', at(0))).toEqual({
      ok: false,
      judgement: { id: 'revives-cleared', rule: 'touch on a key this backend never handed out resolves not_found and stores nothing (SPEC §2, §4)' },
      expected: 'not_found',
    });
    expect(timed.judgeUpdate(session(), 'touch', KEY, {}, 'ok', at(5000))).toEqual({
      ok: false,
      judgement: {
        id: 'expiry-late',
        rule: 'an expired session reads not_found (SPEC §1: expired once now > expiresAt), measured in real time here',
        measured: "expiry is at least 2990 ms late (touch resolved ok; tolerance 1050 ms for whole seconds and the server's clock)",
      },
      expected: 'not_found',
    });
  });

  it('names ok on a key once cleared and handed out again, now expired, as a revival', () => {
    const again = timed.generate(timed.clear(session(), KEY), KEY, { value: 'v', expiry: 2 }, at(0, 10));
    expect(timed.judgeUpdate(again, 'set', KEY, { value: 'w' }, 'ok', at(5000))).toMatchObject({ ok: false, judgement: { id: 'revives-expired', rule: expect.stringMatching(/^set never revives/) } });
    expect(timed.judgeUpdate(again, 'set', KEY, { value: 'w' }, 'ok', at(20)).ok).toBe(true);
  });
});

describe('real-time model: answers of every shape, and the words of every rule', () => {
  const exactTolerance = { earlyMs: 0, lateMs: 0 };

  it('judges an answer that is undefined, null or of an unknown status by its shape, never crashing', () => {
    for (const state of [timed.initialTimedModel(60), session()]) {
      expect(timed.judgeGet(state, KEY, undefined, at(20))).toMatchObject({ ok: false, judgement: { id: 'lookup-shape' } });
      expect(timed.judgeGet(state, KEY, null, at(20))).toMatchObject({ ok: false, judgement: { id: 'lookup-shape' } });
    }
    expect(timed.judgeGet(session(), KEY, { status: 'weird' }, at(5000))).toMatchObject({ ok: false, judgement: { id: 'lookup-shape' } });
  });

  it('judges ok for a session without a value as not_set lost, and not_set carrying a value as a lost value', () => {
    expect(timed.judgeGet(session(null), KEY, { status: 'ok', period: 1 }, at(20))).toMatchObject({ judgement: { id: 'not-set-lost' } });
    expect(timed.judgeGet(session(), KEY, { status: 'not_set', value: 'v', period: 1 }, at(20))).toMatchObject({ judgement: { id: 'value-lost' } });
  });

  it('measures a period too short from the bottom of the range', () => {
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: 1 }, at(0), exactTolerance)).toMatchObject({
      judgement: { id: 'period-wrong', measured: 'the remaining period is at least 1 s too short' },
    });
  });

  it('takes the bottom of the range as it is', () => {
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: 1 }, at(20)).ok).toBe(true);
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: 0 }, at(1500)).ok).toBe(true);
  });

  it('words each rule as the reports quote it', () => {
    expect(timed.judgeGet(session(), KEY, { status: 'ok', value: 'v', period: 0 }, at(3200, 3201))).toMatchObject({
      judgement: { measured: "expiry is at least 1190 ms late (found live; tolerance 1050 ms for whole seconds and the server's clock)" },
    });
    const byDefault = timed.generate(timed.initialTimedModel(60), KEY, { value: 'v' }, at(0, 10));
    expect(timed.judgeGet(byDefault, KEY, { status: 'not_found' }, at(100))).toMatchObject({
      judgement: { rule: 'a live session must be found; its lifetime came from an omitted expiry, which means defaultPeriod() at the time of the call (SPEC §4)' },
    });
    expect(timed.judgeGet(session(), KEY, { status: 'not_found' }, at(1500))).toMatchObject({
      judgement: { rule: 'a session is live while now <= expiresAt, measured in real time here (SPEC §1)' },
    });
    const gone = timed.judgeGet(session(), KEY, { status: 'not_found' }, at(2005));
    const back = gone.ok ? timed.judgeGet(gone.state, KEY, { status: 'ok', value: 'v', period: 0 }, at(2006)) : gone;
    expect(back).toMatchObject({
      judgement: { rule: 'a session that is gone stays gone: once the store answered not_found for it, it never reads live again (SPEC §1, §4)' },
    });
  });
});
