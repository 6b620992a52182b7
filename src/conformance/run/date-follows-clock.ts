/**
 * Makes the global `Date` follow the run's {@link ManualClock} for stores that read `Date.now()` /
 * `new Date()` instead of the clock they were given (memorystore, express-session's MemoryStore,
 * session-file-store, connect-pg-simple, the SQL stores that compute instants in JavaScript): under
 * it, such a store expires by the simulated clock, so its expiry can be checked at all.
 *
 * Only `Date` is faked (@sinonjs/fake-timers, `toFake: ['Date']`): timers, microtasks and I/O stay
 * real, so drivers and sockets work as usual. `Date` stands still between syncs: it reads the clock
 * of the backend being called, set at the start of every backend call and every factory call.
 */
import { withGlobal, type Clock as FakeClock } from '@sinonjs/fake-timers';

import type { Backend, BackendFactory } from '../../backend.js';
import { systemClock, type Clock } from '../../clock.js';

/** The backend methods that sync `Date` to their backend's clock before they run. */
const SYNCED_METHODS: ReadonlySet<PropertyKey> = new Set([
  'defaultPeriod', 'generate', 'get', 'set', 'touch', 'clear', 'close', 'size', 'sweep',
]);

/** One fake `Date` for the process, shared by every wrapper alive (fake-timers installs once per global). */
let installed: FakeClock | undefined;
let holders = 0;

function acquire(): void {
  if (holders === 0) installed = withGlobal(globalThis).install({ toFake: ['Date'], now: systemClock.now() });
  holders += 1;
}

function release(): void {
  holders -= 1;
  if (holders === 0) {
    installed?.uninstall();
    installed = undefined;
  }
}

function sync(clock: Clock): void {
  installed?.setSystemTime(clock.now());
}

/**
 * Wraps `factory` so that, while the returned `dispose` has not been called, the global `Date`
 * (only Date: timers, microtasks and I/O stay real; @sinonjs/fake-timers with toFake: ['Date'])
 * reads the clock of the backend being called (synced at the start of every backend call and
 * every factory call).
 *
 * @example
 * const { factory, dispose } = dateFollowsClock(memorystoreFactory);
 * try { await runConformance(factory); } finally { dispose(); }
 */
export function dateFollowsClock(factory: BackendFactory): { factory: BackendFactory; dispose(): void } {
  acquire();
  let disposed = false;
  const following: BackendFactory = async (context) => {
    sync(context.clock);
    const backend = await factory(context);
    return followClock(backend, context.clock);
  };
  return {
    factory: following,
    dispose() {
      if (disposed) return;
      disposed = true;
      release();
    },
  };
}

/** `backend`, with `Date` synced to `clock` before each of its methods runs (after dispose: as is). */
function followClock(backend: Backend, clock: Clock): Backend {
  if (typeof backend !== 'object' || backend === null) return backend;
  return new Proxy(backend, {
    get(target, property) {
      // Read on the target itself: a class with #private fields must see itself as `this`.
      const value: unknown = Reflect.get(target, property, target);
      if (!SYNCED_METHODS.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        sync(clock);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
