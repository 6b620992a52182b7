import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { history } from '../fixtures/histories.js';
import { ANOMALY_RULES, namedAnomaly } from './concurrency-anomalies.js';
import { checkBackendHistory, KeyNames, type BackendHistoryEntry, type BackendOperation, type BackendResponse } from './concurrency-history.js';

const START = 1_000_000;
const K = 'Kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk';

const generate = (value?: string): BackendOperation => ({ kind: 'generate', key: K, value, expiry: 5 });
const set = (value: string): BackendOperation => ({ kind: 'set', key: K, value, expiry: 5 });
const touch: BackendOperation = { kind: 'touch', key: K, expiry: 5 };
const clear: BackendOperation = { kind: 'clear', key: K };
const get: BackendOperation = { kind: 'get', key: K };
const ok = (value: string): BackendResponse => ({ status: 'ok', value, period: 5 });
const NOT_FOUND: BackendResponse = { status: 'not_found' };

/** The anomaly named in `h`, after checking that the checker agrees no order explains `h`. */
function named(h: BackendHistoryEntry[]) {
  expect(checkBackendHistory(h, START).linearizable).toBe(false);
  return namedAnomaly(h, K, new KeyNames());
}

describe('namedAnomaly: what a history no order explains shows', () => {
  test('a key handed out twice', () => {
    expect(named(history([generate('a'), 0, 1], [generate('b'), 2, 3]))).toMatchObject({ rule: ANOMALY_RULES.keyReused, id: 'key-reused' });
  });

  test('a set overlapping a clear, then the session back', () => {
    const h = history([generate('v0'), 0, 1], [set('a'), 2, 5, 'ok'], [clear, 3, 4], [get, 6, 7, ok('a')]);
    expect(named(h)).toMatchObject({ rule: ANOMALY_RULES.revived, id: 'revives-cleared', calls: [3, 4] });
  });

  test('a touch overlapping a clear, then the session back: the touch wrote its stale copy back', () => {
    const h = history([generate('v0'), 0, 1], [touch, 2, 5, 'ok'], [clear, 3, 4], [get, 6, 7, ok('v0')]);
    expect(named(h)).toMatchObject({ rule: ANOMALY_RULES.touchRestores, id: undefined, calls: [3, 4, 2] });
  });

  test('a live session missing while a set replaced it', () => {
    const h = history([generate('v0'), 0, 1], [set('a'), 2, 5, 'ok'], [get, 3, 4, NOT_FOUND], [get, 6, 7, ok('a')]);
    expect(named(h)).toMatchObject({ rule: ANOMALY_RULES.missing, id: 'live-session-missing', calls: [3, 4] });
  });

  test('an overwritten value back: with a touch in between, the touch; with none, a stale value', () => {
    const withTouch = history([generate('v0'), 0, 1], [touch, 2, 6, 'ok'], [set('a'), 3, 4, 'ok'], [get, 7, 8, ok('v0')]);
    expect(named(withTouch)).toMatchObject({ rule: ANOMALY_RULES.touchRestores, calls: [1, 3, 4, 2] });
    const stale = history([generate('v0'), 0, 1], [set('a'), 2, 3, 'ok'], [get, 4, 5, ok('v0')]);
    expect(named(stale)).toMatchObject({ rule: ANOMALY_RULES.staleValue, id: 'stale-value' });
  });

  test('nothing named where an order explains the history, or where only the search can tell', () => {
    const linearizable = [
      // The set may go first: the get after the clear finds nothing.
      history([generate('v0'), 0, 1], [set('a'), 2, 5, 'ok'], [clear, 3, 4], [get, 6, 7, NOT_FOUND]),
      // A get overlapping the clear may come before it.
      history([generate('v0'), 0, 1], [clear, 2, 5], [get, 3, 4, ok('v0')]),
      // A get overlapping a set may read the old value.
      history([generate('v0'), 0, 1], [set('a'), 2, 5, 'ok'], [get, 3, 4, ok('v0')]),
      // A set whose outcome is unknown may have landed at any time after it began.
      history([generate('v0'), 0, 1], [set('a'), 2, null], [get, 3, 4, ok('a')], [get, 5, 6, ok('a')]),
    ];
    for (const h of linearizable) {
      expect(checkBackendHistory(h, START).linearizable).toBe(true);
      expect(namedAnomaly(h, K, new KeyNames())).toBeUndefined();
    }
  });

  test('sound: whenever it names an anomaly, no one-at-a-time order explains the history', () => {
    const values = fc.constantFrom('a', 'b');
    const operation: fc.Arbitrary<BackendOperation> = fc.oneof(
      values.map((value) => set(value)),
      fc.constant(touch),
      fc.constant(clear),
      fc.constant(get),
      fc.option(values, { nil: undefined }).map((value) => generate(value)),
    );
    const response = fc.constantFrom<BackendResponse>(ok('a'), ok('b'), NOT_FOUND, { status: 'not_set' }, 'ok', 'not_found');
    const call = fc.record({ operation, start: fc.nat({ max: 20 }), length: fc.integer({ min: 1, max: 6 }), response, settles: fc.boolean() });
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 7 }), (calls) => {
        // Distinct instants: each call's start and end get their own slots.
        const h = history(
          [generate('v0'), 0, 1],
          ...calls.map(({ operation, start, length, response, settles }, i): [BackendOperation, number, number | null, BackendResponse] => {
            const invokedAt = 2 + start * 16 + i;
            const answer = operation.kind === 'get' ? (typeof response === 'string' ? NOT_FOUND : response) : operation.kind === 'set' || operation.kind === 'touch' ? (response === 'ok' ? 'ok' : 'not_found') : 'done';
            return [operation, invokedAt, settles || operation.kind === 'get' ? invokedAt + length * 16 + 8 : null, answer];
          }),
        );
        if (namedAnomaly(h, K, new KeyNames()) !== undefined) expect(checkBackendHistory(h, START).linearizable).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
