import { describe, expect, it } from 'vitest';
import * as model from './backend-model.js';
import type { BackendModel } from './backend-model.js';

const T0 = 1_000_000;

function withSession(options: { value?: string; expiry?: number }, key = 'A'.repeat(22)) {
  return model.generate(model.initialBackendModel(T0, 3600), key, options).state;
}

describe('backend model: the expiry boundary (SPEC §1)', () => {
  const key = 'A'.repeat(22);
  const state = withSession({ value: 'v', expiry: 60 }, key);

  it('stores expiresAt = now + period * 1000', () => {
    expect(state.records.get(key)?.expiresAt).toBe(T0 + 60_000);
  });

  it('is live at now == expiresAt, with 0 s left', () => {
    expect(model.get(model.advance(state, 60_000), key).result).toEqual({ status: 'ok', value: 'v', period: 0 });
  });

  it('is expired 1 ms after expiresAt', () => {
    expect(model.get(model.advance(state, 60_001), key).result).toEqual({ status: 'not_found' });
  });

  it('rounds the remaining period down', () => {
    expect(model.get(model.advance(state, 1), key).result).toEqual({ status: 'ok', value: 'v', period: 59 });
    expect(model.get(model.advance(state, 59_999), key).result).toEqual({ status: 'ok', value: 'v', period: 0 });
    expect(model.get(model.advance(state, 1_000), key).result).toEqual({ status: 'ok', value: 'v', period: 59 });
  });

  it('lives exactly one instant with expiry 0', () => {
    const zero = withSession({ value: '', expiry: 0 }, key);
    expect(model.get(zero, key).result).toEqual({ status: 'ok', value: '', period: 0 });
    expect(model.get(model.advance(zero, 1), key).result).toEqual({ status: 'not_found' });
  });
});

describe('backend model: operations (SPEC §3, §4)', () => {
  const key = 'B'.repeat(22);

  it('reads not_set for a session without a value, and "" as a value', () => {
    expect(model.get(withSession({}, key), key).result).toEqual({ status: 'not_set' });
    expect(model.get(withSession({ value: '' }, key), key).result).toEqual({ status: 'ok', value: '', period: 3600 });
  });

  it('takes the default period at the time of the call when expiry is omitted', () => {
    const state = model.withDefaultPeriod(model.initialBackendModel(T0, 3600), 10);
    const after = model.generate(state, key, { value: 'v' }).state;
    expect(model.get(after, key).result).toEqual({ status: 'ok', value: 'v', period: 10 });
  });

  it('set and touch restart the lifetime of a live session only', () => {
    const state = model.advance(withSession({ value: 'v', expiry: 10 }, key), 5_000);
    const set = model.set(state, key, 'w', 100);
    expect(set.result).toBe('ok');
    expect(model.get(set.state, key).result).toEqual({ status: 'ok', value: 'w', period: 100 });
    const touched = model.touch(set.state, key, 7);
    expect(model.get(touched.state, key).result).toEqual({ status: 'ok', value: 'w', period: 7 });
    const dead = model.advance(state, 5_001);
    expect(model.set(dead, key, 'x').result).toBe('not_found');
    expect(model.touch(dead, key).result).toBe('not_found');
    expect(model.set(dead, key, 'x').state).toBe(dead);
  });

  it('touch keeps a missing value missing', () => {
    const state = withSession({}, key);
    expect(model.get(model.touch(state, key, 5).state, key).result).toEqual({ status: 'not_set' });
  });

  it('never revives a cleared key', () => {
    const cleared = model.clear(withSession({ value: 'v' }, key), key).state;
    expect(model.get(cleared, key).result).toEqual({ status: 'not_found' });
    expect(model.set(cleared, key, 'v').result).toBe('not_found');
    expect(model.touch(cleared, key).result).toBe('not_found');
    expect(model.clear(cleared, 'never-seen').state).toBe(cleared);
  });

  it('forbids malformed, short, repeated, cleared and expired keys', () => {
    const state = withSession({ value: 'v', expiry: 0 }, key);
    expect(model.keyProblem(state, 'C'.repeat(22))).toBeUndefined();
    expect(model.keyProblem(state, 'C'.repeat(21))).toMatch(/at least 22 characters/);
    expect(model.keyProblem(state, `${'C'.repeat(22)}==`)).toMatch(/\[A-Za-z0-9_-\]/);
    expect(model.keyProblem(state, key)).toMatch(/never handed out twice/);
    expect(model.keyProblem(model.advance(state, 1), key)).toMatch(/expired key is never handed out again/);
    expect(model.keyProblem(model.clear(state, key).state, key)).toMatch(/cleared key is never handed out again/);
  });

  it('validates periods as SPEC §1 says', () => {
    for (const good of [0, 1, model.MODEL_MAX_PERIOD]) expect(model.isValidPeriod(good)).toBe(true);
    for (const bad of [-1, 1.5, Number.NaN, Infinity, model.MODEL_MAX_PERIOD + 1, '60', null]) expect(model.isValidPeriod(bad)).toBe(false);
  });
});

describe('backend model: explanations name the rule', () => {
  const key = 'D'.repeat(22);
  const state = withSession({ value: 'v', expiry: 60 }, key);

  it('at the boundary', () => {
    const at = model.advance(state, 60_000);
    expect(model.explainGet(at, key, model.get(at, key).result, { status: 'not_found' })).toMatch(/live at now == expiresAt/);
    const after = model.advance(state, 60_001);
    expect(model.explainGet(after, key, model.get(after, key).result, { status: 'ok', value: 'v', period: 0 })).toMatch(/now > expiresAt/);
  });

  it('for periods rounded up, not counting down, or off the clock', () => {
    const later = model.advance(state, 1_500);
    const expected = model.get(later, key).result;
    expect(model.explainGet(later, key, expected, { status: 'ok', value: 'v', period: 59 })).toMatch(/rounded down/);
    expect(model.explainGet(later, key, expected, { status: 'ok', value: 'v', period: 60 })).toMatch(/counts down/);
    expect(model.explainGet(later, key, expected, { status: 'ok', value: 'v', period: 200_000_000 })).toMatch(/context clock/);
  });

  it('for a lifetime that set did not restart, even one second off, with no rounding to blame', () => {
    // generate for 61 s, then set with 60 s at the same instant: 61 s left means the old expiry was kept.
    const long = withSession({ value: 'v', expiry: 61 }, key);
    const set = model.set(long, key, 'w', 60).state;
    const expected = model.get(set, key).result;
    const message = model.explainGet(set, key, expected, { status: 'ok', value: 'w', period: 61 });
    expect(message).toMatch(/restart the lifetime/);
    expect(message).not.toMatch(/rounded down/);
  });

  it('for revived keys and "" taken as no value', () => {
    const cleared = model.clear(state, key).state;
    expect(model.explainUpdate(cleared, 'set', key, 'not_found', 'ok')).toMatch(/never revives a cleared key/);
    const empty = withSession({ value: '' }, key);
    expect(model.explainGet(empty, key, model.get(empty, key).result, { status: 'not_set' })).toMatch(/"" is a value/);
  });
});

describe('backend model: judgements carry a stable root cause id, and measure what the state shows', () => {
  const key = 'E'.repeat(22);
  const state = withSession({ value: 'v', expiry: 60 }, key);

  it('an expiry 1 ms early, at the expiry instant, from get and from set alike', () => {
    const at = model.advance(state, 60_000);
    const fromGet = model.judgeGet(at, key, model.get(at, key).result, { status: 'not_found' });
    expect(fromGet).toEqual({ id: 'expiry-early', rule: expect.stringMatching(/live at now == expiresAt/), measured: 'expiry is 1 ms early (gone at its expiry instant)' });
    expect(model.judgeUpdate(at, 'set', key, 'ok', 'not_found').id).toBe('expiry-early');
    expect(model.judgeUpdate(at, 'touch', key, 'ok', 'not_found').id).toBe('expiry-early');
  });

  it('a late expiry, measured, whole seconds named when the expiry falls inside a second', () => {
    const inSecond = withSession({ value: 'v', expiry: 1 }, key);
    const halfway = model.generate(model.initialBackendModel(T0 + 500, 3600), key, { value: 'v', expiry: 1 }).state; // due 1.500 s after T0
    const after = model.advance(halfway, 1_001);
    const judged = model.judgeGet(after, key, model.get(after, key).result, { status: 'ok', value: 'v', period: 0 });
    expect(judged.id).toBe('expiry-late');
    expect(judged.measured).toBe('expiry is up to 999 ms late (whole seconds)');
    const wayAfter = model.advance(inSecond, 5_000);
    expect(model.judgeGet(wayAfter, key, model.get(wayAfter, key).result, { status: 'ok', value: 'v', period: 0 }).measured).toBe('expiry is at least 4000 ms late');
  });

  it('a period a second off is period-rounding, measured; far off is period-wrong', () => {
    const later = model.advance(state, 1_500);
    const expected = model.get(later, key).result;
    expect(model.judgeGet(later, key, expected, { status: 'ok', value: 'v', period: 59 })).toMatchObject({ id: 'period-rounding', measured: 'the remaining period is 1 s too long' });
    expect(model.judgeGet(later, key, expected, { status: 'ok', value: 'v', period: 57 })).toMatchObject({ id: 'period-rounding', measured: 'the remaining period is 1 s too short' });
    expect(model.judgeGet(later, key, expected, { status: 'ok', value: 'v', period: 40 })).toMatchObject({ id: 'period-wrong', measured: 'the remaining period is 18 s too short' });
  });

  it('keys: key-format for the shape, key-reused for a key handed out before', () => {
    expect(model.judgeKey(state, 'short')?.id).toBe('key-format');
    expect(model.judgeKey(state, `${'C'.repeat(22)}==`)?.id).toBe('key-format');
    expect(model.judgeKey(state, key)?.id).toBe('key-reused');
    expect(model.judgeKey(model.clear(state, key).state, key)?.id).toBe('key-reused');
    expect(model.judgeKey(state, 'F'.repeat(22))).toBeUndefined();
  });

  it('a revived key, cleared or expired, is one root cause', () => {
    expect(model.judgeUpdate(model.clear(state, key).state, 'set', key, 'not_found', 'ok').id).toBe('revives-cleared');
    const expired = model.advance(state, 60_001);
    expect(model.judgeUpdate(expired, 'touch', key, 'not_found', 'ok').id).toBe('revives-cleared');
  });
});

describe('backend model: every judgement, word for word (the failure reports quote them)', () => {
  const K = 'G'.repeat(22);
  const fresh = (now = T0) => model.initialBackendModel(now, 3600);
  const gen = (options: { value?: string; expiry?: number }, now = T0) => model.generate(fresh(now), K, options).state;
  const at = (state: BackendModel, ms: number) => model.advance(state, ms);
  const getJ = (state: BackendModel, actual: unknown, key = K) => model.judgeGet(state, key, model.get(state, key).result, actual as never);
  const updJ = (state: BackendModel, op: 'set' | 'touch', actual: unknown, key = K) => {
    const expected = op === 'set' ? model.set(state, key, 'x').result : model.touch(state, key).result;
    return model.judgeUpdate(state, op, key, expected, actual);
  };
  const v60 = gen({ value: 'v', expiry: 60 });
  const ok = (value: unknown, period: unknown) => ({ status: 'ok', value, period });
  const nf = { status: 'not_found' };
  const scenarios: Record<string, () => unknown> = {
    'shape null': () => getJ(v60, null),
    'shape string': () => getJ(v60, 'ok'),
    'shape status': () => getJ(v60, { status: 'found' }),
    'zero outlived': () => getJ(at(gen({ value: 'v', expiry: 0 }), 1), ok('v', 0)),
    'zero period too long': () => getJ(gen({ value: 'v', expiry: 0 }), ok('v', 5)),
    'zero after set within previous': () => getJ(at(model.set(gen({ value: 'v', expiry: 60 }), K, 'w', 0).state, 1), ok('w', 0)),
    'zero after set past previous': () => getJ(at(model.set(gen({ value: 'v', expiry: 1 }), K, 'w', 0).state, 2000), ok('w', 0)),
    'cleared found': () => getJ(model.clear(v60, K).state, ok('v', 60)),
    'restarted not: previous live': () => getJ(at(model.set(v60, K, 'w', 1).state, 2000), ok('w', 0)),
    'late by 1ms': () => getJ(at(v60, 60_001), ok('v', 0)),
    'late by 5s': () => getJ(at(v60, 65_000), ok('v', 0)),
    'gone key found': () => getJ({ ...fresh(), issued: new Set([K]) }, ok('v', 1)),
    'unknown key found': () => getJ(fresh(), ok('v', 1)),
    'early at instant': () => getJ(at(v60, 60_000), nf),
    'early at instant, fractional': () => getJ(at(gen({ value: 'v', expiry: 60 }, T0 + 500), 60_000), nf),
    'long lifetime lost': () => getJ(at(gen({ value: 'v', expiry: 3_000_000 }), 1000), nf),
    'long lifetime, past previous': () => getJ(at(model.set(gen({ value: 'v', expiry: 1 }), K, 'w', 3_000_000).state, 5000), nf),
    'lost past previous expiry': () => getJ(at(model.set(at(gen({ value: 'v', expiry: 10 }), 5000), K, 'w', 60).state, 20_000), nf),
    'lost from default': () => getJ(at(gen({ value: 'v' }), 1000), nf),
    'lost close to expiry': () => getJ(at(v60, 59_500), nf),
    'lost close to expiry fractional': () => getJ(at(gen({ value: 'v', expiry: 60 }, T0 + 500), 59_600), nf),
    'live lost': () => getJ(at(v60, 1000), nf),
    'not set lost': () => getJ(gen({}), ok('', 3600)),
    'empty as no value': () => getJ(gen({ value: '' }), { status: 'not_set' }),
    'value lost': () => getJ(v60, { status: 'not_set' }),
    'json reprinted': () => getJ(gen({ value: '{"a": 1}', expiry: 60 }), ok('{"a":1}', 60)),
    'json string': () => getJ(gen({ value: '"x"', expiry: 60 }), ok('x', 60)),
    'nfc': () => getJ(gen({ value: 'e\u0301', expiry: 60 }), ok('\u00e9', 60)),
    'nfd': () => getJ(gen({ value: '\u00e9', expiry: 60 }), ok('e\u0301', 60)),
    'controls': () => getJ(gen({ value: 'a\u0000b\nc\u007f', expiry: 60 }), ok('abc', 60)),
    'trimmed': () => getJ(gen({ value: ' a ', expiry: 60 }), ok('a', 60)),
    'truncated': () => getJ(gen({ value: 'abcdef', expiry: 60 }), ok('abc', 60)),
    'changed': () => getJ(gen({ value: 'abc', expiry: 60 }), ok('xyz', 60)),
    'changed longer': () => getJ(gen({ value: 'abc', expiry: 60 }), ok('abcd', 60)),
    'changed prefix not': () => getJ(gen({ value: 'abcdef', expiry: 60 }), ok('abd', 60)),
    'changed number': () => getJ(gen({ value: '42', expiry: 60 }), ok(42, 60)),
    'period fraction': () => getJ(v60, ok('v', 59.5)),
    'period string': () => getJ(v60, ok('v', '60')),
    'period over max': () => getJ(v60, ok('v', model.MODEL_MAX_PERIOD + 1)),
    'period at max, not counting down': () => getJ(at(gen({ value: 'v', expiry: model.MODEL_MAX_PERIOD }), 1000), ok('v', model.MODEL_MAX_PERIOD)),
    'rounded up, counting': () => getJ(at(v60, 500), ok('v', 60)),
    'rounded up, not the period': () => getJ(at(v60, 1500), ok('v', 59)),
    'rounded up, or the old expiry kept': () => getJ(at(model.set(at(gen({ value: 'v', expiry: 61 }), 500), K, 'w', 60).state, 5200), ok('w', 55)),
    'rounded up counting, or the old expiry kept': () => getJ(at(model.set(at(gen({ value: 'v', expiry: 61 }), 500), K, 'w', 60).state, 500), ok('w', 60)),
    'whole second +1 not rounding': () => getJ(at(v60, 1000), ok('v', 60)),
    'not counting down': () => getJ(at(v60, 5000), ok('v', 60)),
    'restart fits': () => getJ(model.set(gen({ value: 'v', expiry: 100 }), K, 'w', 10).state, ok('w', 100)),
    'one short': () => getJ(v60, ok('v', 59)),
    'default ignored period': () => getJ(gen({ value: 'v' }), ok('v', 100)),
    'period long': () => getJ(v60, ok('v', 80)),
    'period short': () => getJ(v60, ok('v', 50)),
    'upd shape': () => updJ(v60, 'set', 'yes'),
    'upd shape touch': () => updJ(v60, 'touch', undefined),
    'upd cleared': () => updJ(model.clear(v60, K).state, 'touch', 'ok'),
    'upd zero': () => updJ(at(gen({ value: 'v', expiry: 0 }), 1), 'set', 'ok'),
    'upd zero answered not_found: no zero rule': () => updJ(at(gen({ value: 'v', expiry: 0 }), 1), 'set', 'not_found'),
    'upd expired': () => updJ(at(v60, 60_001), 'set', 'ok'),
    'upd expired in previous': () => updJ(at(model.set(v60, K, 'w', 1).state, 2000), 'touch', 'ok'),
    'upd unknown': () => updJ(fresh(), 'set', 'ok'),
    'upd early': () => updJ(at(v60, 60_000), 'touch', 'not_found'),
    'upd long': () => updJ(at(gen({ value: 'v', expiry: 3_000_000 }), 1000), 'set', 'not_found'),
    'upd default lost': () => updJ(at(gen({ value: 'v' }), 1000), 'set', 'not_found'),
    'upd past previous': () => updJ(at(model.set(at(gen({ value: 'v', expiry: 10 }), 5000), K, 'w', 60).state, 20_000), 'touch', 'not_found'),
    'upd past previous from default': () => updJ(at(model.touch(at(gen({ value: 'v', expiry: 10 }), 5000), K).state, 20_000), 'touch', 'not_found'),
    'upd live lost': () => updJ(at(v60, 1000), 'set', 'not_found'),
    'late fractional in ceil': () => model.measureLate(T0 + 500, T0 + 1000),
    'late fractional past ceil': () => model.measureLate(T0 + 500, T0 + 1001),
    'late whole': () => model.measureLate(T0, T0 + 1),
    'early fractional at': () => model.measureEarly(T0 + 500, T0 + 500),
    'early whole at': () => model.measureEarly(T0, T0),
    'early fractional after floor': () => model.measureEarly(T0 + 500, T0 + 1),
    'early fractional at floor': () => model.measureEarly(T0 + 500, T0),
    'early whole before': () => model.measureEarly(T0, T0 - 10),
    'key number': () => model.judgeKey(fresh(), 42),
    'key array': () => model.judgeKey(model.generate(fresh(), K, {}).state, [K]),
    'key short ok chars': () => model.judgeKey(fresh(), 'abc'),
    'key short bad chars': () => model.judgeKey(fresh(), 'ab='),
    'key 21': () => model.judgeKey(fresh(), 'a'.repeat(21)),
    'key 512': () => model.judgeKey(fresh(), 'a'.repeat(512)),
    'key 513': () => model.judgeKey(fresh(), 'a'.repeat(513)),
    'key reused live': () => model.judgeKey(v60, K),
    'key reused expired': () => model.judgeKey(at(v60, 60_001), K),
    'key reused at expiry': () => model.judgeKey(at(v60, 60_000), K),
    'key cleared': () => model.judgeKey(model.clear(v60, K).state, K),
    'liveKeys': () => model.liveKeys(at(model.generate(v60, 'H'.repeat(22), { expiry: 100 }).state, 60_001)),
    'liveKeys at': () => model.liveKeys(at(model.generate(v60, 'H'.repeat(22), { expiry: 100 }).state, 60_000)),
  };
  /** What each scenario must give: the root cause id, the rule as reported, and the deviation measured. */
  const expected: Record<string, unknown> = {
    "shape null": {"id": "lookup-shape", "rule": "get resolves { status: \"ok\" | \"not_found\" | \"not_set\" } (SPEC §4)"},
    "shape string": {"id": "lookup-shape", "rule": "get resolves { status: \"ok\" | \"not_found\" | \"not_set\" } (SPEC §4)"},
    "shape status": {"id": "lookup-shape", "rule": "get resolves { status: \"ok\" | \"not_found\" | \"not_set\" } (SPEC §4)"},
    "zero outlived": {"id": "zero-expiry-as-default", "rule": "an expiry of 0 is a lifetime of 0 s, not \"no expiry given\": the session expires as soon as the context clock moves past now + 0 (SPEC §1)"},
    "zero period too long": {"id": "zero-expiry-as-default", "rule": "an expiry of 0 is a lifetime of 0 s, not \"no expiry given\": the session expires as soon as the context clock moves past now + 0 (SPEC §1)"},
    "zero after set within previous": {"id": "zero-expiry-as-default", "rule": "an expiry of 0 is a lifetime of 0 s, not \"no expiry given\": the session expires as soon as the context clock moves past now + 0 (SPEC §1); or set and touch restart the lifetime, the new expiry counts from the call (SPEC §4)"},
    "zero after set past previous": {"id": "zero-expiry-as-default", "rule": "an expiry of 0 is a lifetime of 0 s, not \"no expiry given\": the session expires as soon as the context clock moves past now + 0 (SPEC §1)"},
    "cleared found": {"id": "cleared-key-found", "rule": "a cleared key reads not_found: clear removes the session (SPEC §4)"},
    "restarted not: previous live": {"id": "lifetime-not-restarted", "rule": "an expired session reads not_found (SPEC §1: expired once now > expiresAt, measured by the context clock); it was still within its previous lifetime: set and touch restart the lifetime, the new expiry counts from the call (SPEC §4)"},
    "late by 1ms": {"id": "expiry-late", "rule": "a session is expired once now > expiresAt: 1 ms after its expiry it reads not_found (SPEC §1, measured by the context clock)", "measured": "expiry is at least 1 ms late"},
    "late by 5s": {"id": "expiry-late", "rule": "an expired session reads not_found (SPEC §1: expired once now > expiresAt, measured by the context clock)", "measured": "expiry is at least 5000 ms late"},
    "gone key found": {"id": "gone-key-found", "rule": "a key that is gone reads not_found (SPEC §4)"},
    "unknown key found": {"id": "unknown-key-found", "rule": "a key this backend never handed out reads not_found (SPEC §2)"},
    "early at instant": {"id": "expiry-early", "rule": "a session is still live at now == expiresAt (SPEC §1: live while now <= expiresAt)", "measured": "expiry is 1 ms early (gone at its expiry instant)"},
    "early at instant, fractional": {"id": "expiry-early", "rule": "a session is still live at now == expiresAt (SPEC §1: live while now <= expiresAt)", "measured": "expiry is at least 1 ms early (gone at its expiry instant; up to 999 ms if kept in whole seconds, truncated)"},
    "long lifetime lost": {"id": "long-lifetime-lost", "rule": "a session lives its whole period, however long: one of 3000000 s (about 2^31 ms or more, where setTimeout fires at once and 32-bit counters wrap) must still be found (SPEC §1, §4)"},
    "long lifetime, past previous": {"id": "lifetime-not-restarted", "rule": "a live session must be found (SPEC §4 get); it was past its previous expiry: set and touch restart the lifetime, the new expiry counts from the call (SPEC §4)"},
    "lost past previous expiry": {"id": "lifetime-not-restarted", "rule": "a live session must be found (SPEC §4 get); it was past its previous expiry: set and touch restart the lifetime, the new expiry counts from the call (SPEC §4)"},
    "lost from default": {"id": "default-period-ignored", "rule": "a live session must be found (SPEC §4 get); its lifetime came from an omitted expiry, which means defaultPeriod() at the time of the call (SPEC §4)"},
    "lost close to expiry": {"id": "expiry-early", "rule": "a live session must be found (SPEC §4 get)", "measured": "expiry is at least 501 ms early"},
    "lost close to expiry fractional": {"id": "expiry-early", "rule": "a live session must be found (SPEC §4 get)", "measured": "expiry is up to 999 ms early (whole seconds, truncated)"},
    "live lost": {"id": "live-session-lost", "rule": "a live session must be found (SPEC §4 get)"},
    "not set lost": {"id": "not-set-lost", "rule": "a session generated without a value reads not_set, and touch keeps it that way (SPEC §3, §4 touch)"},
    "empty as no value": {"id": "empty-string-as-no-value", "rule": "\"\" is a value, not \"no value\": it reads ok with \"\" (SPEC §3)"},
    "value lost": {"id": "value-lost", "rule": "a session holding a value reads ok; touch leaves the value untouched (SPEC §3, §4 touch)"},
    "json reprinted": {"id": "value-mangled", "rule": "values are stored and returned exactly: text that parses as JSON is a string like any other, never parsed and re-printed (SPEC §3)"},
    "json string": {"id": "value-mangled", "rule": "values are stored and returned exactly: text that parses as JSON is a string like any other, never parsed and re-printed (SPEC §3)"},
    "nfc": {"id": "value-mangled", "rule": "values are stored and returned exactly: no Unicode normalisation, NFC and NFD forms of one text are different values (SPEC §3)"},
    "nfd": {"id": "value-mangled", "rule": "values are stored and returned exactly: no Unicode normalisation, NFC and NFD forms of one text are different values (SPEC §3)"},
    "controls": {"id": "value-mangled", "rule": "values are stored and returned exactly: NUL, CR, LF and other control characters are kept (SPEC §3)"},
    "trimmed": {"id": "value-mangled", "rule": "values are stored and returned exactly: surrounding spaces are kept (SPEC §3)"},
    "truncated": {"id": "value-truncated", "rule": "values are stored and returned exactly: a value of 6 UTF-16 units came back cut to 3 (SPEC §3)"},
    "changed": {"id": "value-changed", "rule": "values are stored and returned exactly, non-ASCII included (SPEC §3)"},
    "changed longer": {"id": "value-changed", "rule": "values are stored and returned exactly, non-ASCII included (SPEC §3)"},
    "changed prefix not": {"id": "value-changed", "rule": "values are stored and returned exactly, non-ASCII included (SPEC §3)"},
    "changed number": {"id": "value-changed", "rule": "values are stored and returned exactly, non-ASCII included (SPEC §3)"},
    "period fraction": {"id": "period-not-whole-seconds", "rule": "the remaining period is a whole number of seconds (SPEC §1)"},
    "period string": {"id": "period-not-whole-seconds", "rule": "the remaining period is a whole number of seconds (SPEC §1)"},
    "period over max": {"id": "expiry-not-context-clock", "rule": "expiry is measured only by the context clock: a remaining period over 400 days means it was not counted from clock.now() (SPEC §1, §4)"},
    "period at max, not counting down": {"id": "period-not-counting-down", "rule": "the remaining period counts down: get reports what is left, not the period the session was stored with (SPEC §1)"},
    "rounded up, counting": {"id": "period-rounding", "rule": "the remaining period counts down and is rounded down: Math.floor((expiresAt - now) / 1000) (SPEC §1)", "measured": "the remaining period is 1 s too long"},
    "rounded up, not the period": {"id": "period-rounding", "rule": "the remaining period is rounded down: Math.floor((expiresAt - now) / 1000) (SPEC §1)", "measured": "the remaining period is 1 s too long"},
    "rounded up, or the old expiry kept": {"id": "period-rounding", "rule": "the remaining period is rounded down: Math.floor((expiresAt - now) / 1000) (SPEC §1); or set and touch restart the lifetime: the new expiry counts from the call (SPEC §4)", "measured": "the remaining period is 1 s too long"},
    "rounded up counting, or the old expiry kept": {"id": "period-rounding", "rule": "the remaining period counts down and is rounded down: Math.floor((expiresAt - now) / 1000) (SPEC §1); or set and touch restart the lifetime: the new expiry counts from the call (SPEC §4)", "measured": "the remaining period is 1 s too long"},
    "whole second +1 not rounding": {"id": "period-not-counting-down", "rule": "the remaining period counts down: get reports what is left, not the period the session was stored with (SPEC §1)"},
    "not counting down": {"id": "period-not-counting-down", "rule": "the remaining period counts down: get reports what is left, not the period the session was stored with (SPEC §1)"},
    "restart fits": {"id": "lifetime-not-restarted", "rule": "set and touch restart the lifetime: the new expiry counts from the call (SPEC §4)"},
    "one short": {"id": "period-rounding", "rule": "the remaining period is Math.floor((expiresAt - now) / 1000), counted down from the last generate/set/touch (SPEC §1, §4)", "measured": "the remaining period is 1 s too short"},
    "default ignored period": {"id": "default-period-ignored", "rule": "an omitted expiry means defaultPeriod() at the time of the call (SPEC §4); the remaining period counts down from it (SPEC §1)"},
    "period long": {"id": "period-wrong", "rule": "the remaining period is Math.floor((expiresAt - now) / 1000), counted down from the last generate/set/touch (SPEC §1, §4)", "measured": "the remaining period is 20 s too long"},
    "period short": {"id": "period-wrong", "rule": "the remaining period is Math.floor((expiresAt - now) / 1000), counted down from the last generate/set/touch (SPEC §1, §4)", "measured": "the remaining period is 10 s too short"},
    "upd shape": {"id": "update-shape", "rule": "set resolves 'ok' or 'not_found' (SPEC §4)"},
    "upd shape touch": {"id": "update-shape", "rule": "touch resolves 'ok' or 'not_found' (SPEC §4)"},
    "upd cleared": {"id": "revives-cleared", "rule": "touch never revives a cleared key: it resolves not_found and stores nothing (SPEC §4)"},
    "upd zero": {"id": "zero-expiry-as-default", "rule": "set never revives an expired key: an expiry of 0 is a lifetime of 0 s, not \"no expiry given\": the session expires as soon as the context clock moves past now + 0 (SPEC §1)"},
    "upd zero answered not_found: no zero rule": {"id": "revives-cleared", "rule": "set never revives an expired key: it resolves not_found (SPEC §4; expired once now > expiresAt, measured by the context clock, §1)"},
    "upd expired": {"id": "revives-cleared", "rule": "set never revives an expired key: it resolves not_found (SPEC §4; expired once now > expiresAt, measured by the context clock, §1)"},
    "upd expired in previous": {"id": "lifetime-not-restarted", "rule": "touch never revives an expired key: it resolves not_found (SPEC §4; expired once now > expiresAt, measured by the context clock, §1); it was still within its previous lifetime: set and touch restart the lifetime, the new expiry counts from the call (SPEC §4)"},
    "upd unknown": {"id": "revives-cleared", "rule": "set on a key this backend never handed out resolves not_found and stores nothing (SPEC §2, §4)"},
    "upd early": {"id": "expiry-early", "rule": "touch updates a session that is live at now == expiresAt (SPEC §1: live while now <= expiresAt)", "measured": "expiry is 1 ms early (gone at its expiry instant)"},
    "upd long": {"id": "long-lifetime-lost", "rule": "set updates a live session: a session lives its whole period, however long: one of 3000000 s (about 2^31 ms or more, where setTimeout fires at once and 32-bit counters wrap) must still be found (SPEC §1, §4)"},
    "upd default lost": {"id": "default-period-ignored", "rule": "set updates a live session and resolves ok (SPEC §4); its lifetime came from an omitted expiry, which means defaultPeriod() at the time of the call (SPEC §4)"},
    "upd past previous": {"id": "lifetime-not-restarted", "rule": "touch updates a live session and resolves ok (SPEC §4); it was past its previous expiry: set and touch restart the lifetime, the new expiry counts from the call (SPEC §4)"},
    "upd past previous from default": {"id": "lifetime-not-restarted", "rule": "touch updates a live session and resolves ok (SPEC §4); it was past its previous expiry: set and touch restart the lifetime, the new expiry counts from the call (SPEC §4); or its lifetime came from an omitted expiry, which means defaultPeriod() at the time of the call (SPEC §4)"},
    "upd live lost": {"id": "live-session-lost", "rule": "set updates a live session and resolves ok (SPEC §4)"},
    "late fractional in ceil": "expiry is up to 999 ms late (whole seconds)",
    "late fractional past ceil": "expiry is at least 501 ms late",
    "late whole": "expiry is at least 1 ms late",
    "early fractional at": "expiry is at least 1 ms early (gone at its expiry instant; up to 999 ms if kept in whole seconds, truncated)",
    "early whole at": "expiry is 1 ms early (gone at its expiry instant)",
    "early fractional after floor": "expiry is up to 999 ms early (whole seconds, truncated)",
    "early fractional at floor": "expiry is at least 501 ms early",
    "early whole before": "expiry is at least 11 ms early",
    "key number": {"id": "key-format", "rule": "generate must resolve a string key, got number (SPEC §2)"},
    "key array": {"id": "key-format", "rule": "generate must resolve a string key, got object (SPEC §2)"},
    "key short ok chars": {"id": "key-format", "rule": "a generated key has at least 22 characters (128 bits), got 3 (SPEC §2)"},
    "key short bad chars": {"id": "key-format", "rule": "a generated key uses only [A-Za-z0-9_-] (base64url, no padding) (SPEC §2)"},
    "key 21": {"id": "key-format", "rule": "a generated key has at least 22 characters (128 bits), got 21 (SPEC §2)"},
    "key 512": null,
    "key 513": {"id": "key-format", "rule": "a generated key is at most 512 characters, got 513: the manager never looks up a longer cookie value, so every request would start a new session (SPEC §2, §5)"},
    "key reused live": {"id": "key-reused", "rule": "a key is never handed out twice (SPEC §2)"},
    "key reused expired": {"id": "key-reused", "rule": "an expired key is never handed out again (SPEC §2)"},
    "key reused at expiry": {"id": "key-reused", "rule": "a key is never handed out twice (SPEC §2)"},
    "key cleared": {"id": "key-reused", "rule": "a cleared key is never handed out again (SPEC §2)"},
    "liveKeys": ["HHHHHHHHHHHHHHHHHHHHHH"],
    "liveKeys at": ["GGGGGGGGGGGGGGGGGGGGGG", "HHHHHHHHHHHHHHHHHHHHHH"],
  };

  it('has an expectation for every scenario and a scenario for every expectation', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(scenarios).sort());
  });

  it.each(Object.keys(scenarios))('%s', (name) => {
    expect(scenarios[name]!() ?? null).toStrictEqual(expected[name]);
  });
});

describe('backend model: boundaries the judgements turn on', () => {
  const key = 'J'.repeat(22);
  const state = withSession({ value: 'v', expiry: 60 }, key);

  it('a 512-character key handed out before is key-reused, one of 513 is key-format', () => {
    const long = 'L'.repeat(512);
    const issued = model.generate(model.initialBackendModel(T0, 60), long, {}).state;
    expect(model.judgeKey(issued, long)).toEqual({ id: 'key-reused', rule: 'a key is never handed out twice (SPEC §2)' });
  });

  it('a key issued but no longer held (and not cleared) is one handed out twice, not an expired one', () => {
    const gone = { ...model.initialBackendModel(T0, 60), issued: new Set([key]) };
    expect(model.keyProblem(gone, key)).toBe('a key is never handed out twice (SPEC §2)');
  });

  it('set and touch record whether the lifetime came from the default, and resolve ok', () => {
    const set = model.set(state, key, 'w', 10);
    expect(set.result).toBe('ok');
    expect(set.state.records.get(key)).toMatchObject({ fromDefault: false, period: 10, previousExpiresAt: T0 + 60_000 });
    expect(model.set(state, key, 'w').state.records.get(key)).toMatchObject({ fromDefault: true, period: 3600 });
    const touched = model.touch(state, key);
    expect(touched.result).toBe('ok');
    expect(touched.state.records.get(key)).toMatchObject({ value: 'v', fromDefault: true, period: 3600 });
    expect(model.touch(state, key, 5).state.records.get(key)).toMatchObject({ fromDefault: false, period: 5 });
  });
});

describe('backend model: which answers outlive an expiry of 0', () => {
  const key = 'Z'.repeat(22);
  const zero = withSession({ value: 'v', expiry: 0 }, key);
  const judge = (state: BackendModel, actual: unknown) => model.judgeGet(state, key, model.get(state, key).result, actual as never);

  it('not an answer of not_found, nor a changed value with 0 s left, nor a period that is not a number', () => {
    expect(judge(zero, { status: 'not_found' }).id).toBe('expiry-early');
    expect(judge(model.advance(zero, 1), { status: 'not_found' }).id).toBe('expiry-late');
    expect(judge(zero, { status: 'ok', value: 'x', period: 0 }).id).toBe('value-changed');
    expect(judge(zero, { status: 'ok', value: 'v', period: '5' }).id).toBe('period-not-whole-seconds');
  });

  it('an answer that is undefined is the wrong shape, not a crash', () => {
    expect(judge(zero, undefined).id).toBe('lookup-shape');
  });

  it('a value that is not a string is changed, never truncated', () => {
    const state = withSession({ value: '42abc', expiry: 60 }, key);
    expect(judge(state, { status: 'ok', value: ['42'], period: 60 }).id).toBe('value-changed');
  });

  it('a key cleared, then handed out again and expired, is judged by its record, not as cleared', () => {
    const again = model.generate(model.clear(zero, key).state, key, { value: 'v', expiry: 1 }).state;
    expect(judge(model.advance(again, 2_000), { status: 'ok', value: 'v', period: 0 }).id).toBe('expiry-late');
  });
});

describe('backend model: the edges mutation testing found unjudged', () => {
  const K = 'M'.repeat(22);
  const fresh = (now = T0, defaultPeriod = 3600) => model.initialBackendModel(now, defaultPeriod);
  const gen = (options: { value?: string; expiry?: number }, now = T0, defaultPeriod = 3600) => model.generate(fresh(now, defaultPeriod), K, options).state;
  const at = (state: BackendModel, ms: number) => model.advance(state, ms);
  const getJ = (state: BackendModel, actual: unknown) => model.judgeGet(state, K, model.get(state, K).result, actual as never);
  const ok = (value: unknown, period: unknown) => ({ status: 'ok', value, period });
  const nf = { status: 'not_found' };
  const v60 = gen({ value: 'v', expiry: 60 });

  it('judges against the expected answer it is given even when the state holds no record, without throwing', () => {
    const none = fresh();
    const live = { status: 'ok', value: 'v', period: 5 } as const;
    expect(model.judgeGet(none, K, live, nf)).toEqual({ id: 'live-session-lost', rule: 'a live session must be found (SPEC §4 get)' });
    expect(model.judgeGet(none, K, live, ok('v', 6))).toEqual({
      id: 'period-rounding',
      rule: 'the remaining period is rounded down: Math.floor((expiresAt - now) / 1000) (SPEC §1)',
      measured: 'the remaining period is 1 s too long',
    });
    expect(model.judgeGet(none, K, live, ok('v', 9)).measured).toBe('the remaining period is 4 s too long');
    expect(model.judgeUpdate(none, 'set', K, 'ok', 'not_found')).toEqual({ id: 'live-session-lost', rule: 'set updates a live session and resolves ok (SPEC §4)' });
  });

  it('a key of 22 characters or more with a character outside base64url, at either end, is named by its alphabet', () => {
    for (const key of [`${'a'.repeat(30)}!`, `!${'a'.repeat(30)}`]) {
      expect(model.judgeKey(fresh(), key)).toEqual({ id: 'key-format', rule: 'a generated key uses only [A-Za-z0-9_-] (base64url, no padding) (SPEC §2)' });
    }
  });

  it('a value lost from a session given 0 s is a lost value, whatever period the answer carries', () => {
    const zero = gen({ value: 'v', expiry: 0 });
    expect(model.judgeGet(zero, K, { status: 'ok', value: 'v', period: 0 }, { status: 'not_set', period: 5 } as never).id).toBe('value-lost');
  });

  it('a default period of 0 outlived is an expiry judged late, not 0 read as "no expiry"', () => {
    expect(getJ(at(gen({ value: 'v' }, T0, 0), 1), ok('v', 0)).id).toBe('expiry-late');
  });

  it('an expiry of 0 set over an older lifetime names both causes up to that lifetime\'s last instant', () => {
    const state = model.set(gen({ value: 'v', expiry: 1 }), K, 'w', 0).state;
    expect(getJ(at(state, 1000), ok('w', 0)).rule).toMatch(/; or set and touch restart the lifetime/);
    expect(getJ(at(state, 1001), ok('w', 0)).rule).not.toMatch(/; or set/);
  });

  it('a session lost within its previous lifetime is lost, not unrestarted; at that lifetime\'s end too', () => {
    expect(getJ(at(model.set(v60, K, 'w', 10).state, 5000), nf)).toEqual({ id: 'live-session-lost', rule: 'a live session must be found (SPEC §4 get)' });
    expect(getJ(at(model.set(v60, K, 'w', 120).state, 60_000), nf)).toEqual({ id: 'live-session-lost', rule: 'a live session must be found (SPEC §4 get)' });
  });

  it('a session lost with exactly a second left is lost, not early', () => {
    expect(getJ(at(v60, 59_000), nf).id).toBe('live-session-lost');
  });

  it('a long lifetime: from 2,061,084 s on, lost within an earlier lifetime or at its end still long; by default never', () => {
    const rule = (period: number) => `a session lives its whole period, however long: one of ${period} s (about 2^31 ms or more, where setTimeout fires at once and 32-bit counters wrap) must still be found (SPEC §1, §4)`;
    expect(getJ(at(gen({ value: 'v', expiry: 2_061_084 }), 1000), nf)).toEqual({ id: 'long-lifetime-lost', rule: rule(2_061_084) });
    expect(getJ(at(gen({ value: 'v', expiry: 2_061_083 }), 1000), nf).id).toBe('live-session-lost');
    const within = model.set(at(gen({ value: 'v', expiry: 3_000_000 }), 1000), K, 'w', 3_000_000).state;
    expect(getJ(at(within, 1000), nf)).toEqual({ id: 'long-lifetime-lost', rule: rule(3_000_000) });
    const atEnd = model.set(gen({ value: 'v', expiry: 3_000_000 }), K, 'w', 3_000_001).state;
    expect(getJ(at(atEnd, 3_000_000_000), nf)).toEqual({ id: 'long-lifetime-lost', rule: rule(3_000_001) });
    expect(getJ(at(gen({ value: 'v' }, T0, 3_000_000), 1000), nf).id).toBe('default-period-ignored');
    const bare = { ...fresh(), records: new Map([[K, { value: 'v', expiresAt: T0 + 60_000 }]]), issued: new Set([K]) };
    expect(getJ(at(bare, 1000), nf)).toEqual({ id: 'live-session-lost', rule: 'a live session must be found (SPEC §4 get)' });
  });

  it('a value that parses as JSON but came back as something else is changed, not re-printed', () => {
    expect(getJ(gen({ value: '{"a": 1}', expiry: 60 }), ok('zzz', 60)).id).toBe('value-changed');
  });

  it('a whole remaining period that is the stored one, at a fractional instant, is not counting down, not rounding', () => {
    expect(getJ(at(gen({ value: 'v', expiry: 60 }, T0 + 300), 1000), ok('v', 60)).id).toBe('period-not-counting-down');
  });

  it('a period off by more than the old lifetime explains is wrong, not unrestarted', () => {
    expect(getJ(model.set(v60, K, 'w', 10).state, ok('w', 30))).toEqual({
      id: 'period-wrong',
      rule: 'the remaining period is Math.floor((expiresAt - now) / 1000), counted down from the last generate/set/touch (SPEC §1, §4)',
      measured: 'the remaining period is 20 s too long',
    });
  });

  it('an expired session found names its previous lifetime only up to that lifetime\'s last instant', () => {
    expect(getJ(at(model.set(gen({ value: 'v', expiry: 1 }), K, 'w', 2).state, 3000), ok('w', 0)).id).toBe('expiry-late');
    expect(getJ(at(model.set(gen({ value: 'v', expiry: 2 }), K, 'w', 1).state, 2000), ok('w', 0)).id).toBe('lifetime-not-restarted');
  });

  it('an update that revives a key cleared and handed out again is judged by its record, not as cleared', () => {
    const again = at(model.generate(model.clear(v60, K).state, K, { value: 'v', expiry: 1 }).state, 2000);
    expect(model.judgeUpdate(again, 'touch', K, 'not_found', 'ok').rule).toBe(
      'touch never revives an expired key: it resolves not_found (SPEC §4; expired once now > expiresAt, measured by the context clock, §1)',
    );
  });
});
