/**
 * Concurrency properties judge sequential bugs sequentially: a history with a wrong answer that
 * one-at-a-time calls already give is reported as that bug, with a short story and no timeline;
 * the timeline stays for what only concurrency explains.
 */
import { describe, expect, test } from 'vitest';
import { history } from '../fixtures/histories.js';
import boundaryLiveCheck from '../fixtures/backends/boundary-live-check.js';
import racyRevive from '../fixtures/backends/racy-revive.js';
import { checkProperty } from './check.js';
import { linearizability } from './concurrency.js';
import { judgeForcedCall, replaySequentially } from './concurrency-sequential.js';

const START = 1_000_000;
const K = 'Kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk';


describe('judgeForcedCall', () => {
  test('a get alone, after calls that came one at a time, is judged as the sequential properties judge it', () => {
    const h = history(
      [{ kind: 'generate', key: K, value: 'v', expiry: 1 }, 0, 1],
      [{ kind: 'advance', ms: 1000 }, 2, 3],
      [{ kind: 'get', key: K }, 4, 5, { status: 'not_found' }],
    );
    const forced = judgeForcedCall(h, K, START);
    expect(forced?.entry.id).toBe(3);
    expect(forced?.judgement.id).toBe('expiry-early');
    expect(forced?.edge).toBe('early');
  });

  test('an overlap on the key, or a call of unknown outcome, leaves it to the linearizability search', () => {
    const overlapping = history(
      [{ kind: 'generate', key: K, value: 'v', expiry: 5 }, 0, 1],
      [{ kind: 'set', key: K, value: 'a', expiry: 5 }, 2, 5, 'ok'],
      [{ kind: 'clear', key: K }, 3, 4],
      [{ kind: 'get', key: K }, 6, 7, { status: 'ok', value: 'a', period: 5 }],
    );
    expect(judgeForcedCall(overlapping, K, START)).toBeUndefined();
    const unknown = history(
      [{ kind: 'generate', key: K, value: 'v', expiry: 5 }, 0, 1],
      [{ kind: 'clear', key: K }, 2, null],
      [{ kind: 'get', key: K }, 3, 4, { status: 'ok', value: 'v', period: 5 }],
    );
    expect(judgeForcedCall(unknown, K, START)).toBeUndefined();
  });
});

describe('linearizability, sequential first', () => {
  test('a store that expires 1 ms early is reported as that, no timeline, a short story that replays', async () => {
    const report = await checkProperty(linearizability, boundaryLiveCheck, { seed: 5 });
    expect(report.verdict).toBe('failed');
    const failure = report.failure!;
    expect(failure.message).toMatch(/live at now == expiresAt/);
    expect(failure.message).not.toMatch(/not linearizable/);
    expect(failure.timeline).toBeUndefined();
    expect(failure.steps.length).toBeLessThanOrEqual(6);
    expect(failure.steps.at(-1)).toMatch(/expected: [\s\S]*actual: /);
    const replay = await checkProperty(linearizability, boundaryLiveCheck, { seed: report.seed, path: failure.path });
    expect(replay.failure?.message.split('\n')[0]).toBe(failure.message.split('\n')[0]);
  });

  test('a racy store replays one call at a time without fault: replaySequentially finds nothing', async () => {
    const h = history(
      [{ kind: 'generate', key: K, value: 'v', expiry: 5 }, 0, 1],
      [{ kind: 'set', key: K, value: 'a', expiry: 5 }, 2, 5, 'ok'],
      [{ kind: 'clear', key: K }, 3, 4],
      [{ kind: 'get', key: K }, 6, 7, { status: 'ok', value: 'a', period: 5 }],
    );
    expect(await replaySequentially(racyRevive, h)).toBeUndefined();
    const report = await checkProperty(linearizability, racyRevive, { seed: 3 });
    // Named by the anomaly the history shows (properties/concurrency-anomalies.ts), with its timeline.
    expect(report.failure?.rootCause.id).toBe('revives-cleared');
    expect(report.failure?.timeline).toBeDefined();
  });
});
