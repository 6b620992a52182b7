/**
 * The IndexedDB unit checks whose outcome depends on the engine, as a page of their own (vitest's
 * browser mode drives only Playwright's Firefox and WebKit builds, which cannot be had here):
 * two connections on one database, `versionchange` and `deleteDatabase` from another connection,
 * data surviving close and reopen, aborted transactions, and the transaction-lifetime facts the
 * backend relies on. `indexeddb.engines.test.ts` runs this module in Chromium, Firefox and WebKit
 * through the browser room's drivers; each check resolves or throws, and the page posts them all.
 */
import { deleteDB, openDB } from 'idb';
import { ManualClock } from '../clock.js';
import { IndexedDbBackend, IndexedDbBackendError } from './indexeddb.js';
import { withAbortingRequests } from './indexeddb.aborting-requests.js';

/** One check's outcome, as the page posts it. */
export interface EngineCheck {
  name: string;
  ok: boolean;
  /** Why it failed (or what it observed, for the fact checks). */
  detail: string;
}

const opened: IndexedDbBackend[] = [];
const names: string[] = [];

function fresh(clock = new ManualClock(1_000_000)) {
  const name = `sess-engine-${crypto.randomUUID()}`;
  names.push(name);
  const on = () => {
    const backend = new IndexedDbBackend({ name, clock, defaultPeriod: 60 });
    opened.push(backend);
    return backend;
  };
  return { name, clock, on, backend: on() };
}

function same(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

async function rejects(promise: Promise<unknown>, pattern: RegExp, what: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof IndexedDbBackendError)) throw new Error(`${what}: rejected with ${String(error)}, not an IndexedDbBackendError`);
    if (!pattern.test(error.message)) throw new Error(`${what}: rejected with "${error.message}", which does not match ${pattern}`);
    return;
  }
  throw new Error(`${what}: resolved, expected a rejection matching ${pattern}`);
}

/** Whether a transaction still takes requests after `pause` (spec: across microtasks yes, across a task no). */
async function activeAfter(pause: () => Promise<unknown>): Promise<boolean> {
  const name = `sess-engine-${crypto.randomUUID()}`;
  names.push(name);
  const db = await openDB(name, 1, { upgrade: (d) => void d.createObjectStore('s') });
  try {
    const tx = db.transaction('s', 'readwrite');
    await tx.store.put('a', 'k');
    await pause();
    try {
      await tx.store.put('b', 'k');
      return true;
    } catch (error) {
      // Inactive, or (no request was pending, so it auto-committed) already finished.
      if (['TransactionInactiveError', 'InvalidStateError'].includes((error as Error).name)) return false;
      throw error;
    }
  } finally {
    db.close();
  }
}

const CHECKS: Record<string, () => Promise<string | void>> = {
  async 'two connections on one database behave as one store, and a clear in one is never undone by the other'() {
    const { on, backend: tab1 } = fresh();
    const tab2 = on();
    const key = await tab1.generate({ value: 'from tab 1' });
    same(await tab2.get(key), { status: 'ok', value: 'from tab 1', period: 60 }, 'tab 2 reads tab 1');
    same(await tab2.set(key, 'from tab 2'), 'ok', 'tab 2 sets');
    same(await tab1.get(key), { status: 'ok', value: 'from tab 2', period: 60 }, 'tab 1 reads tab 2');
    const racing = await Promise.all([tab1.set(key, 'one'), tab2.set(key, 'two'), tab1.clear(key), tab2.set(key, 'three'), tab2.touch(key)]);
    same(racing[0], 'ok', 'the set issued first');
    same(await tab1.get(key), { status: 'not_found' }, 'after the racing clear');
    same(await tab2.size(), 0, 'records left');
  },

  async 'deleteDatabase from another connection is not blocked, and the next call opens a fresh database'() {
    const { name, backend } = fresh();
    const key = await backend.generate({ value: 'v' });
    let blocked = false;
    await deleteDB(name, { blocked: () => (blocked = true) });
    same(blocked, false, 'deleteDatabase blocked');
    same(await backend.get(key), { status: 'not_found' }, 'the deleted session');
    const again = await backend.generate({ value: 'w' });
    same(await backend.get(again), { status: 'ok', value: 'w', period: 60 }, 'a session in the fresh database');
  },

  async 'an upgrade (versionchange) from another connection lets running writes finish, then calls fail clearly'() {
    const { name, backend } = fresh();
    const keys = await Promise.all([1, 2, 3, 4, 5].map((i) => backend.generate({ value: `v${i}` })));
    const writes = keys.map((key, i) => backend.set(key, `written ${i}`));
    const upgraded = openDB(name, 2);
    same(await Promise.all(writes), ['ok', 'ok', 'ok', 'ok', 'ok'], 'writes in flight');
    const db = await upgraded;
    try {
      const records = (await db.getAll('sessions')) as { value: string }[];
      same(records.map((record) => record.value).sort(), keys.map((_, i) => `written ${i}`), 'records after the upgrade');
    } finally {
      db.close();
    }
    await rejects(backend.get(keys[0]!), /VersionError/, 'a get on the upgraded database');
  },

  async 'data survives closing the connection and opening the database again'() {
    const { clock, on, backend } = fresh();
    const key = await backend.generate({ value: 'kept' });
    const none = await backend.generate();
    await backend.close();
    await rejects(backend.get(key), /was closed/, 'a get after close');
    clock.advance(10_000);
    const reopened = on();
    same(await reopened.get(key), { status: 'ok', value: 'kept', period: 50 }, 'the kept session');
    same(await reopened.get(none), { status: 'not_set' }, 'the session without a value');
  },

  async 'an aborted write rejects and leaves the record as it was; an aborted generate stores nothing'() {
    const { backend } = fresh();
    const key = await backend.generate({ value: 'before' });
    await withAbortingRequests('put', async () => {
      await rejects(backend.set(key, 'after'), /IndexedDbBackend\.set failed on database "sess-engine-.*AbortError/, 'an aborted set');
      await rejects(backend.touch(key, { expiry: 5 }), /AbortError/, 'an aborted touch');
    });
    same(await backend.get(key), { status: 'ok', value: 'before', period: 60 }, 'the record after the aborts');
    await withAbortingRequests('add', () => rejects(backend.generate({ value: 'v' }), /IndexedDbBackend\.generate failed/, 'an aborted generate'));
    same(await backend.size(), 1, 'records after the aborted generate');
    await withAbortingRequests('get', () => rejects(backend.get(key), /IndexedDbBackend\.get failed.*AbortError/, 'an aborted get'));
  },

  async 'a transaction stays active across awaited microtasks and goes inactive after a task (the backend relies on the first)'() {
    const acrossMicrotasks = await activeAfter(async () => {
      for (let i = 0; i < 10; i++) await Promise.resolve();
    });
    const acrossTask = await activeAfter(() => new Promise((resolve) => setTimeout(resolve, 0)));
    same({ acrossMicrotasks, acrossTask }, { acrossMicrotasks: true, acrossTask: false }, 'transaction activity');
  },

  async 'awaiting crypto.subtle.digest inside a transaction: engine timing (IndexedDbBackend awaits only its own requests there)'() {
    const survives = await activeAfter(() => crypto.subtle.digest('SHA-256', new TextEncoder().encode('a session key')));
    return survives ? 'active' : 'finished';
  },
};

/** The name of the check whose `detail` reports an engine difference rather than pass/fail. */
export const DIGEST_TIMING_CHECK = Object.keys(CHECKS).at(-1)!;

/** Runs every check, one after the other, and cleans up the databases they made. */
export async function runEngineChecks(): Promise<EngineCheck[]> {
  const results: EngineCheck[] = [];
  for (const [name, check] of Object.entries(CHECKS)) {
    try {
      const detail = await check();
      results.push({ name, ok: true, detail: detail ?? '' });
    } catch (error) {
      results.push({ name, ok: false, detail: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) });
    } finally {
      await Promise.all(opened.splice(0).map((backend) => backend.close()));
      await Promise.all(names.splice(0).map((name) => deleteDB(name)));
    }
  }
  return results;
}
