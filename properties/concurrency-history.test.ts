import { describe, expect, test } from 'vitest';
import { history } from '../fixtures/histories.js';
import {
  checkBackendHistory,
  HistoryRecorder,
  KeyNames,
  renderTimeline,
  type BackendOperation,
  type BackendResponse,
} from './concurrency-history.js';

const START = 1_000_000;
const K = 'Kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk';
const L = 'Llllllllllllllllllllllllllllll';

const generate = (key: string, value?: string, expiry = 5): BackendOperation => ({ kind: 'generate', key, value, expiry });
const set = (key: string, value: string, expiry = 5): BackendOperation => ({ kind: 'set', key, value, expiry });
const touch = (key: string, expiry = 5): BackendOperation => ({ kind: 'touch', key, expiry });
const clear = (key: string): BackendOperation => ({ kind: 'clear', key });
const get = (key: string): BackendOperation => ({ kind: 'get', key });
const ok = (value: string, period = 5): BackendResponse => ({ status: 'ok', value, period });
const NOT_FOUND: BackendResponse = { status: 'not_found' };

describe('checkBackendHistory (the backend model as the sequential specification)', () => {
  test('a set racing a clear: either order is fine while the key stays cleared', () => {
    const h = history(
      [generate(K, 'v0'), 0, 1],
      [set(K, 'a'), 2, 5, 'ok'],
      [clear(K), 3, 4],
      [get(K), 6, 7, NOT_FOUND],
    );
    expect(checkBackendHistory(h, START).linearizable).toBe(true);
  });

  test('a set that revives a concurrently cleared key is not linearizable', () => {
    // set answered ok, so it went before the clear; the clear finished before the get began.
    const h = history(
      [generate(K, 'v0'), 0, 1],
      [set(K, 'a'), 2, 5, 'ok'],
      [clear(K), 3, 4],
      [get(K), 6, 7, ok('a')],
    );
    const result = checkBackendHistory(h, START);
    expect(result.linearizable).toBe(false);
    if (!result.linearizable) {
      expect(result.partition).toBe(K);
      expect(result.stuckAt).toEqual([4]);
    }
  });

  test('a touch that writes back a stale value is not linearizable', () => {
    const h = history(
      [generate(K, 'old'), 0, 1],
      [touch(K), 2, 5, 'ok'],
      [set(K, 'new'), 3, 4, 'ok'],
      [get(K), 6, 7, ok('old')],
    );
    expect(checkBackendHistory(h, START).linearizable).toBe(false);
    const honest = history(
      [generate(K, 'old'), 0, 1],
      [touch(K), 2, 5, 'ok'],
      [set(K, 'new'), 3, 4, 'ok'],
      [get(K), 6, 7, ok('new')],
    );
    expect(checkBackendHistory(honest, START).linearizable).toBe(true);
  });

  test('a touch keeps "no value" (not_set) and restarts the lifetime', () => {
    const h = history(
      [generate(K, undefined, 1), 0, 1],
      [{ kind: 'advance', ms: 1000 }, 2, 3],
      [touch(K, 5), 4, 5, 'ok'],
      [{ kind: 'advance', ms: 2000 }, 6, 7],
      [get(K), 8, 9, { status: 'not_set' }],
    );
    expect(checkBackendHistory(h, START).linearizable).toBe(true);
  });

  test('expiry is judged at the point a call takes effect, by the clock moves before it', () => {
    const h = history(
      [generate(K, 'v', 1), 0, 1],
      [{ kind: 'advance', ms: 1001 }, 2, 3],
      [set(K, 'late'), 4, 5, 'ok'], // expired 1 ms ago: must be not_found
    );
    expect(checkBackendHistory(h, START).linearizable).toBe(false);
  });

  test('a key handed out twice is not linearizable', () => {
    const h = history([generate(K, 'a'), 0, 1], [generate(K, 'b'), 2, 3]);
    expect(checkBackendHistory(h, START).linearizable).toBe(false);
  });

  test('keys are checked apart: a failure names the key that broke', () => {
    const h = history(
      [generate(K, 'k'), 0, 1],
      [generate(L, 'l'), 2, 3],
      [get(K), 4, 5, ok('k')],
      [get(L), 6, 7, ok('k')],
    );
    const result = checkBackendHistory(h, START);
    expect(result.linearizable).toBe(false);
    if (!result.linearizable) expect(result.partition).toBe(L);
  });

  describe('calls of unknown outcome', () => {
    test('a timed-out clear may have happened: not_found afterwards is explained', () => {
      const h = history([generate(K, 'v0'), 0, 1], [clear(K), 2, null], [get(K), 3, 4, NOT_FOUND]);
      expect(checkBackendHistory(h, START).linearizable).toBe(true);
    });

    test('a timed-out clear may not have happened: ok afterwards is explained', () => {
      const h = history([generate(K, 'v0'), 0, 1], [clear(K), 2, null], [get(K), 3, 4, ok('v0')]);
      expect(checkBackendHistory(h, START).linearizable).toBe(true);
    });

    test('a timed-out set cannot explain a value it did not write', () => {
      const h = history([generate(K, 'v0'), 0, 1], [set(K, 'a'), 2, null], [get(K), 3, 4, ok('b')]);
      expect(checkBackendHistory(h, START).linearizable).toBe(false);
    });

    test('a timed-out set cannot revive a key cleared before it was called', () => {
      const h = history([generate(K, 'v0'), 0, 1], [clear(K), 2, 3], [set(K, 'a'), 4, null], [get(K), 5, 6, ok('a')]);
      expect(checkBackendHistory(h, START).linearizable).toBe(false);
    });
  });
});

describe('HistoryRecorder', () => {
  test('records invocation and response instants, and rejected or unsettled calls as unknown', async () => {
    const recorder = new HistoryRecorder();
    await recorder.record((key: string) => generate(key, 'v'), async () => K);
    const failed = recorder.record(clear(K), () => Promise.reject(new Error('connection reset')));
    await expect(failed).rejects.toThrow('connection reset');
    recorder.start(get(K), () => new Promise(() => {}));
    recorder.start((key: string) => generate(key), () => new Promise<string>(() => {}));
    const entries = recorder.close();
    expect(entries.map((entry) => [entry.operation.kind, entry.invokedAt, entry.outcome.status])).toEqual([
      ['generate', 0, 'returned'],
      ['clear', 2, 'unknown'],
      ['get', 3, 'unknown'],
    ]);
    expect(entries[0]!.operation).toEqual(generate(K, 'v'));
  });
});

describe('renderTimeline', () => {
  test('draws one lane per call with invocation, response and unknown marks', () => {
    const h = history([set(K, 'a'), 0, 3, 'ok'], [clear(K), 1, 2], [get(K), 4, null]);
    const keys = new KeyNames();
    expect(renderTimeline(h, keys, new Set([2]))).toBe(
      [
        '  #1 set(k1, "a", 5s) |[==]  | ok',
        '> #2 clear(k1)        | []   | done',
        '  #3 get(k1)          |    [?| unknown (failed or never settled)',
      ].join('\n'),
    );
  });
});
