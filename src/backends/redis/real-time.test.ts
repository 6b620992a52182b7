/**
 * RedisBackend in real time (`backend-model` on the system clock, properties/real-time.ts), against
 * the real Redis (REDIS_URL, default redis://127.0.0.1:6379). Its expiry is data checked against the
 * context clock; its native TTL (`PEXPIRE`, the reclaim margin after the expiry) runs on the Redis
 * server's clock, which a simulated run never moves. Here the margin is its least, 1 s, so that the
 * server deletes records within the runs: a native TTL that came early (the wrong unit, the margin
 * left out) would delete live sessions, and real time catches it. Few runs: each one waits.
 */
import { describe, expect, it } from 'vitest';
import { checkProperty } from '../../../properties/check.js';
import { backendModelRealTimeProperty } from '../../../properties/real-time.js';
import { createRedisBackendFactory } from '../redis.js';

const factory = createRedisBackendFactory({ reclaimMarginSeconds: 1, dropNamespaceOnClose: true });

describe('RedisBackend in real time', () => {
  it('backend-model holds on the system clock with the Redis server expiring records 1 s after their expiry', async () => {
    const report = await checkProperty(backendModelRealTimeProperty, factory, { runs: 5 });
    expect(report.failure?.message ?? 'no failure', `seed ${report.seed}: ${report.failure?.steps.join('\n')}`).toBe('no failure');
    expect(report.verdict).toBe('passed');
    expect(report.runs).toBe(5);
  }, 90_000);
});
