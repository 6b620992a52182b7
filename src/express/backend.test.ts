/**
 * Each mapping rule of `fromExpressStore`, on real stores: express-session's MemoryStore,
 * memorystore and session-file-store, and the protocol-breaking stores of
 * fixtures/express/support (MemoryStores with one method written wrong).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConnectSessionKnexStore } from 'connect-session-knex';
import session from 'express-session';
import createMemoryStore from 'memorystore';
import createFileStore from 'session-file-store';
import { afterEach, describe, expect, it } from 'vitest';

import { ManualClock } from '../clock.js';
import { dateFollowsClock } from '../conformance/run/date-follows-clock.js';
import {
  RejectingTouchStore,
  RethrowingStore,
  SilentTouchStore,
  StringErrorStore,
  ThrowingStore,
  TwiceCallingStore,
} from '../../fixtures/express/support/protocol-breaking-stores.js';
import { ExpressStoreBackend, ExpressStoreError, expressStoreFactory, fromExpressStore } from './index.js';
import { postgresKnex } from '../../fixtures/express/connect-session-knex.js';
import { scratchName } from '../../fixtures/express/support/scratch-name.js';

const START = 1_577_836_800_000;

/** What MemoryStore holds under `sid`, parsed (it keeps sessions as JSON text). */
function stored(store: session.MemoryStore, sid: string): Record<string, unknown> | undefined {
  const text = (store as unknown as { sessions: Record<string, string> }).sessions[sid];
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

const disposers: Array<() => void> = [];
afterEach(() => {
  for (const dispose of disposers.splice(0)) dispose();
});

/** A backend over `store` with Date following `clock`, as a conformance run with --fake-date gives it. */
async function followingDate(store: session.Store, clock: ManualClock, namespace = 'ns') {
  const { factory, dispose } = dateFollowsClock(expressStoreFactory(store));
  disposers.push(dispose);
  return factory({ clock, namespace });
}

describe('generate', () => {
  it('stores the session object express-session would hand to store.set, cookie from the clock', async () => {
    const store = new session.MemoryStore();
    const clock = new ManualClock(START);
    const backend = fromExpressStore(store, { clock, namespace: 'shop' });
    const key = await backend.generate({ value: 'cart=3', expiry: 60 });
    expect(stored(store, `shop:${key}`)).toEqual({
      cookie: { originalMaxAge: 60_000, expires: new Date(START + 60_000).toISOString(), httpOnly: true, path: '/' },
      sessValue: 'cart=3',
    });
  });

  it('leaves the value field out for a session without a value, and "" is a value', async () => {
    const store = new session.MemoryStore();
    const clock = new ManualClock(Date.now());
    const backend = fromExpressStore(store, { clock, valueField: 'data' });
    const none = await backend.generate({ expiry: 60 });
    const empty = await backend.generate({ value: '', expiry: 60 });
    expect(stored(store, none)).not.toHaveProperty('data');
    expect(stored(store, empty)).toHaveProperty('data', '');
    await expect(backend.get(none)).resolves.toEqual({ status: 'not_set' });
    await expect(backend.get(empty)).resolves.toEqual({ status: 'ok', value: '', period: 60 });
  });

  it("hands the store a cookie whose maxAge is the clock's, as memorystore reads it for its TTL", async () => {
    const store = new (createMemoryStore(session))({});
    const clock = new ManualClock(START);
    const backend = await followingDate(store, clock);
    const key = await backend.generate({ value: 'v', expiry: 10 });
    clock.advance(10_000);
    await expect(backend.get(key)).resolves.toEqual({ status: 'ok', value: 'v', period: 0 });
    clock.advance(1);
    await expect(backend.get(key)).resolves.toEqual({ status: 'not_found' });
  });

  it('rejects an invalid expiry with a RangeError and stores nothing', async () => {
    const store = new session.MemoryStore();
    const backend = fromExpressStore(store, { clock: new ManualClock(START) });
    await expect(backend.generate({ value: 'v', expiry: -1 })).rejects.toThrow(RangeError);
    await expect(backend.generate({ value: 'v', expiry: 1.5 })).rejects.toThrow(RangeError);
    expect(Object.keys((store as unknown as { sessions: object }).sessions)).toEqual([]);
  });
});

describe('get', () => {
  it('reads no session as not_found, a session as ok with the remaining period by the clock', async () => {
    const clock = new ManualClock(START);
    const backend = await followingDate(new session.MemoryStore(), clock);
    await expect(backend.get('no-such-key')).resolves.toEqual({ status: 'not_found' });
    const key = await backend.generate({ value: 'v', expiry: 100 });
    clock.advance(1_500);
    await expect(backend.get(key)).resolves.toEqual({ status: 'ok', value: 'v', period: 98 });
  });

  it("reads a session the store expired as not_found: the store's own expiry is what is judged", async () => {
    const clock = new ManualClock(START);
    const backend = await followingDate(new session.MemoryStore(), clock);
    const key = await backend.generate({ value: 'v', expiry: 10 });
    clock.advance(10_001);
    await expect(backend.get(key)).resolves.toEqual({ status: 'not_found' });
  });

  it("expiry 'store' reports a session the store still returns as ok with period 0; 'cookie' judges it by the clock", async () => {
    const store = new session.MemoryStore(); // Date is real: MemoryStore sees 2020 cookies as long gone.
    const clock = new ManualClock(Date.now());
    const byStore = fromExpressStore(store, { clock });
    const byCookie = fromExpressStore(store, { clock, expiry: 'cookie' });
    const key = await byStore.generate({ value: 'v', expiry: 10 });
    clock.advance(60_000); // the cookie says expired; the real Date (and MemoryStore) still says live
    await expect(byStore.get(key)).resolves.toEqual({ status: 'ok', value: 'v', period: 0 });
    await expect(byCookie.get(key)).resolves.toEqual({ status: 'not_found' });
    await expect(byCookie.touch(key)).resolves.toBe('not_found');
  });

  it('reads ENOENT from get as not_found, as express-session does (session-file-store, missing file)', async () => {
    const path = mkdtempSync(join(tmpdir(), 'sess-express-test-'));
    try {
      const FileStore = createFileStore(session);
      const store = new FileStore({ path, retries: 0, reapInterval: -1, logFn: () => undefined });
      const clock = new ManualClock(START);
      const backend = await followingDate(store, clock);
      await expect(backend.get('missing')).resolves.toEqual({ status: 'not_found' });
      await expect(backend.set('missing', 'v')).resolves.toBe('not_found');
      const key = await backend.generate({ value: 'v', expiry: 60 });
      await expect(backend.get(key)).resolves.toEqual({ status: 'ok', value: 'v', period: 60 });
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });

  it('rejects with ExpressStoreError when the store hands back something that is not a session', async () => {
    const store = new session.MemoryStore();
    const backend = fromExpressStore(store, { clock: new ManualClock(START) });
    (store as unknown as { sessions: Record<string, string> }).sessions['k'] = JSON.stringify({ cookie: {}, sessValue: 'v' });
    (store as unknown as { sessions: Record<string, string> }).sessions['n'] = JSON.stringify({
      cookie: { expires: new Date(Date.now() + 60_000).toISOString() },
      sessValue: 42,
    });
    await expect(backend.get('k')).rejects.toMatchObject({ name: 'ExpressStoreError', fault: 'bad-session', message: expect.stringContaining('cookie.expires') });
    await expect(backend.get('n')).rejects.toMatchObject({ fault: 'bad-session', message: expect.stringContaining('sessValue is a number') });
  });
});

describe('set and touch', () => {
  it('change only a live session: on a missing or cleared key they resolve not_found and write nothing', async () => {
    const store = new session.MemoryStore();
    const clock = new ManualClock(START);
    const backend = await followingDate(store, clock);
    const key = await backend.generate({ value: 'v' });
    await backend.clear(key);
    await expect(backend.set(key, 'w')).resolves.toBe('not_found');
    await expect(backend.touch(key)).resolves.toBe('not_found');
    await expect(backend.set('never-made', 'w')).resolves.toBe('not_found');
    expect((store as unknown as { sessions: object }).sessions).toEqual({});
  });

  it('set replaces the value and restarts the lifetime; touch restarts it and keeps the value or its absence', async () => {
    const store = new session.MemoryStore();
    const clock = new ManualClock(START);
    const backend = await followingDate(store, clock);
    const key = await backend.generate({ value: 'v', expiry: 10 });
    clock.advance(5_000);
    await expect(backend.set(key, 'w', { expiry: 20 })).resolves.toBe('ok');
    await expect(backend.get(key)).resolves.toEqual({ status: 'ok', value: 'w', period: 20 });
    clock.advance(5_000);
    await expect(backend.touch(key, { expiry: 30 })).resolves.toBe('ok');
    await expect(backend.get(key)).resolves.toEqual({ status: 'ok', value: 'w', period: 30 });
    const bare = await backend.generate({ expiry: 10 });
    await expect(backend.touch(bare, { expiry: 40 })).resolves.toBe('ok');
    await expect(backend.get(bare)).resolves.toEqual({ status: 'not_set' });
    expect(stored(store, `ns:${bare}`)).not.toHaveProperty('sessValue');
  });

  it("reports the period a touch asked for while the store returns the record it touched (a touch that refreshes only a TTL)", async () => {
    // session-file-store's touch rewrites the cookie; this MemoryStore's touch, like connect-redis's
    // and connect-pg-simple's, keeps the stored session as it was and only moves the expiry.
    class TtlOnlyTouchStore extends session.MemoryStore {
      readonly expiries = new Map<string, number>();
      override touch(sid: string, sess: session.SessionData, callback?: (error?: unknown) => void): void {
        this.expiries.set(sid, new Date(sess.cookie.expires as Date).getTime());
        setImmediate(() => callback?.());
      }
    }
    const store = new TtlOnlyTouchStore();
    const clock = new ManualClock(Date.now());
    const backend = fromExpressStore(store, { clock, namespace: 'ns' });
    const key = await backend.generate({ value: 'v', expiry: 10 });
    await backend.touch(key, { expiry: 100 });
    expect(store.expiries.get(`ns:${key}`)).toBe(clock.now() + 100_000);
    await expect(backend.get(key)).resolves.toEqual({ status: 'ok', value: 'v', period: 100 });
    // Another writer's set replaces the record: its cookie counts again.
    await backend.set(key, 'w', { expiry: 7 });
    await expect(backend.get(key)).resolves.toEqual({ status: 'ok', value: 'w', period: 7 });
  });

  it('forgets what it kept for touched sessions once they are past their expiry (no growth under churn)', async () => {
    class TtlOnlyTouchStore extends session.MemoryStore {
      override touch(_sid: string, _sess: session.SessionData, callback?: (error?: unknown) => void): void {
        setImmediate(() => callback?.());
      }
    }
    const clock = new ManualClock(Date.now());
    const backend = new ExpressStoreBackend(new TtlOnlyTouchStore(), { clock });
    for (let i = 0; i < 3_000; i++) {
      const key = await backend.generate({ value: 'v', expiry: 1 });
      await backend.touch(key, { expiry: 1 });
      clock.advance(10);
    }
    // 3,000 touched, each dead 1 s (100 touches) later: never more than the live ones plus one doubling.
    expect(backend.heldTouchCount).toBeGreaterThan(0);
    expect(backend.heldTouchCount).toBeLessThan(1_200);
  });

  it('touch falls back to set for a store without touch', async () => {
    const store = new session.MemoryStore();
    Object.defineProperty(store, 'touch', { value: undefined });
    const clock = new ManualClock(START);
    const backend = await followingDate(store, clock);
    const key = await backend.generate({ value: 'v', expiry: 10 });
    await expect(backend.touch(key, { expiry: 50 })).resolves.toBe('ok');
    await expect(backend.get(key)).resolves.toEqual({ status: 'ok', value: 'v', period: 50 });
  });
});

describe('the read-then-write of set on the Store API, and the in-process lock', () => {
  // MemoryStore reads at the call and answers a turn later: a destroy made in between lands
  // after set's read and before its write, as a logout racing a request's save.
  async function destroyDuringSet(lock: 'none' | 'in-process') {
    const clock = new ManualClock(START);
    const { factory, dispose } = dateFollowsClock(expressStoreFactory(new session.MemoryStore(), { lock }));
    disposers.push(dispose);
    const backend = await factory({ clock, namespace: 'ns' });
    const key = await backend.generate({ value: 'logged in' });
    const [setOutcome] = await Promise.all([backend.set(key, 'cart=1'), backend.clear(key)]);
    return { setOutcome, after: await backend.get(key) };
  }

  it('unlocked: a destroy between the read and the write of set is undone (expressjs/session#632)', async () => {
    const { setOutcome, after } = await destroyDuringSet('none');
    expect(setOutcome).toBe('ok');
    expect(after).toEqual({ status: 'ok', value: 'cart=1', period: 86_400 });
  });

  it('under lock: in-process, the destroy waits for the set, and the logout holds', async () => {
    const { setOutcome, after } = await destroyDuringSet('in-process');
    expect(setOutcome).toBe('ok');
    expect(after).toEqual({ status: 'not_found' });
  });
});

describe('namespaces', () => {
  it('keep backends over one store apart by escaped id prefix, whatever the namespaces share', async () => {
    const store = new session.MemoryStore();
    const clock = new ManualClock(Date.now());
    const a = fromExpressStore(store, { clock, namespace: 'a', expiry: 'cookie' });
    const ab = fromExpressStore(store, { clock, namespace: 'a:b', expiry: 'cookie' });
    const key = await ab.generate({ value: 'v' });
    // Unescaped, namespace 'a' would read id 'a:' + 'b:' + key as its key 'b:<key>'.
    await expect(a.get(`b:${key}`)).resolves.toEqual({ status: 'not_found' });
    await a.clear(`b:${key}`);
    await expect(ab.get(key)).resolves.toMatchObject({ status: 'ok', value: 'v' });
    expect(Object.keys((store as unknown as { sessions: object }).sessions)).toEqual([`a%3Ab:${key}`]);
  });

  it('a store maker gives each factory call its own store, released by close()', async () => {
    const released: string[] = [];
    const factory = expressStoreFactory(({ namespace }) => ({
      store: new session.MemoryStore(),
      close: () => void released.push(namespace),
    }));
    const one = await factory({ clock: new ManualClock(Date.now()), namespace: 'one' });
    await one.generate({ value: 'v' });
    await one.close?.();
    await one.close?.();
    expect(released).toEqual(['one']);
  });
});

describe('close', () => {
  it('releases what the adapter was given, once, and every later call rejects', async () => {
    let releases = 0;
    const backend = fromExpressStore(new session.MemoryStore(), { clock: new ManualClock(START), close: () => void (releases += 1) });
    const key = await backend.generate({ value: 'v' });
    await backend.close?.();
    expect(releases).toBe(1);
    for (const call of [() => backend.get(key), () => backend.set(key, 'w'), () => backend.touch(key), () => backend.clear(key), () => backend.generate()]) {
      await expect(call()).rejects.toMatchObject({ name: 'ExpressStoreError', fault: 'closed' });
    }
  });
});

describe('stores that break the callback protocol get a named error, never a crash', () => {
  const clock = () => new ManualClock(Date.now());

  it('a store that throws instead of calling back', async () => {
    const backend = fromExpressStore(new ThrowingStore(), { clock: clock() });
    const error = await backend.get('a/b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExpressStoreError);
    expect(error).toMatchObject({ fault: 'threw', method: 'get', message: expect.stringContaining('threw instead of calling back') });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('a store that calls back twice: the next call reports it', async () => {
    const backend = fromExpressStore(new TwiceCallingStore(), { clock: clock() });
    const key = await backend.generate({ value: 'v' });
    await new Promise((resolve) => setImmediate(resolve));
    await expect(backend.get(key)).rejects.toMatchObject({
      fault: 'called-back-twice',
      message: expect.stringMatching(/store\.set\(.*\) called back twice: first with success, then with an error \(Error: replica write failed\)/),
    });
    await expect(backend.get(key)).resolves.toMatchObject({ status: 'ok' });
  });

  it('a store that calls back with a non-Error', async () => {
    const backend = fromExpressStore(new StringErrorStore(), { clock: clock() });
    await expect(backend.clear('k')).rejects.toMatchObject({
      fault: 'non-error',
      message: expect.stringContaining('called back with a non-Error as its error: "destroy failed: read-only"'),
    });
  });

  it('a store that never calls back', async () => {
    const backend = fromExpressStore(new SilentTouchStore(), { clock: clock(), callTimeoutMs: 50 });
    const key = await backend.generate({ value: 'v' });
    await expect(backend.touch(key)).rejects.toMatchObject({
      fault: 'no-callback',
      message: expect.stringMatching(/store\.touch\(.*\) did not call back within 50 ms/),
    });
  });

  it('a store whose promise rejects without a callback', async () => {
    const backend = fromExpressStore(new RejectingTouchStore(), { clock: clock() });
    const key = await backend.generate({ value: 'v' });
    await expect(backend.touch(key)).rejects.toMatchObject({ fault: 'rejected-without-callback', message: expect.stringContaining('SQLITE_READONLY') });
  });

  it('a store that calls back with its error and rethrows it: the error, then the stray rejection named', async () => {
    const store = new RethrowingStore();
    const backend = fromExpressStore(store, { clock: clock() });
    const key = await backend.generate({ value: 'v' });
    store.failNextGet = true;
    await expect(backend.get(key)).rejects.toThrow('SQLITE_BUSY');
    await new Promise((resolve) => setImmediate(resolve));
    await expect(backend.get(key)).rejects.toMatchObject({
      fault: 'rejected-after-callback',
      message: expect.stringContaining('Node >= 15 exits on it'),
    });
  });

  it("connect-session-knex, its database gone: the error, then its rethrow (unhandled under express-session) named", async () => {
    const knex = postgresKnex();
    const table = scratchName('knex_unit');
    try {
      const store = new ConnectSessionKnexStore({ knex, tableName: table, cleanupInterval: 0 });
      const backend = fromExpressStore(store, { clock: clock() });
      const key = await backend.generate({ value: 'v' });
      await knex.schema.dropTableIfExists(table);
      await knex.destroy();
      const first = await backend.get(key).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(Error);
      expect(first).not.toBeInstanceOf(ExpressStoreError); // the store's own error, as it called back with it
      await new Promise((resolve) => setImmediate(resolve));
      await expect(backend.get(key)).rejects.toMatchObject({ fault: 'rejected-after-callback', method: 'get' });
    } finally {
      await knex.destroy();
    }
  });

  it('close reports a fault no later call did', async () => {
    const backend = fromExpressStore(new TwiceCallingStore(), { clock: clock() });
    await backend.generate({ value: 'v' });
    await new Promise((resolve) => setImmediate(resolve));
    await expect(backend.close?.()).rejects.toMatchObject({ fault: 'called-back-twice' });
  });
});

describe('bad arguments', () => {
  it('are TypeErrors that name what is wrong', () => {
    const clock = new ManualClock(START);
    expect(() => fromExpressStore({} as never, { clock })).toThrow(/store has no get, set, destroy\(\)/);
    expect(() => fromExpressStore(session.MemoryStore as never, { clock })).toThrow(/pass an instance/);
    expect(() => fromExpressStore(new session.MemoryStore(), { clock, lock: 'global' as never })).toThrow(/lock must be 'none' or 'in-process', got "global"/);
    expect(() => fromExpressStore(new session.MemoryStore(), { clock, valueField: 'cookie' })).toThrow(/valueField/);
    expect(() => fromExpressStore(new session.MemoryStore(), { clock, defaultPeriod: -1 })).toThrow(RangeError);
    expect(() => expressStoreFactory({} as never)).toThrow(TypeError);
  });
});
