/**
 * One call of an express-session `Store` method, as express-session makes it: the arguments, then a
 * callback `(err, result)`. Turned into a promise that settles exactly once, with what went wrong
 * named when the store breaks the callback protocol (it throws, calls back twice, calls back with a
 * non-Error, never calls back, or rejects the promise it also returns).
 *
 * Written here rather than with `util.promisify`: promisify turns a throw into a rejection but
 * silently ignores a second callback, a promise the method returns, and a callback that never
 * comes, and those are exactly the store bugs this adapter must report.
 */
import { ExpressStoreError, type StoreFault } from './errors.js';

/** The callback express-session hands to every store method. */
export type StoreCallback = (error?: unknown, result?: unknown) => void;

/** Where faults that show after a call has settled (a second callback, a late rejection) go. */
export type LateFaultSink = (fault: ExpressStoreError) => void;

/** How one call is made and watched. */
export interface StoreCallOptions {
  /** Rejects with a `no-callback` fault after this many ms without a callback; 0 waits forever. */
  callTimeoutMs: number;
  /** Receives faults that surface after the call settled, to be reported by a later call. */
  onLateFault: LateFaultSink;
}

/**
 * Calls `store[method](...args, callback)` and resolves with the callback's result.
 *
 * - A truthy non-Error first argument rejects with an `ExpressStoreError` (fault `non-error`);
 *   an `Error` rejects unchanged (it is the store's own failure).
 * - A synchronous throw rejects with fault `threw`, the thrown value as `cause`.
 * - A returned promise (stores written with `async` methods) is watched: rejecting before the
 *   callback rejects with fault `rejected-without-callback`; rejecting after it is a late fault
 *   `rejected-after-callback` (under express-session, which ignores what a store returns, nobody
 *   handles that rejection and Node >= 15 exits).
 * - A second callback is a late fault `called-back-twice`.
 */
export function callStore(
  store: object,
  method: string,
  args: readonly unknown[],
  options: StoreCallOptions,
): Promise<unknown> {
  const call = `store.${method}(${args.length > 0 ? describeArgument(args[0]) : ''})`;
  return new Promise((resolve, reject) => {
    let settled = false;
    let calledBack: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      outcome();
    };
    const fault = (kind: StoreFault, message: string, cause?: unknown) =>
      new ExpressStoreError(`${call} ${message}`, { fault: kind, method, ...(cause !== undefined && { cause }) });

    const callback: StoreCallback = (error, result) => {
      const described = error ? `an error (${describeValue(error)})` : 'success';
      if (calledBack !== undefined) {
        options.onLateFault(fault('called-back-twice', `called back twice: first with ${calledBack}, then with ${described}`));
        return;
      }
      calledBack = described;
      if (error && !(error instanceof Error)) {
        settle(() => reject(fault('non-error', `called back with a non-Error as its error: ${describeValue(error)}`, error)));
      } else if (error) {
        settle(() => reject(error));
      } else {
        settle(() => resolve(result));
      }
    };

    let returned: unknown;
    try {
      const fn = (store as Record<string, unknown>)[method] as (...a: unknown[]) => unknown;
      returned = fn.apply(store, [...args, callback]);
    } catch (error) {
      settle(() => reject(fault('threw', `threw instead of calling back: ${describeValue(error)}`, error)));
      return;
    }
    if (isThenable(returned)) {
      returned.then(undefined, (error: unknown) => {
        if (calledBack === undefined) {
          settle(() =>
            reject(
              fault(
                'rejected-without-callback',
                'rejected the promise it returned and never called back (under express-session, which passes a ' +
                  `callback and ignores the promise, the request would hang and the rejection go unhandled): ${describeValue(error)}`,
                error,
              ),
            ),
          );
        } else {
          options.onLateFault(
            fault(
              'rejected-after-callback',
              'called back, then rejected the promise it returned as well (under express-session nobody handles ' +
                `that rejection, and Node >= 15 exits on it): ${describeValue(error)}`,
              error,
            ),
          );
        }
      });
    }
    if (!settled && options.callTimeoutMs > 0) {
      timer = setTimeout(() => {
        settle(() =>
          reject(
            fault(
              'no-callback',
              `did not call back within ${options.callTimeoutMs} ms (under express-session the request would hang)`,
            ),
          ),
        );
      }, options.callTimeoutMs);
    }
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** The session id in a message, cut short: ids can be garbage keys of any length. */
function describeArgument(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
