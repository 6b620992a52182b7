/**
 * Fault injection: a backend wrapper that makes chosen calls fail or never settle, the way a
 * store does when a connection drops, a quota is hit or a reply is lost (SPEC §4: a failure
 * rejects with an `Error`; it never turns into `not_found` or a fake success).
 */
import type { Backend, ExpiryOptions, GenerateOptions, Lookup } from '../src/backend.js';

/**
 * What happens to one call:
 * - `fail`: rejects at once, the store untouched (connection refused);
 * - `fail-after`: the store does the work, then the call rejects (reply lost, error on commit);
 * - `hang`: never settles, the store untouched (a request stuck in a dead connection);
 * - `hang-after`: the store does the work, the call never settles (reply never comes).
 */
export type Fault = 'fail' | 'fail-after' | 'hang' | 'hang-after';

export const FAULTS: readonly Fault[] = ['fail', 'fail-after', 'hang', 'hang-after'];

/** The backend operations a fault may hit. */
export type FaultableOperation = 'generate' | 'get' | 'set' | 'touch' | 'clear';

/** The error an injected `fail` or `fail-after` rejects with. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
  constructor(
    readonly operation: FaultableOperation,
    readonly fault: Fault,
    /** 1-based number of the call through the wrapper. */
    readonly callNumber: number,
  ) {
    super(`injected fault: ${operation} call #${callNumber} ${fault === 'fail' ? 'failed before reaching the store' : 'failed after the store did the work'}`);
  }
}

/** Decides the fault of each call, by its 1-based number through the wrapper and its operation. */
export type FaultPlan = (call: { readonly number: number; readonly operation: FaultableOperation }) => Fault | undefined;

/** A record of one call that a fault hit. */
export interface InjectedCall {
  readonly number: number;
  readonly operation: FaultableOperation;
  readonly fault: Fault;
}

/** A backend whose calls fail as its plan says, and which remembers the faults it injected. */
export interface FaultyBackend extends Backend {
  readonly injected: readonly InjectedCall[];
  /** Calls made through the wrapper so far. */
  readonly calls: number;
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * Wraps `backend` so that calls fail or hang as `plan` decides; calls with no fault pass
 * through. `defaultPeriod`, `size`, `sweep` and `close` are never faulted.
 *
 * @example
 * // every third call fails before reaching the store
 * const faulty = withFaults(backend, ({ number }) => (number % 3 === 0 ? 'fail' : undefined));
 */
export function withFaults(backend: Backend, plan: FaultPlan): FaultyBackend {
  const injected: InjectedCall[] = [];
  let calls = 0;
  const run = <T>(operation: FaultableOperation, call: () => Promise<T>): Promise<T> => {
    const number = ++calls;
    const fault = plan({ number, operation });
    if (fault === undefined) return call();
    injected.push({ number, operation, fault });
    switch (fault) {
      case 'fail':
        return Promise.reject(new InjectedFault(operation, fault, number));
      case 'hang':
        return never();
      case 'fail-after':
        return call().then(
          () => Promise.reject(new InjectedFault(operation, fault, number)),
          () => Promise.reject(new InjectedFault(operation, fault, number)),
        );
      case 'hang-after':
        return call().then(
          () => never<T>(),
          () => never<T>(),
        );
    }
  };
  const faulty: FaultyBackend = {
    get injected() {
      return injected;
    },
    get calls() {
      return calls;
    },
    defaultPeriod: () => backend.defaultPeriod(),
    generate: (options?: GenerateOptions) => run('generate', () => backend.generate(options)),
    get: (key: string): Promise<Lookup> => run('get', () => backend.get(key)),
    set: (key: string, value: string, options?: ExpiryOptions) => run('set', () => backend.set(key, value, options)),
    touch: (key: string, options?: ExpiryOptions) => run('touch', () => backend.touch(key, options)),
    clear: (key: string) => run('clear', () => backend.clear(key)),
  };
  if (backend.close !== undefined) faulty.close = () => backend.close!();
  if (backend.size !== undefined) faulty.size = () => backend.size!();
  if (backend.sweep !== undefined) faulty.sweep = () => backend.sweep!();
  return faulty;
}
