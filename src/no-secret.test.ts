/**
 * No secret in any message (issue 16; OWASP ASVS V3 and V7: session tokens never in logs or
 * errors). Every error path the suites know is driven with known session keys, values and a Redis
 * password in play, and no error's message, stack, `cause` chain or own properties (everything
 * `util.inspect` prints, which is what a logger prints) may contain any of them.
 *
 * Redis runs with a password here: a throw-away `redis-server --requirepass` on port 17120
 * (scripts/redis-cluster.ts starts and stops it), behind the TCP proxy of the fault tests.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { inspect } from 'node:util';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from '../fixtures/redis/tcp-proxy.js';
import { startRedisNode, type RedisNode } from '../scripts/redis-cluster.js';
import { IndexedDbBackend } from './backends/indexeddb.js';
import { MemoryBackend } from './backends/memory.js';
import { RedisBackend, type RedisBackendError } from './backends/redis.js';
import type { RedisCommandSender } from './backends/redis/scripts.js';
import { ManualClock } from './clock.js';
import { setCookieLine } from './cookie/set-cookie.js';
import { SessionManager } from './manager.js';

const PORT = 17120;
const PASSWORD = 'pw-SECRET-7f3a9c2e';
const VALUE = 'value-SECRET-{"user":"ada","csrf":"c8d1"}';
/** A key chosen by a "client" (any string may arrive as a key, SPEC §2). */
const CLIENT_KEY = 'key-SECRET-0123456789abcdefABCDEF_-xyz';
/** Keys the backends generated during the test: real session keys, added as they are made. */
const generatedKeys: string[] = [];

function secrets(): string[] {
  return [PASSWORD, VALUE, CLIENT_KEY, ...generatedKeys];
}

/** Everything a logger could print of `error`: inspect (message, stack, own properties, cause), walked by hand too. */
function printed(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: 8, showHidden: false })];
  const seen = new Set<unknown>();
  const walk = (value: unknown) => {
    if (value === null || value === undefined || seen.has(value)) return;
    seen.add(value);
    if (value instanceof Error) {
      parts.push(value.message, String(value.stack), String(value));
      walk(value.cause);
      if (value instanceof AggregateError) value.errors.forEach(walk);
    } else {
      parts.push(String(value));
    }
  };
  walk(error);
  return parts.join('\n');
}

/** Fails if `error` mentions any secret; returns the error for further checks. */
function expectClean(error: unknown, label: string): unknown {
  expect(error, `${label}: expected an error`).toBeInstanceOf(Error);
  const text = printed(error);
  for (const secret of secrets()) {
    // Also the first 16 characters alone: a truncated key is still most of a credential.
    for (const piece of [secret, secret.slice(0, 16)]) {
      expect(text.includes(piece), `${label} prints a secret (${piece.slice(0, 6)}…):\n${text.slice(0, 2000)}`).toBe(false);
    }
  }
  return error;
}

/** The error `run` rejects or throws with. */
async function failureOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure, but the call succeeded');
}

async function expectCleanFailure(label: string, run: () => unknown): Promise<unknown> {
  return expectClean(await failureOf(run), label);
}

let server: RedisNode;
const url = `redis://:${PASSWORD}@127.0.0.1:${PORT}`;
const admin = createClient({ url });
admin.on('error', () => {});

beforeAll(async () => {
  server = await startRedisNode(PORT, ['--requirepass', PASSWORD]);
  await admin.connect();
});

afterAll(async () => {
  admin.destroy();
  await server?.remove();
});

describe('the check itself', () => {
  it('catches a secret anywhere: message, cause, own property, truncated', () => {
    const cases = [
      new Error(`record ${CLIENT_KEY}`),
      new Error('wrapped', { cause: new Error(`reply ${VALUE}`) }),
      Object.assign(new Error('with a property'), { url }),
      new Error(`key starts ${CLIENT_KEY.slice(0, 16)}`),
    ];
    for (const error of cases) expect(() => expectClean(error, 'planted')).toThrow(/prints a secret/);
    expect(() => expectClean(new Error('nothing to see'), 'clean')).not.toThrow();
  });
});

describe('Redis', () => {
  const START = 1_700_000_000_000;
  const namespace = `test-no-secret-${randomUUID()}`;

  async function connected(options: { url?: string; client?: RedisCommandSender; onError?: (error: RedisBackendError) => void } = {}) {
    const backend =
      options.client !== undefined
        ? new RedisBackend({ client: options.client, clock: new ManualClock(START), namespace })
        : await RedisBackend.connect({ url: options.url ?? url, clock: new ManualClock(START), namespace, maxReconnectDelayMs: 50, ...options });
    const key = await backend.generate({ value: VALUE });
    generatedKeys.push(key);
    return { backend, key };
  }

  it('connecting: refused, wrong password, a server that never answers, an unparsable URL', async () => {
    const dead = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => dead.once('listening', resolve));
    const deadPort = (dead.address() as net.AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    await expectCleanFailure('refused', () => RedisBackend.connect({ url: `redis://:${PASSWORD}@127.0.0.1:${deadPort}`, connectAttempts: 1 }));
    await expectCleanFailure('wrong password', () =>
      RedisBackend.connect({ url: `redis://:${PASSWORD}x@127.0.0.1:${PORT}`, connectAttempts: 1 }),
    );
    await expectCleanFailure('wrong user', () =>
      RedisBackend.connect({ url: `redis://nobody:${PASSWORD}@127.0.0.1:${PORT}`, connectAttempts: 1 }),
    );
    const silent = net.createServer((socket) => socket.resume()).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    try {
      const silentPort = (silent.address() as net.AddressInfo).port;
      await expectCleanFailure('silent server', () =>
        RedisBackend.connect({ url: `redis://:${PASSWORD}@127.0.0.1:${silentPort}`, connectTimeoutMs: 100, connectAttempts: 1, maxReconnectDelayMs: 50 }),
      );
      // A backend made with new: every call rejects with the connect error.
      const never = new RedisBackend({ url: `redis://:${PASSWORD}@127.0.0.1:${deadPort}`, connectAttempts: 1 });
      await expectCleanFailure('call on a backend that never connected', () => never.get(CLIENT_KEY));
      await never.close();
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
    for (const bad of [`redis://user:${PASSWORD}@host:99999`, `redis://:${PASSWORD}@exa mple:1`, `:${PASSWORD}@no-scheme`]) {
      const error = await expectCleanFailure(`unparsable URL ${bad.length}`, () => new RedisBackend({ url: bad }));
      expect(error).toBeInstanceOf(TypeError);
    }
  });

  it('a corrupt record, a record of the wrong type, and replies of the wrong shape', async () => {
    const { backend, key } = await connected();
    try {
      const recordKey = `sess-ts:${encodeURIComponent(namespace)}:${key}`;
      await admin.hSet(recordKey, 'expiresAt', VALUE);
      await expectCleanFailure('corrupt expiresAt', () => backend.get(key));
      await admin.del(recordKey);
      await admin.set(recordKey, VALUE);
      await expectCleanFailure('WRONGTYPE get', () => backend.get(key));
      await expectCleanFailure('WRONGTYPE set', () => backend.set(key, VALUE));
      await expectCleanFailure('WRONGTYPE touch', () => backend.touch(key));
      await admin.del(recordKey);
    } finally {
      await backend.close();
    }

    const real = createClient({ url });
    real.on('error', () => {});
    await real.connect();
    try {
      // A client that maps replies (a type mapping, a proxy): every reply carries the value.
      const lying: RedisCommandSender = { sendCommand: async () => [VALUE, VALUE, VALUE] };
      const stringly: RedisCommandSender = { sendCommand: async (args) => (args[0] === 'HMGET' ? VALUE : `${VALUE}:1`) };
      for (const client of [lying, stringly]) {
        const backend = new RedisBackend({ client, clock: new ManualClock(START), namespace });
        await expectCleanFailure('bad HMGET reply', () => backend.get(CLIENT_KEY));
        await expectCleanFailure('bad EVALSHA reply (generate)', () => backend.generate({ value: VALUE }));
        await expectCleanFailure('bad EVALSHA reply (set)', () => backend.set(CLIENT_KEY, VALUE));
        await expectCleanFailure('bad SCAN reply', () => backend.size());
      }
      // A store that calls every key taken: generate gives up.
      const taken: RedisCommandSender = { sendCommand: async (args) => (args[0]!.startsWith('EVAL') ? 0 : real.sendCommand(args)) };
      const backend = new RedisBackend({ client: taken, clock: new ManualClock(START), namespace });
      await expectCleanFailure('generate gives up', () => backend.generate({ value: VALUE }));
      // Errors the client itself throws, whatever they say, are wrapped with their cause: the
      // check covers what node-redis puts there.
      const failing: RedisCommandSender = { sendCommand: () => real.sendCommand(['NOT-A-COMMAND', CLIENT_KEY.slice(0, 0)]) };
      await expectCleanFailure('client error', () => new RedisBackend({ client: failing, namespace }).get(CLIENT_KEY));
    } finally {
      await real.close();
    }
  });

  it('Redis lost mid-run, a stalled Redis under the manager timeout, the onError hook, a closed backend', async () => {
    const proxy = new TcpProxy({ host: '127.0.0.1', port: PORT });
    await proxy.start();
    const reported: RedisBackendError[] = [];
    const { backend, key } = await connected({ url: `redis://:${PASSWORD}@127.0.0.1:${proxy.port}`, onError: (error) => reported.push(error) });
    try {
      const manager = new SessionManager(backend, { timeoutMs: 100 });
      proxy.stall();
      await expectCleanFailure('manager timeout ofKey', () => manager.ofKey(key));
      await expectCleanFailure('manager timeout ofHeader', () => manager.ofHeader('sid', `sid=${CLIENT_KEY}`));
      const inFlight = failureOf(() => backend.set(key, VALUE));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await proxy.stop();
      expectClean(await inFlight, 'in flight when the connection dropped');
      for (const [label, call] of [
        ['get', () => backend.get(key)],
        ['set', () => backend.set(key, VALUE)],
        ['touch', () => backend.touch(CLIENT_KEY)],
        ['clear', () => backend.clear(key)],
        ['generate', () => backend.generate({ value: VALUE })],
        ['size', () => backend.size()],
        ['sweep', () => backend.sweep()],
      ] as const) {
        await expectCleanFailure(`unreachable ${label}`, call);
      }
      await expect.poll(() => reported.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
      for (const error of reported) expectClean(error, 'onError');
      proxy.resume();
    } finally {
      await proxy.stop();
      await backend.close();
    }
    for (const call of [() => backend.get(key), () => backend.set(key, VALUE), () => backend.generate({ value: VALUE })]) {
      await expectCleanFailure('after close', call);
    }
  });
});

describe('the rest of the library', () => {
  it('MemoryBackend: closed, full, invalid options', async () => {
    const backend = new MemoryBackend({ clock: new ManualClock(0), maxSessions: 1 });
    const key = await backend.generate({ value: VALUE });
    generatedKeys.push(key);
    await backend.get(key);
    await expectCleanFailure('memory full', () => backend.generate({ value: VALUE }));
    await expectCleanFailure('memory set of a non-string', () => backend.set(key, 42 as never));
    await backend.close();
    await expectCleanFailure('memory closed get', () => backend.get(key));
    await expectCleanFailure('memory closed set', () => backend.set(CLIENT_KEY, VALUE));
    await expectCleanFailure('memory bad maxSessions', () => new MemoryBackend({ maxSessions: -1 }));
  });

  it('IndexedDbBackend (fake-indexeddb): closed', async () => {
    const backend = new IndexedDbBackend({ name: `no-secret-${randomUUID()}`, clock: new ManualClock(0) });
    const key = await backend.generate({ value: VALUE });
    generatedKeys.push(key);
    await backend.close();
    await expectCleanFailure('indexeddb closed get', () => backend.get(key));
    await expectCleanFailure('indexeddb closed set', () => backend.set(CLIENT_KEY, VALUE));
  });

  it('the manager and Set-Cookie: bad values, keys a cookie cannot carry, oversized cookies', async () => {
    const sessions = new SessionManager(new MemoryBackend({ clock: new ManualClock(0) }));
    const session = await sessions.generate(VALUE);
    generatedKeys.push(session.key);
    await expectCleanFailure('lone surrogate value', () => sessions.set(session, { value: `${VALUE}\ud800` }));
    await expectCleanFailure('key with a space', () => setCookieLine('sid', `${CLIENT_KEY} ;x`, 60));
    await expectCleanFailure('oversized cookie', () => setCookieLine('sid', CLIENT_KEY.repeat(200), 60));
    const planted = { key: `${CLIENT_KEY};`, value: VALUE, expiryPeriod: 60, modified: true };
    await expectCleanFailure('toCookieHeaders', () => sessions.toCookieHeaders('sid', planted));
  });
});
