/**
 * What goes wrong between the adapter and an express-session store.
 */

/**
 * How a store broke the callback protocol of express-session's Store API, or what the adapter
 * refused:
 * - `threw`: the method threw instead of calling back;
 * - `non-error`: it called back with something other than an `Error` as the error;
 * - `called-back-twice`: it called its callback a second time;
 * - `no-callback`: it did not call back within `callTimeoutMs`;
 * - `rejected-without-callback`: it returned a promise that rejected, and never called back;
 * - `rejected-after-callback`: it called back, and the promise it returned rejected as well;
 * - `bad-session`: `get` called back with something that is not a session the adapter stored;
 * - `closed`: the backend was closed.
 */
export type StoreFault =
  | 'threw'
  | 'non-error'
  | 'called-back-twice'
  | 'no-callback'
  | 'rejected-without-callback'
  | 'rejected-after-callback'
  | 'bad-session'
  | 'closed';

/** A store that broke the Store API's callback protocol, or answered what no session can be. */
export class ExpressStoreError extends Error {
  override readonly name = 'ExpressStoreError';
  /** What the store did wrong. */
  readonly fault: StoreFault;
  /** The Store method concerned (`get`, `set`, `touch`, `destroy`), or `close`. */
  readonly method: string;

  constructor(message: string, options: { fault: StoreFault; method: string; cause?: unknown }) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.fault = options.fault;
    this.method = options.method;
  }
}
