/**
 * IndexedDbBackend, unit by unit. Written against the standard IndexedDB API only, so the same
 * file runs in Node over fake-indexeddb (the `node` project) and, imported by
 * `indexeddb.browser.test.ts`, over Chromium's own IndexedDB.
 */
import { deleteDB, openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.js';
import { SESSION_KEY_PATTERN } from '../keys.js';
import { createIndexedDbBackendFactory, IndexedDbBackend, IndexedDbBackendError } from './indexeddb.js';
import { backendExamples } from '../../fixtures/backends/support/backend-examples.js';
import { withAbortingRequests } from '../../fixtures/browser/support/indexeddb.aborting-requests.js';

const opened: IndexedDbBackend[] = [];
const databases = new Set<string>();

/** A database name no other test uses: IndexedDB keeps data for the whole page or process. */
function freshName(): string {
  const name = `sess-unit-${globalThis.crypto.randomUUID()}`;
  databases.add(name);
  return name;
}

function backendOn(name: string, clock: ManualClock, options: { namespace?: string; defaultPeriod?: number } = {}) {
  const backend = new IndexedDbBackend({ name, clock, defaultPeriod: 60, ...options });
  opened.push(backend);
  return backend;
}

function setup(defaultPeriod = 60) {
  const clock = new ManualClock(1_000_000);
  const name = freshName();
  return { clock, name, backend: backendOn(name, clock, { defaultPeriod }) };
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((backend) => backend.close()));
  await Promise.all([...databases].map((name) => deleteDB(name)));
  databases.clear();
});

describe('IndexedDbBackend', () => {
  backendExamples(setup);

  it('refuses an invalid default period when made', () => {
    expect(() => new IndexedDbBackend({ defaultPeriod: -5 })).toThrow(/defaultPeriod/);
  });

  it('hands out well-formed keys and reads back what it stored', async () => {
    const { backend } = setup();
    const key = await backend.generate({ value: 'cart=3' });
    expect(key).toMatch(SESSION_KEY_PATTERN);
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'cart=3', period: 60 });
    expect(await backend.generate({ value: 'cart=3' })).not.toBe(key);
  });

  it('never hands out a live key twice, even when the random source repeats itself', async () => {
    const { backend } = setup();
    const crypto = globalThis.crypto as { getRandomValues(array: Uint8Array): Uint8Array };
    const realRandom = crypto.getRandomValues.bind(crypto);
    let repeats = 2;
    // The first two keys come from the same "random" bytes: the second generate collides once.
    const random = vi.spyOn(crypto, 'getRandomValues').mockImplementation((array: Uint8Array) => {
      if (repeats === 0) return realRandom(array);
      repeats--;
      return array.fill(7);
    });
    try {
      const first = await backend.generate({ value: 'first' });
      const second = await backend.generate({ value: 'second' });
      expect(repeats).toBe(0);
      expect(second).not.toBe(first);
      expect(await backend.get(first)).toEqual({ status: 'ok', value: 'first', period: 60 });
      expect(await backend.get(second)).toEqual({ status: 'ok', value: 'second', period: 60 });
      expect(await backend.size()).toBe(2);
    } finally {
      random.mockRestore();
    }
  });

  it('gives up, with an error and nothing written, when the random source keeps drawing a taken key', async () => {
    const { backend } = setup();
    const draws = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation((array) => array); // all zeros
    try {
      await backend.generate({ value: 'first' });
      await expect(backend.generate({ value: 'second' })).rejects.toThrow(/generate: 8 keys in a row that were taken .*nothing was written/);
      expect(draws).toHaveBeenCalledTimes(1 + 8);
    } finally {
      draws.mockRestore();
    }
    expect(await backend.size()).toBe(1);
  });

  it('reports an expired session without a value as not_found, not not_set (SPEC §4 order)', async () => {
    const { clock, backend } = setup();
    const key = await backend.generate({ expiry: 1 });
    expect(await backend.get(key)).toEqual({ status: 'not_set' });
    clock.advance(1_001);
    expect(await backend.get(key)).toEqual({ status: 'not_found' });
  });

  it('set replaces the value and restarts the lifetime from now', async () => {
    const { clock, backend } = setup();
    const key = await backend.generate({ value: 'a', expiry: 10 });
    clock.advance(9_500);
    expect(await backend.set(key, 'b', { expiry: 3 })).toBe('ok');
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'b', period: 3 });
    clock.advance(3_000);
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'b', period: 0 });
  });

  it('answers not_found for any garbage key, never throws', async () => {
    const { backend } = setup();
    await backend.generate({ value: 'v' });
    const garbage = ['', ' ', 'x'.repeat(100_000), '\u0000\uffff', '\ud800', '../../etc/passwd', '["a","b"]'];
    for (const key of garbage) {
      expect(await backend.get(key)).toEqual({ status: 'not_found' });
      expect(await backend.set(key, 'w')).toBe('not_found');
      expect(await backend.touch(key)).toBe('not_found');
      await backend.clear(key);
    }
    expect(await backend.get(42 as unknown as string)).toEqual({ status: 'not_found' });
    expect(await backend.size()).toBe(1);
  });

  it('stores large and non-ASCII values exactly', async () => {
    const { backend } = setup();
    const value = '\u00e9\u{1F600}\u0000'.repeat(100_000) + 'x'.repeat(1 << 20);
    const key = await backend.generate({ value });
    const lookup = await backend.get(key);
    expect(lookup.status === 'ok' && lookup.value === value).toBe(true);
  });

  it('keeps namespaces on one database fully apart', async () => {
    const clock = new ManualClock(0);
    const factory = createIndexedDbBackendFactory({ name: freshName() });
    const a = (await factory({ clock, namespace: 'a' })) as IndexedDbBackend;
    const b = (await factory({ clock, namespace: 'b' })) as IndexedDbBackend;
    opened.push(a, b);
    const key = await a.generate({ value: 'for a', expiry: 1 });
    await b.generate({ value: 'for b', expiry: 100 });
    expect(await b.get(key)).toEqual({ status: 'not_found' });
    expect(await b.set(key, 'stolen')).toBe('not_found');
    await b.clear(key);
    expect(await a.get(key)).toEqual({ status: 'ok', value: 'for a', period: 1 });
    clock.advance(2_000);
    // b's sweep sees only b's records: a's dead one stays until a sweeps.
    expect(await b.sweep()).toBe(0);
    expect(await b.size()).toBe(1);
    expect(await a.size()).toBe(1);
    expect(await a.sweep()).toBe(1);
    expect(await a.size()).toBe(0);
    expect(await b.size()).toBe(1);
  });

  it('sweep drops exactly the dead records', async () => {
    const { clock, backend } = setup();
    for (let i = 0; i < 10; i++) await backend.generate({ value: `short ${i}`, expiry: 1 });
    const live = await backend.generate({ value: 'long', expiry: 100 });
    const unset = await backend.generate({ expiry: 1 });
    clock.advance(1_000);
    expect(await backend.sweep()).toBe(0); // now == expiresAt: still live (SPEC §1)
    clock.advance(1);
    expect(await backend.size()).toBe(12);
    expect(await backend.sweep()).toBe(11);
    expect(await backend.size()).toBe(1);
    expect(await backend.sweep()).toBe(0);
    expect(await backend.get(live)).toEqual({ status: 'ok', value: 'long', period: 98 });
    expect(await backend.get(unset)).toEqual({ status: 'not_found' });
  });

  it('reclaims dead records on the write path, a bounded batch at a time', async () => {
    const { clock, name, backend } = setup();
    for (let i = 0; i < 40; i++) await backend.generate({ value: `short ${i}`, expiry: 1 });
    const live = await backend.generate({ value: 'long', expiry: 100 });
    clock.advance(1_001);
    expect(await backend.size()).toBe(41);
    // A second instance counts its own writes: its first one reclaims a batch of 32 dead records,
    // the next seven none, the eighth the next batch. No sweep() call.
    const other = backendOn(name, clock);
    expect(await other.touch(live, { expiry: 100 })).toBe('ok');
    expect(await other.size()).toBe(9);
    for (let i = 0; i < 7; i++) await other.clear(`unknown ${i}`);
    expect(await other.size()).toBe(9);
    await other.clear('unknown');
    expect(await other.size()).toBe(1);
    expect(await other.get(live)).toEqual({ status: 'ok', value: 'long', period: 100 });
  });

  it('does not grow without bound under churn', async () => {
    const { clock, backend } = setup();
    for (let i = 0; i < 1_000; i++) {
      const key = await backend.generate({ value: `v${i}`, expiry: 0 });
      if (i % 3 === 0) await backend.clear(key);
      clock.advance(1);
    }
    // 1,000 sessions made, all dead now: what remains is at most a few batches' worth.
    expect(await backend.size()).toBeLessThanOrEqual(16);
  });

  it('behaves as one store when two instances share a database', async () => {
    const clock = new ManualClock(0);
    const name = freshName();
    const tab1 = backendOn(name, clock);
    const tab2 = backendOn(name, clock);
    const key = await tab1.generate({ value: 'from tab 1' });
    expect(await tab2.get(key)).toEqual({ status: 'ok', value: 'from tab 1', period: 60 });
    expect(await tab2.set(key, 'from tab 2')).toBe('ok');
    expect(await tab1.get(key)).toEqual({ status: 'ok', value: 'from tab 2', period: 60 });
    await tab1.clear(key);
    // SPEC §4: a logout in one tab is not undone by a write racing in from the other.
    expect(await tab2.set(key, 'late write')).toBe('not_found');
    expect(await tab2.get(key)).toEqual({ status: 'not_found' });
  });

  it('linearizes concurrent writes from two instances: a clear is never undone', async () => {
    const clock = new ManualClock(0);
    const name = freshName();
    const tab1 = backendOn(name, clock);
    const tab2 = backendOn(name, clock);
    const key = await tab1.generate({ value: 'start' });
    const results = await Promise.all([
      tab1.set(key, 'one'),
      tab2.set(key, 'two'),
      tab1.clear(key),
      tab2.set(key, 'three'),
      tab2.touch(key),
    ]);
    const after = await tab1.get(key);
    // Whatever order the transactions ran in, the clear came after some set and everything after
    // it saw the key gone: the key ends not_found, and no set after the clear claims 'ok'.
    expect(after).toEqual({ status: 'not_found' });
    expect(results[0]).toBe('ok');
    expect(await tab2.size()).toBe(0);
  });

  it('keeps the data when the connection is closed and the database opened again', async () => {
    const { clock, name, backend } = setup();
    const key = await backend.generate({ value: 'kept' });
    const none = await backend.generate();
    await backend.close();
    await expect(backend.get(key)).rejects.toThrow(IndexedDbBackendError);
    await expect(backend.get(key)).rejects.toThrow(/was closed/);
    clock.advance(10_000);
    const reopened = backendOn(name, clock);
    expect(await reopened.get(key)).toEqual({ status: 'ok', value: 'kept', period: 50 });
    expect(await reopened.get(none)).toEqual({ status: 'not_set' });
  });

  it('steps aside for deleteDatabase elsewhere, and reopens a fresh database on the next call', async () => {
    const { name, backend } = setup();
    const key = await backend.generate({ value: 'v' });
    let blocked = false;
    // If the backend held on to its connection, this would stay blocked forever.
    await deleteDB(name, { blocked: () => (blocked = true) });
    expect(blocked).toBe(false);
    expect(await backend.get(key)).toEqual({ status: 'not_found' });
    const fresh = await backend.generate({ value: 'w' });
    expect(await backend.get(fresh)).toEqual({ status: 'ok', value: 'w', period: 60 });
  });

  it('lets an upgrade elsewhere finish the running writes first, then fails clearly', async () => {
    const { name, backend } = setup();
    const keys = await Promise.all([1, 2, 3, 4, 5].map((i) => backend.generate({ value: `v${i}` })));
    // Writes in flight when another connection asks for version 2.
    const writes = keys.map((key, i) => backend.set(key, `written ${i}`));
    const upgraded = openDB(name, 2);
    expect(await Promise.all(writes)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    const db = await upgraded;
    try {
      // Nothing half-written: every write that resolved 'ok' is there.
      const records = await db.getAll('sessions');
      expect(records.map((record) => record.value).sort()).toEqual(keys.map((_, i) => `written ${i}`));
    } finally {
      db.close();
    }
    // The database is now at a version this backend does not know: a clear rejection, never not_found.
    const lookup = backend.get(keys[0]!);
    await expect(lookup).rejects.toThrow(IndexedDbBackendError);
    await expect(backend.get(keys[0]!)).rejects.toThrow(/VersionError.*newer version/);
  });

  it('rejects when a write transaction aborts, and leaves the record as it was', async () => {
    const { backend } = setup();
    const key = await backend.generate({ value: 'before' });
    await withAbortingRequests('put', async () => {
      const failed = backend.set(key, 'after');
      await expect(failed).rejects.toThrow(IndexedDbBackendError);
      await expect(failed).rejects.toThrow(/IndexedDbBackend\.set failed on database "sess-unit-.*AbortError/);
      await expect(backend.touch(key, { expiry: 5 })).rejects.toThrow(IndexedDbBackendError);
    });
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'before', period: 60 });
  });

  it('rejects generate when its transaction aborts, storing nothing', async () => {
    const { backend } = setup();
    await withAbortingRequests('add', async () => {
      await expect(backend.generate({ value: 'v' })).rejects.toThrow(/IndexedDbBackend\.generate failed/);
    });
    expect(await backend.size()).toBe(0);
  });

  it('rejects a read whose transaction fails, never reading as not_found', async () => {
    const { backend } = setup();
    const key = await backend.generate({ value: 'v' });
    await withAbortingRequests('get', async () => {
      await expect(backend.get(key)).rejects.toThrow(/IndexedDbBackend\.get failed.*AbortError/);
    });
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'v', period: 60 });
  });
});
