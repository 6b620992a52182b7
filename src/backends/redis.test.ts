/**
 * RedisBackend against the real Redis server (REDIS_URL, default redis://127.0.0.1:6379): every
 * operation, the expiry boundary on a ManualClock, what is stored, namespaces, SCAN-based size and
 * sweep, and one round trip per operation. Each test has its own namespace and deletes its keys.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { SESSION_KEY_PATTERN } from '../keys.js';
import { DEFAULT_REDIS_URL, GENERATE_ATTEMPTS, RedisBackend, RedisBackendError, type RedisBackendOptions } from './redis.js';
import type { RedisCommandSender } from './redis/scripts.js';
import { keyFingerprint } from './redis/redaction.js';
import { DEFAULT_KEY_PREFIX, namespacePrefix, scanPatternFor } from './redis/layout.js';

const url = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
const START = 1_700_000_000_000;
const WEEK = 604_800;

/** A second connection, to look at what the backend stored and to clean up. */
const admin = createClient({ url });
admin.on('error', () => {});
const opened: RedisBackend[] = [];
const namespaces: string[] = [];

beforeAll(async () => {
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`These tests need the Redis server at ${url} (set REDIS_URL to use another): ${String(error)}`);
  }
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((backend) => backend.close()));
  for (const namespace of namespaces.splice(0)) {
    const keys = await keysOf(namespace);
    if (keys.length > 0) await admin.del(keys);
  }
});

/** The Redis keys of a namespace's records (SCAN, as the backend does; glob characters escaped). */
async function keysOf(namespace: string): Promise<string[]> {
  const match = scanPatternFor(namespacePrefix(DEFAULT_KEY_PREFIX, namespace));
  const found: string[] = [];
  for await (const keys of admin.scanIterator({ MATCH: match, COUNT: 1000 })) found.push(...keys);
  return found;
}

afterAll(async () => {
  await admin.close();
});

function freshNamespace(label = 'unit'): string {
  const namespace = `test-${label}-${randomUUID()}`;
  namespaces.push(namespace);
  return namespace;
}

async function open(options: RedisBackendOptions = {}): Promise<{ backend: RedisBackend; clock: ManualClock }> {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock(START);
  if (options.namespace !== undefined) namespaces.push(options.namespace);
  const backend = await RedisBackend.connect({ url, namespace: freshNamespace(), ...options, clock });
  opened.push(backend);
  return { backend, clock };
}

function recordKey(backend: RedisBackend, key: string): string {
  return `${DEFAULT_KEY_PREFIX}${encodeURIComponent(backend.namespace)}:${key}`;
}

describe('generate', () => {
  it('hands out fresh base64url keys', async () => {
    const { backend } = await open();
    const keys = await Promise.all(Array.from({ length: 50 }, () => backend.generate({ value: 'v' })));
    for (const key of keys) expect(key).toMatch(SESSION_KEY_PATTERN);
    expect(new Set(keys).size).toBe(50);
  });

  it('stores expiresAt and the value as hash fields, with a native TTL later than the logical expiry', async () => {
    const { backend } = await open({ reclaimMarginSeconds: 60 });
    const key = await backend.generate({ value: 'cart=3', expiry: 10 });
    expect(await admin.hGetAll(recordKey(backend, key))).toEqual({ expiresAt: String(START + 10_000), value: 'cart=3' });
    const ttl = await admin.pTTL(recordKey(backend, key));
    expect(ttl).toBeGreaterThan(10_000);
    expect(ttl).toBeLessThanOrEqual(70_000);
  });

  it('stores no value field for a session generated without one', async () => {
    const { backend } = await open();
    const key = await backend.generate();
    expect(await admin.hGetAll(recordKey(backend, key))).toEqual({ expiresAt: String(START + WEEK * 1000) });
    expect(await backend.get(key)).toEqual({ status: 'not_set' });
  });

  it('uses defaultPeriod() at the time of the call', async () => {
    const { backend } = await open({ defaultPeriod: 100 });
    const first = await backend.generate({ value: 'a' });
    backend.setDefaultPeriod(200);
    const second = await backend.generate({ value: 'b' });
    expect(await backend.get(first)).toEqual({ status: 'ok', value: 'a', period: 100 });
    expect(await backend.get(second)).toEqual({ status: 'ok', value: 'b', period: 200 });
  });
});

describe('generate: a bounded loop over validated replies', () => {
  /** A client over the real Redis whose replies pass through `rewrite` (a type mapping, a proxy). */
  async function rewritingClient(rewrite: (args: string[], reply: unknown) => unknown) {
    const sent: string[][] = [];
    const real = createClient({ url });
    real.on('error', () => {});
    await real.connect();
    const client: RedisCommandSender = {
      sendCommand: async (args) => {
        sent.push(args);
        return rewrite(args, await real.sendCommand(args));
      },
    };
    return { client, sent, close: () => real.close() };
  }

  it('rejects at once a reply of the wrong type (an integer mapped to a string), never looping', async () => {
    const { client, sent, close } = await rewritingClient((_args, reply) => (typeof reply === 'number' ? String(reply) : reply));
    try {
      const backend = new RedisBackend({ client, clock: new ManualClock(START), namespace: freshNamespace() });
      await expect(backend.generate({ value: 'v' })).rejects.toThrow(/unexpected EVALSHA reply .*: a string of 1 characters/);
      // One script run (plus EVAL if the script was not cached yet), not thousands of writes.
      expect(sent.length).toBeLessThanOrEqual(2);
      await expect(backend.set('k', 'v')).rejects.toBeInstanceOf(RedisBackendError);
    } finally {
      await close();
    }
  });

  it(`gives up after ${GENERATE_ATTEMPTS} keys that the store calls taken, with an error, having written nothing`, async () => {
    const namespace = freshNamespace();
    const { client, sent, close } = await rewritingClient((args, reply) => (args[0] === 'EVALSHA' || args[0] === 'EVAL' ? 0 : reply));
    try {
      const backend = new RedisBackend({ client, clock: new ManualClock(START), namespace });
      await expect(backend.generate({ value: 'v' })).rejects.toThrow(
        new RegExp(`generate found ${GENERATE_ATTEMPTS} fresh keys in a row already taken`),
      );
      expect(sent.filter((args) => args[0] === 'EVALSHA').length).toBe(GENERATE_ATTEMPTS);
    } finally {
      await close();
    }
    // The real Redis did write them (the replies were rewritten): the store is what lied.
    expect((await keysOf(namespace)).length).toBe(GENERATE_ATTEMPTS);
  });
});

describe('get', () => {
  it('reports the remaining period in whole seconds, rounded down', async () => {
    const { backend, clock } = await open();
    const key = await backend.generate({ value: 'v', expiry: 10 });
    clock.advance(1_500);
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'v', period: 8 });
  });

  it('is live at exactly expiresAt and not_found one millisecond later, with or without a value', async () => {
    const { backend, clock } = await open();
    const withValue = await backend.generate({ value: 'v', expiry: 5 });
    const without = await backend.generate({ expiry: 5 });
    clock.advance(5_000);
    expect(await backend.get(withValue)).toEqual({ status: 'ok', value: 'v', period: 0 });
    expect(await backend.get(without)).toEqual({ status: 'not_set' });
    clock.advance(1);
    expect(await backend.get(withValue)).toEqual({ status: 'not_found' });
    expect(await backend.get(without)).toEqual({ status: 'not_found' });
  });

  it('keeps a period-0 session live at the instant it was made', async () => {
    const { backend, clock } = await open();
    const key = await backend.generate({ value: 'once', expiry: 0 });
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'once', period: 0 });
    clock.advance(1);
    expect(await backend.get(key)).toEqual({ status: 'not_found' });
  });

  it.each([
    ['unknown', 'A'.repeat(40)],
    ['empty', ''],
    ['huge', 'k'.repeat(100_000)],
    ['binary-looking', '\u0000\u00ff\uffff\r\n'],
    ['glob', '*'],
    ['namespace-like', 'other:key'],
  ])('answers not_found for an %s key', async (_label, key) => {
    const { backend } = await open();
    await backend.generate({ value: 'someone else' });
    expect(await backend.get(key)).toEqual({ status: 'not_found' });
    expect(await backend.set(key, 'x')).toBe('not_found');
    expect(await backend.touch(key)).toBe('not_found');
    await backend.clear(key);
    expect(await backend.size()).toBe(1);
  });

  it('rejects, not not_found, when the record is corrupt', async () => {
    const { backend } = await open();
    const key = await backend.generate({ value: 'v' });
    await admin.hSet(recordKey(backend, key), 'expiresAt', 'soon');
    await expect(backend.get(key)).rejects.toThrow(/the record of session key#[0-9a-f]{12} in namespace .* has a corrupt expiresAt \(not a number: a string of 4 characters\)/);
    await expect(backend.get(key)).rejects.toThrow(keyFingerprint(key));
    await expect(backend.get(key)).rejects.not.toThrow(key);
    await admin.del(recordKey(backend, key));
    await admin.set(recordKey(backend, key), 'a string, not a hash');
    await expect(backend.get(key)).rejects.toBeInstanceOf(RedisBackendError);
    await expect(backend.set(key, 'x')).rejects.toThrow(/WRONGTYPE/);
  });
});

describe('values', () => {
  it.each([
    ['empty', ''],
    ['non-ASCII', 'héllo wörld ✓ 日本語 👩‍👩‍👧 \u0301e'],
    ['control characters', '\u0000\r\n\t\u001b[0m'],
    ['Lua-looking', "') redis.call('FLUSHALL') --"],
    ['astral plane', '\u{1F600}\u{10FFFF}'],
  ])('round-trips a %s value exactly', async (_label, value) => {
    const { backend } = await open();
    const key = await backend.generate({ value });
    expect(await backend.get(key)).toEqual({ status: 'ok', value, period: WEEK });
    const other = await backend.generate();
    expect(await backend.set(other, value)).toBe('ok');
    expect(await backend.get(other)).toEqual({ status: 'ok', value, period: WEEK });
  });

  it('round-trips a 1 MiB value exactly', async () => {
    const { backend } = await open();
    const value = 'é'.repeat(512 * 1024); // 1 MiB of UTF-8
    const key = await backend.generate({ value });
    const lookup = await backend.get(key);
    expect(lookup.status).toBe('ok');
    expect(lookup.status === 'ok' && lookup.value === value).toBe(true);
  });

  it('keeps "" apart from no value', async () => {
    const { backend } = await open();
    const empty = await backend.generate({ value: '' });
    const none = await backend.generate();
    expect(await backend.get(empty)).toEqual({ status: 'ok', value: '', period: WEEK });
    expect(await backend.get(none)).toEqual({ status: 'not_set' });
  });
});

describe('set and touch', () => {
  it('set replaces the value and restarts the lifetime', async () => {
    const { backend, clock } = await open();
    const key = await backend.generate({ value: 'old', expiry: 10 });
    clock.advance(9_000);
    expect(await backend.set(key, 'new', { expiry: 20 })).toBe('ok');
    clock.advance(15_000);
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'new', period: 5 });
  });

  it('touch restarts the lifetime and leaves the value, or its absence', async () => {
    const { backend, clock } = await open();
    const withValue = await backend.generate({ value: 'kept', expiry: 10 });
    const without = await backend.generate({ expiry: 10 });
    clock.advance(10_000);
    expect(await backend.touch(withValue, { expiry: 30 })).toBe('ok');
    expect(await backend.touch(without, { expiry: 30 })).toBe('ok');
    clock.advance(20_000);
    expect(await backend.get(withValue)).toEqual({ status: 'ok', value: 'kept', period: 10 });
    expect(await backend.get(without)).toEqual({ status: 'not_set' });
    expect(await admin.hGetAll(recordKey(backend, without))).toEqual({ expiresAt: String(START + 40_000) });
  });

  it('never revives an expired session, and reclaims it on the way', async () => {
    const { backend, clock } = await open();
    const key = await backend.generate({ value: 'v', expiry: 1 });
    clock.advance(1_001);
    expect(await backend.set(key, 'again')).toBe('not_found');
    expect(await backend.touch(key)).toBe('not_found');
    expect(await backend.get(key)).toEqual({ status: 'not_found' });
    expect(await admin.exists(recordKey(backend, key))).toBe(0);
  });

  it('never revives a cleared session', async () => {
    const { backend } = await open();
    const key = await backend.generate({ value: 'v' });
    await backend.clear(key);
    expect(await backend.set(key, 'again')).toBe('not_found');
    expect(await backend.touch(key)).toBe('not_found');
    expect(await backend.get(key)).toEqual({ status: 'not_found' });
    expect(await backend.size()).toBe(0);
  });

  it('set at exactly expiresAt still updates (live while now <= expiresAt)', async () => {
    const { backend, clock } = await open();
    const key = await backend.generate({ value: 'v', expiry: 2 });
    clock.advance(2_000);
    expect(await backend.set(key, 'w', { expiry: 1 })).toBe('ok');
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'w', period: 1 });
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 34_560_001, '10' as unknown as number])(
    'refuses expiry %s with a RangeError before any I/O',
    async (expiry) => {
      const sent: string[][] = [];
      const real = createClient({ url });
      real.on('error', () => {});
      await real.connect();
      try {
        const backend = new RedisBackend({
          client: { sendCommand: (args: string[]) => (sent.push(args), real.sendCommand(args)) },
          clock: new ManualClock(START),
          namespace: freshNamespace(),
        });
        await expect(backend.generate({ value: 'v', expiry })).rejects.toThrow(RangeError);
        await expect(backend.set('k', 'v', { expiry })).rejects.toThrow(/expiry must be a whole number/);
        await expect(backend.touch('k', { expiry })).rejects.toThrow(RangeError);
        expect(sent).toEqual([]);
      } finally {
        await real.close();
      }
    },
  );
});

describe('waitForReplicas', () => {
  it('rejects a write that fewer replicas than asked acknowledged in time, after making it', async () => {
    // One replica more than this Redis has (none, as a rule).
    const replicas = Number(/connected_slaves:(\d+)/.exec(await admin.info('replication'))?.[1] ?? 0);
    const { backend } = await open({ waitForReplicas: { replicas: replicas + 1, timeoutMs: 50 } });
    const plain = await open({ namespace: backend.namespace });
    const refused = new RegExp(`set was made on the master but only ${replicas} of ${replicas + 1} replica\\(s\\) acknowledged it within 50 ms`);
    await expect(backend.generate({ value: 'v' })).rejects.toThrow(/generate was made on the master but only/);
    const key = await plain.backend.generate({ value: 'v' });
    await expect(backend.set(key, 'w')).rejects.toThrow(refused);
    // Made on the master all the same: the caller must treat it as of unknown outcome.
    expect(await plain.backend.get(key)).toMatchObject({ status: 'ok', value: 'w' });
    await expect(backend.clear(key)).rejects.toThrow(/clear was made on the master/);
    await expect(backend.get(key)).resolves.toEqual({ status: 'not_found' });
  });

  it('refuses a bad waitForReplicas at once', () => {
    expect(() => new RedisBackend({ url, waitForReplicas: { replicas: 1, timeoutMs: 0 } })).toThrow(/waitForReplicas.timeoutMs must be a whole number >= 1, got 0/);
    expect(() => new RedisBackend({ url, waitForReplicas: {} as never })).toThrow(/waitForReplicas.replicas/);
  });
});

describe('clear', () => {
  it('removes the record, and clearing a missing key is fine', async () => {
    const { backend } = await open();
    const key = await backend.generate({ value: 'v' });
    await backend.clear(key);
    await backend.clear(key);
    expect(await backend.get(key)).toEqual({ status: 'not_found' });
    expect(await admin.exists(recordKey(backend, key))).toBe(0);
  });
});

describe('namespaces', () => {
  // Each pair is appended to a fresh unique base, so that runs sharing a Redis never collide.
  it.each([
    ['', ':b'],
    ['', '*'],
    ['', '\\'],
    ['', ':'],
    ['[a]', 'a'],
  ])('keeps namespace <base>%s apart from <base>%s', async (firstSuffix, secondSuffix) => {
    const base = `test-ns-${randomUUID()}`;
    const [first, second] = [base + firstSuffix, base + secondSuffix];
    const clock = new ManualClock(START);
    const a = await open({ clock, namespace: first });
    const b = await open({ clock, namespace: second });
    const keyA = await a.backend.generate({ value: 'in a', expiry: 1 });
    const keyB = await b.backend.generate({ value: 'in b', expiry: 100 });
    expect(await b.backend.get(keyA)).toEqual({ status: 'not_found' });
    expect(await b.backend.set(keyA, 'stolen')).toBe('not_found');
    await b.backend.clear(keyA);
    expect(await a.backend.get(keyA)).toEqual({ status: 'ok', value: 'in a', period: 1 });
    expect(await a.backend.get(keyB)).toEqual({ status: 'not_found' });
    expect(await a.backend.size()).toBe(1);
    expect(await b.backend.size()).toBe(1);
    clock.advance(2_000);
    expect(await b.backend.sweep()).toBe(0);
    expect(await a.backend.size()).toBe(1);
    expect(await a.backend.sweep()).toBe(1);
    expect(await b.backend.get(keyB)).toEqual({ status: 'ok', value: 'in b', period: 98 });
  });

  it('shares sessions between backends with the same namespace (two connections)', async () => {
    const clock = new ManualClock(START);
    const namespace = freshNamespace();
    const first = await open({ clock, namespace });
    const second = await open({ clock, namespace });
    const key = await first.backend.generate({ value: 'shared' });
    expect(await second.backend.set(key, 'changed')).toBe('ok');
    expect(await first.backend.get(key)).toEqual({ status: 'ok', value: 'changed', period: WEEK });
    await second.backend.clear(key);
    expect(await first.backend.get(key)).toEqual({ status: 'not_found' });
  });
});

describe('size and sweep (SCAN)', () => {
  it('counts and sweeps across many SCAN steps: after sweep(), size() is the number of live sessions', async () => {
    const { backend, clock } = await open({ scanCount: 50 });
    for (let i = 0; i < 300; i++) await backend.generate({ value: `s${i}`, expiry: i % 3 === 0 ? 1 : 100 });
    expect(await backend.size()).toBe(300);
    clock.advance(1_001);
    expect(await backend.sweep()).toBe(100);
    expect(await backend.size()).toBe(200);
    expect(await backend.sweep()).toBe(0);
  });

  it('size() holds one SCAN batch at a time, not the namespace (it only counts)', async () => {
    const batches: number[] = [];
    const real = createClient({ url });
    real.on('error', () => {});
    await real.connect();
    try {
      const client: RedisCommandSender = {
        sendCommand: async (args) => {
          const reply = await real.sendCommand(args);
          if (args[0] === 'SCAN') batches.push(((reply as unknown as unknown[])[1] as unknown[]).length);
          return reply;
        },
      };
      const backend = new RedisBackend({ client, clock: new ManualClock(START), namespace: freshNamespace(), scanCount: 20 });
      for (let i = 0; i < 120; i++) await backend.generate({ value: 'v' });
      expect(await backend.size()).toBe(120);
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.reduce((a, b) => a + b, 0)).toBe(120);
    } finally {
      await real.close();
    }
  });

  it('leaves anything under the prefix that is not a session record alone', async () => {
    const { backend, clock } = await open();
    await admin.set(recordKey(backend, 'foreign'), 'not ours');
    await backend.generate({ value: 'v', expiry: 0 });
    clock.advance(1);
    expect(await backend.sweep()).toBe(1);
    expect(await admin.get(recordKey(backend, 'foreign'))).toBe('not ours');
  });
});

describe('scripts and round trips', () => {
  it('sends exactly one command per operation once its script is cached', async () => {
    const sent: string[][] = [];
    const real = createClient({ url });
    real.on('error', () => {});
    await real.connect();
    try {
      const backend = new RedisBackend({
        client: { sendCommand: (args: string[]) => (sent.push(args), real.sendCommand(args)) },
        clock: new ManualClock(START),
        namespace: freshNamespace(),
      });
      // Warm the script cache (first use may cost NOSCRIPT + EVAL).
      const warm = await backend.generate({ value: 'w' });
      await backend.set(warm, 'w');
      sent.length = 0;
      const commandsOf = async (run: () => Promise<unknown>) => {
        const before = sent.length;
        await run();
        return sent.slice(before).map((args) => args[0]);
      };
      const key = await backend.generate({ value: 'v' });
      sent.length = 0;
      expect(await commandsOf(() => backend.generate({ value: 'v' }))).toEqual(['EVALSHA']);
      expect(await commandsOf(() => backend.get(key))).toEqual(['HMGET']);
      expect(await commandsOf(() => backend.set(key, 'w'))).toEqual(['EVALSHA']);
      expect(await commandsOf(() => backend.touch(key))).toEqual(['EVALSHA']);
      expect(await commandsOf(() => backend.clear(key))).toEqual(['DEL']);
      await backend.close();
      // The client was given, not opened: close() leaves it usable.
      expect(await real.ping()).toBe('PONG');
    } finally {
      await real.close();
    }
  });

  it('reloads its scripts after Redis forgets them (SCRIPT FLUSH)', async () => {
    const { backend } = await open();
    const key = await backend.generate({ value: 'v' });
    await admin.scriptFlush();
    expect(await backend.set(key, 'after flush')).toBe('ok');
    await admin.scriptFlush();
    expect(await backend.touch(key)).toBe('ok');
    await admin.scriptFlush();
    const other = await backend.generate({ value: 'new' });
    expect(await backend.get(other)).toEqual({ status: 'ok', value: 'new', period: WEEK });
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'after flush', period: WEEK });
  });
});

describe('close', () => {
  it('leaves the sessions in Redis by default, for the next process', async () => {
    const { backend } = await open();
    const key = await backend.generate({ value: 'stays' });
    await backend.close();
    const again = await open({ namespace: backend.namespace });
    expect(await again.backend.get(key)).toEqual({ status: 'ok', value: 'stays', period: WEEK });
  });

  it('with dropNamespaceOnClose, deletes its own namespace (only) on close', async () => {
    const clock = new ManualClock(START);
    const throwAway = await open({ clock, dropNamespaceOnClose: true, scanCount: 10 });
    const neighbour = await open({ clock, namespace: `${throwAway.backend.namespace}:x` });
    for (let i = 0; i < 25; i++) await throwAway.backend.generate({ value: `v${i}` });
    const kept = await neighbour.backend.generate({ value: 'kept' });
    await Promise.all([throwAway.backend.close(), throwAway.backend.close()]);
    expect(await keysOf(throwAway.backend.namespace)).toEqual([]);
    expect(await neighbour.backend.get(kept)).toEqual({ status: 'ok', value: 'kept', period: WEEK });
  });

  it('closes a connection that comes up after close() was called', async () => {
    const backend = new RedisBackend({ url, namespace: freshNamespace() });
    await backend.close();
    await expect(backend.get('k')).rejects.toThrow(/get after close\(\)/);
  });

  it('makes every later operation reject, and is idempotent', async () => {
    const { backend } = await open();
    const key = await backend.generate({ value: 'v' });
    await backend.close();
    await backend.close();
    await expect(backend.get(key)).rejects.toThrow(/get after close\(\)/);
    await expect(backend.set(key, 'v')).rejects.toBeInstanceOf(RedisBackendError);
    await expect(backend.generate()).rejects.toBeInstanceOf(RedisBackendError);
    await expect(backend.clear(key)).rejects.toBeInstanceOf(RedisBackendError);
    await expect(backend.size()).rejects.toBeInstanceOf(RedisBackendError);
  });
});
