import { describe, expect, it } from 'vitest';
import * as model from './backend-model.js';

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
