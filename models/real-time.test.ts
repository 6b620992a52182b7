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
