/**
 * RedisBackend when Redis misbehaves, for real: nothing listening at start, a server that never
 * answers, a connection killed by the server (`CLIENT KILL`), Redis unreachable mid-run and back,
 * a call in flight when the connection drops, and a slow Redis under the manager's timeout.
 *
 * Faults are made with a small TCP proxy in front of the real Redis (fixtures/redis/tcp-proxy.ts),
 * which the test stops, starts and stalls.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { SessionManager, TimeoutError } from '../../manager.js';
import { createRedisBackendFactory, DEFAULT_REDIS_URL, RedisBackend, RedisBackendError } from '../redis.js';
import { TcpProxy } from '../../../fixtures/redis/tcp-proxy.js';
import { DEFAULT_KEY_PREFIX } from './layout.js';

const url = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
const upstream = new URL(url);
const upstreamAddress = { host: upstream.hostname, port: Number(upstream.port || 6379) };
const START = 1_700_000_000_000;

const admin = createClient({ url });
admin.on('error', () => {});
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`These tests need the Redis server at ${url} (set REDIS_URL to use another): ${String(error)}`);
  }
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

afterAll(async () => {
  await admin.close();
});

/** A port on which nothing listens (it was free a moment ago). */
async function deadPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function proxied(): Promise<{ proxy: TcpProxy; backend: RedisBackend; clock: ManualClock }> {
  const proxy = new TcpProxy(upstreamAddress);
  await proxy.start();
  const clock = new ManualClock(START);
  const namespace = `test-faults-${randomUUID()}`;
  const backend = await RedisBackend.connect({ url: proxy.url, clock, namespace, maxReconnectDelayMs: 100 });
  cleanup.push(async () => {
    await proxy.stop();
    await backend.close();
    for await (const keys of admin.scanIterator({ MATCH: `${DEFAULT_KEY_PREFIX}${namespace}:*` })) {
      if (keys.length > 0) await admin.del(keys);
    }
  });
  return { proxy, backend, clock };
}

/** Retries `call` until it resolves (the backend has recovered); every failure must be a RedisBackendError. */
async function untilRecovered<T>(call: () => Promise<T>, withinMs = 10_000): Promise<{ result: T; failures: number }> {
  const deadline = Date.now() + withinMs;
  for (let failures = 0; ; failures++) {
    try {
      return { result: await call(), failures };
    } catch (error) {
      expect(error).toBeInstanceOf(RedisBackendError);
      if (Date.now() > deadline) throw new Error(`the backend did not recover within ${withinMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('Redis down at start', () => {
  it('RedisBackend.connect rejects with an error naming the URL, after a bounded number of attempts', async () => {
    const port = await deadPort();
    const attempt = RedisBackend.connect({ url: `redis://:secret@127.0.0.1:${port}`, connectAttempts: 2, maxReconnectDelayMs: 50 });
    await expect(attempt).rejects.toBeInstanceOf(RedisBackendError);
    await expect(attempt).rejects.toThrow(
      new RegExp(`could not connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? \\(2 attempts\\): .*ECONNREFUSED`),
    );
  });

  it('a backend made with new, and the factory, reject every call with that error (never not_found)', async () => {
    const port = await deadPort();
    const backend = new RedisBackend({ url: `redis://127.0.0.1:${port}`, connectAttempts: 1 });
    await expect(backend.get('A'.repeat(40))).rejects.toThrow(`could not connect to Redis at redis://127.0.0.1:${port}`);
    await expect(backend.generate()).rejects.toBeInstanceOf(RedisBackendError);
    await backend.close();
    const factory = createRedisBackendFactory({ url: `redis://127.0.0.1:${port}`, connectAttempts: 1 });
    await expect(factory({ clock: new ManualClock(0), namespace: 'x' })).rejects.toThrow(`127.0.0.1:${port}`);
  });

  it('refuses bad connect options at once, with a RangeError naming the option', () => {
    expect(() => new RedisBackend({ url, connectAttempts: 0 })).toThrow(/connectAttempts must be a whole number >= 1, got 0/);
    expect(() => new RedisBackend({ url, connectTimeoutMs: 1.5 })).toThrow(RangeError);
    expect(() => new RedisBackend({ url, reclaimMarginSeconds: 0 })).toThrow(/reclaimMarginSeconds must be at least 1/);
    expect(() => new RedisBackend({ url, scanCount: -1 })).toThrow(/scanCount/);
  });

  it('gives up on a server that accepts connections and never answers', async () => {
    // Reads (and ignores) what it is sent, so that it sees the client hang up.
    const silent = net.createServer((socket) => socket.resume()).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    cleanup.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const { port } = silent.address() as net.AddressInfo;
    const attempt = RedisBackend.connect({
      url: `redis://127.0.0.1:${port}`,
      connectTimeoutMs: 100,
      connectAttempts: 2,
      maxReconnectDelayMs: 50,
    });
    await expect(attempt).rejects.toThrow(`could not connect to Redis at redis://127.0.0.1:${port}`);
    await expect(attempt).rejects.toThrow(/no ready connection within 300 ms/);
  });
});

describe('connection lost mid-run', () => {
  it('after CLIENT KILL, calls reject or succeed correctly (never not_found) and the backend recovers', async () => {
    const { proxy, backend } = await proxied();
    const key = await backend.generate({ value: 'survives' });
    const [address] = proxy.upstreamAddresses();
    expect(address).toBeDefined();
    expect(await admin.clientKill({ filter: 'ADDR', address: address! } as never)).toBe(1);
    const { result } = await untilRecovered(() => backend.get(key));
    expect(result).toEqual({ status: 'ok', value: 'survives', period: 604_800 });
  });

  it('while Redis is unreachable every operation rejects with a RedisBackendError, and recovers when it is back', async () => {
    const { proxy, backend } = await proxied();
    const key = await backend.generate({ value: 'kept' });
    await proxy.stop();
    for (const call of [
      () => backend.get(key),
      () => backend.set(key, 'lost'),
      () => backend.touch(key),
      () => backend.clear(key),
      () => backend.generate({ value: 'v' }),
      () => backend.size(),
      () => backend.sweep(),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(RedisBackendError);
    }
    await proxy.start(); // same port
    const { result } = await untilRecovered(() => backend.get(key));
    expect(result).toEqual({ status: 'ok', value: 'kept', period: 604_800 });
    expect(await backend.set(key, 'changed')).toBe('ok');
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'changed', period: 604_800 });
  });

  it('a call in flight when the connection drops rejects (it does not wait for a reconnection)', async () => {
    const { proxy, backend } = await proxied();
    const key = await backend.generate({ value: 'v' });
    proxy.stall();
    const inFlight = backend.set(key, 'maybe');
    const outcome = expect(inFlight).rejects.toThrow(/set failed on Redis at redis:\/\/127\.0\.0\.1:\d+/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await proxy.stop();
    await outcome;
    proxy.resume();
    await proxy.start();
    const { result } = await untilRecovered(() => backend.get(key));
    // The stalled set never reached Redis.
    expect(result).toEqual({ status: 'ok', value: 'v', period: 604_800 });
  });
});

describe('errors reach the operator (onError)', () => {
  it('reports each connection failure after connect, naming Redis, and stops once it is back', async () => {
    const proxy = new TcpProxy(upstreamAddress);
    await proxy.start();
    const reported: RedisBackendError[] = [];
    const backend = await RedisBackend.connect({
      url: proxy.url,
      clock: new ManualClock(START),
      namespace: `test-faults-${randomUUID()}`,
      maxReconnectDelayMs: 50,
      onError: (error) => reported.push(error),
    });
    cleanup.push(async () => {
      await proxy.stop();
      await backend.close();
    });
    const key = await backend.generate({ value: 'v' });
    expect(reported).toEqual([]);
    await proxy.stop();
    // Lost connection, then failed reconnection attempts, each reported.
    await expect.poll(() => reported.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    for (const error of reported) {
      expect(error).toBeInstanceOf(RedisBackendError);
      expect(error.message).toContain(`the connection to Redis at ${proxy.url}`);
      expect(error.redis).toContain(`127.0.0.1:${proxy.port}`);
      expect(error.cause).toBeInstanceOf(Error);
    }
    await proxy.start();
    await untilRecovered(() => backend.get(key));
    const afterRecovery = reported.length;
    expect(await backend.get(key)).toMatchObject({ status: 'ok', value: 'v' });
    expect(reported.length).toBe(afterRecovery);
  });

  it('a hook that throws does not end the process or break the backend', async () => {
    const { proxy } = await proxied(); // keeps the cleanup order for the proxy
    const calls: number[] = [];
    const backend = await RedisBackend.connect({
      url: proxy.url,
      namespace: `test-faults-${randomUUID()}`,
      maxReconnectDelayMs: 50,
      onError: () => {
        calls.push(1);
        throw new Error('hook bug');
      },
    });
    cleanup.push(() => backend.close());
    await proxy.stop();
    await expect.poll(() => calls.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    await proxy.start();
    const { result } = await untilRecovered(() => backend.get('A'.repeat(40)));
    expect(result).toEqual({ status: 'not_found' });
  });

  it('refuses an onError that is not a function', () => {
    expect(() => new RedisBackend({ url, onError: 'log' as never })).toThrow(/onError must be a function, got string/);
  });
});

describe('slow Redis', () => {
  it("is bounded by the manager's timeoutMs: the call rejects with a TimeoutError, and later calls work", async () => {
    const { proxy, backend } = await proxied();
    const manager = new SessionManager(backend, { timeoutMs: 200 });
    const session = await manager.generate('v');
    proxy.stall();
    await expect(manager.ofKey(session.key)).rejects.toBeInstanceOf(TimeoutError);
    proxy.resume();
    const lookup = await manager.ofKey(session.key);
    expect(lookup.status).toBe('ok');
  });
});
