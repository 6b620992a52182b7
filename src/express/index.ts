/**
 * `sess/express`: any express-session `Store` as a sess {@link Backend}, so that the conformance
 * suite can check the stores people run (connect-redis, connect-pg-simple, memorystore, ...) and
 * sess can run on them.
 */
import type { Backend, BackendContext, BackendFactory } from '../backend.js';
import { ExpressStoreBackend, type ExpressStore, type ExpressStoreOptions } from './backend.js';

export {
  DEFAULT_EXPRESS_PERIOD,
  DEFAULT_STORE_CALL_TIMEOUT_MS,
  ExpressStoreBackend,
  type ExpressStore,
  type ExpressStoreOptions,
} from './backend.js';
export { ExpressStoreError, type StoreFault } from './errors.js';
export type { StoreCallback } from './store-call.js';
export type { StoredSession } from './session-record.js';

/**
 * A {@link Backend} over an express-session store: `generate` stores a session object as
 * express-session hands one to `store.set` (`{ cookie, sessValue }`, no `sessValue` for a session
 * without a value), `get` reads "no session" as `not_found`, `set`/`touch` change only a session
 * the store still returns, `clear` is `destroy`. The cookie's `expires` and `maxAge` come from
 * `options.clock`. A store that throws, calls back twice, calls back with a non-Error, never calls
 * back or leaves a rejected promise gets an {@link ExpressStoreError} naming it.
 *
 * @example
 * import session from 'express-session';
 * const backend = fromExpressStore(new session.MemoryStore(), { clock: systemClock, lock: 'in-process' });
 *
 * @throws TypeError when `store` is not a Store (no get/set/destroy) or an option is invalid.
 */
export function fromExpressStore(store: ExpressStore, options: ExpressStoreOptions): Backend {
  return new ExpressStoreBackend(store, options);
}

/** A store made for one factory call, with what releases it. */
export interface MadeStore {
  store: ExpressStore;
  /** Releases the store's client, pool or timers (e.g. `() => client.quit()`). */
  close?: () => void | Promise<void>;
}

/**
 * Makes the store for one factory call (a new one each time, or one it shares); the adapter
 * prefixes ids with the call's namespace either way.
 */
export type ExpressStoreMaker = (context: BackendContext) => ExpressStore | MadeStore | Promise<ExpressStore | MadeStore>;

/** What {@link expressStoreFactory} passes on to every {@link fromExpressStore}. */
export type ExpressFactoryOptions = Omit<ExpressStoreOptions, 'clock' | 'namespace' | 'close'>;

/**
 * A {@link BackendFactory} (for `sess-conformance`, `runConformance`, `describeConformance`) over
 * one shared store, or over the store `maker` gives each call (with what releases it); ids are
 * prefixed with the call's namespace, escaped, in both cases (SPEC §4). Under `expiry: 'cookie'`
 * the factory says that the store's expiry runs on a server's clock (`expiryOnServerClock`): a
 * simulated run reports it as not checked; `--real-time` over `expiry: 'store'` checks it.
 *
 * @example
 * export default expressStoreFactory(new session.MemoryStore(), { lock: 'in-process' });
 * export const redis = expressStoreFactory(async ({ namespace }) => {
 *   const client = await createClient().connect();
 *   return { store: new RedisStore({ client, prefix: `${namespace}:` }), close: () => client.quit() };
 * });
 */
export function expressStoreFactory(store: ExpressStore | ExpressStoreMaker, options: ExpressFactoryOptions = {}): BackendFactory {
  const factory = storeFactory(store, options);
  // `expiry: 'cookie'` is for stores whose expiry runs on a server's clock: say so to the runner,
  // which then reports the store's own expiry as not checked in simulated time (SPEC §8).
  if (options.expiry === 'cookie') factory.expiryOnServerClock = "on the store's server; here the adapter judges expiry from the session's cookie, expiry: 'cookie'";
  return factory;
}

function storeFactory(store: ExpressStore | ExpressStoreMaker, options: ExpressFactoryOptions): BackendFactory {
  if (typeof store === 'function' && typeof (store as { prototype?: { get?: unknown } }).prototype?.get !== 'function') {
    const maker = store as ExpressStoreMaker;
    return async (context) => {
      const made = await maker(context);
      const { store: madeStore, close } = isMadeStore(made) ? made : { store: made, close: undefined };
      return new ExpressStoreBackend(madeStore, { ...options, clock: context.clock, namespace: context.namespace, ...(close !== undefined && { close }) });
    };
  }
  const shared = store as ExpressStore;
  // Checked now, not at the first factory call: a wrong argument is the caller's mistake.
  new ExpressStoreBackend(shared, { ...options, clock: { now: () => 0 } });
  return ({ clock, namespace }) => new ExpressStoreBackend(shared, { ...options, clock, namespace });
}

function isMadeStore(value: ExpressStore | MadeStore): value is MadeStore {
  return typeof (value as MadeStore).store === 'object' && (value as MadeStore).store !== null && typeof (value as ExpressStore).get !== 'function';
}

/**
 * The limit of the Store API itself, as a finding's root cause (contracts.md `RootCause` shape):
 * what a store cannot promise however well it is written, kept apart from the store's own bugs.
 */
export const EXPRESS_STORE_READ_THEN_WRITE = Object.freeze({
  id: 'express-store-read-then-write',
  rule:
    'the express-session Store API has no conditional write (set is an upsert), so set/touch on a live session ' +
    'are a read then a write, and a destroy that lands between them is undone (expressjs/session#632; ' +
    'SPEC §4: set/touch check liveness and write in one step)',
});
