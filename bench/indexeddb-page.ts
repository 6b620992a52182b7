/**
 * The page side of the IndexedDB case (bench/cases/indexeddb.ts): bundled and run in Chromium,
 * Firefox and WebKit through the browser room's drivers. IndexedDbBackend and idb-keyval, each on
 * a database of its own, are timed in the same page by the same alternating comparison as every
 * other case.
 */
import { createStore, get as keyvalGet, set as keyvalSet, update as keyvalUpdate } from 'idb-keyval';
import { IndexedDbBackend } from '../src/backends/indexeddb.js';
import { compare, type Comparison, type ComparisonOptions } from './compare.js';

/** Sessions in each database; operations go round them. */
const RECORDS = 100;
/** Operations per timed call: a few milliseconds per timer reading. */
const BATCH = 32;

export interface PageResult {
  get: Comparison;
  set: Comparison;
}

export async function runIndexedDbBench(options: ComparisonOptions): Promise<PageResult> {
  const run = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const backend = new IndexedDbBackend({ name: `sess-bench-${run}` });
  const store = createStore(`keyval-bench-${run}`, 'keyval');

  const sessKeys: string[] = [];
  const keyvalKeys: string[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const value = JSON.stringify({ user: i, visits: 0 });
    sessKeys.push(await backend.generate({ value }));
    keyvalKeys.push(`key-${i}`);
    await keyvalSet(`key-${i}`, value, store);
  }
  // The same job on both sides, checked before timing.
  const first = await backend.get(sessKeys[0]!);
  if (first.status !== 'ok') throw new Error(`IndexedDbBackend lost a session: ${first.status}`);
  if ((await keyvalGet(keyvalKeys[0]!, store)) === undefined) throw new Error('idb-keyval lost a value');

  let n = 0;
  const get = await compare(
    [
      {
        name: 'IndexedDbBackend',
        batch: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++, n++) await backend.get(sessKeys[n % RECORDS]!);
        },
      },
      {
        name: 'idb-keyval',
        batch: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++, n++) await keyvalGet(keyvalKeys[n % RECORDS]!, store);
        },
      },
    ],
    options,
  );
  const set = await compare(
    [
      {
        name: 'IndexedDbBackend',
        batch: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++, n++) {
            const outcome = await backend.set(sessKeys[n % RECORDS]!, JSON.stringify({ user: n % RECORDS, visits: n }));
            if (outcome !== 'ok') throw new Error(`IndexedDbBackend set: ${outcome}`);
          }
        },
      },
      {
        name: 'idb-keyval',
        batch: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++, n++) await keyvalSet(keyvalKeys[n % RECORDS]!, JSON.stringify({ user: n % RECORDS, visits: n }), store);
        },
      },
      {
        // idb-keyval's own read-modify-write (get and put in one readwrite transaction): the same
        // job as IndexedDbBackend.set, which must read to check liveness before it writes.
        name: 'idb-keyval update',
        batch: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++, n++) {
            const value = JSON.stringify({ user: n % RECORDS, visits: n });
            await keyvalUpdate(keyvalKeys[n % RECORDS]!, (old) => (old === undefined ? old : value), store);
          }
        },
      },
    ],
    options,
  );
  await backend.close();
  return { get, set };
}
