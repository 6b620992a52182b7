/**
 * The backends a property gets are guarded (SPEC §8: a run never hangs on a bad backend):
 *
 * - every call has a handler attached the moment it is made, so a rejection that the property
 *   awaits later (fast-check's scheduler holds calls back) is never "unhandled" by the harness's
 *   own doing;
 * - a call that does not settle within the call timeout rejects with {@link CallTimeoutError}
 *   naming the call, and the property fails on it instead of the run hanging (or Node exiting 13
 *   with an unsettled top-level await when nothing else keeps the loop alive);
 * - a factory that throws or rejects (on its 451st call, say) fails the property it threw in with
 *   {@link BackendFactoryCallError}, and the run goes on.
 *
 * One `setInterval` per checked property watches every pending call (a timer per call would cost
 * more than the memory backend's whole operation).
 */
import type { Backend, BackendContext, BackendFactory } from '../src/backend.js';
import { describeError } from '../src/error-text.js';

/** What one backend call may take by default before it counts as never settling (real networked stores never come close). */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/**
 * After a first call timed out, the calls of the shrinking runs that follow get this long at most:
 * shrinking re-runs the failing story dozens of times, and at the full timeout each would wait
 * again. A call that took longer than this but settled would only make shrinking keep a step.
 */
const SHRINKING_CALL_TIMEOUT_MS = 1_000;

/** A backend call that neither resolved nor rejected in time (SPEC §8: calls that never settle). */
export class CallTimeoutError extends Error {
  override readonly name = 'CallTimeoutError';
  /** The call as written in the story, e.g. `backend.get("k…")`. */
  readonly call: string;
  readonly timeoutMs: number;

  constructor(call: string, timeoutMs: number, whileShrinking = false) {
    super(`${call} did not settle within ${timeoutMs} ms${whileShrinking ? ' (the shorter limit used while shrinking, once a first call had hung)' : ''}`);
    this.call = call;
    this.timeoutMs = timeoutMs;
  }
}

/** The backend factory threw, rejected or returned no backend on one of its calls during a property. */
export class BackendFactoryCallError extends Error {
  override readonly name = 'BackendFactoryCallError';
  /** Which call of the factory failed, counted from 1 over the whole property. */
  readonly callNumber: number;

  constructor(callNumber: number, detail: string, options?: ErrorOptions) {
    super(`the backend factory failed on its call #${callNumber} during the property: ${detail}`, options);
    this.callNumber = callNumber;
  }
}

/** The methods that return promises; `defaultPeriod` is synchronous and left as it is. */
const ASYNC_METHODS = ['generate', 'get', 'set', 'touch', 'clear', 'close', 'size', 'sweep'] as const;

interface PendingCall {
  readonly call: string;
  readonly startedAt: number;
  readonly timeoutMs: number;
  readonly reject: (error: Error) => void;
}

/** Watches the calls of one property: see the module comment. */
export class CallGuard {
  readonly #timeoutMs: number;
  readonly #pending = new Set<PendingCall>();
  #interval: ReturnType<typeof setInterval> | undefined;
  #factoryCalls = 0;
  #timedOut = 0;

  constructor(timeoutMs: number = DEFAULT_CALL_TIMEOUT_MS) {
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`callTimeoutMs must be a whole number of ms >= 1, got ${String(timeoutMs)}`);
    this.#timeoutMs = timeoutMs;
  }

  /** How many calls timed out so far. */
  get timeouts(): number {
    return this.#timedOut;
  }

  /** Starts watching (the interval keeps Node alive while a call is pending, on purpose). */
  start(): void {
    const every = Math.max(5, Math.min(250, Math.floor(this.#timeoutMs / 4)));
    this.#interval ??= setInterval(() => this.#expire(), every);
  }

  /** Stops watching; calls still pending are left to themselves (their handlers are attached). */
  stop(): void {
    clearInterval(this.#interval);
    this.#interval = undefined;
    this.#pending.clear();
  }

  /** `factory`, with its calls counted and watched and the backends it gives guarded. */
  guardFactory(factory: BackendFactory): BackendFactory {
    return async (context: BackendContext) => {
      const callNumber = ++this.#factoryCalls;
      let backend: Backend;
      try {
        backend = await this.#watch('factory(context)', () => factory(context));
      } catch (error) {
        if (error instanceof CallTimeoutError) throw error;
        throw new BackendFactoryCallError(callNumber, describeError(error), { cause: error });
      }
      if (typeof backend !== 'object' || backend === null || typeof (backend as Partial<Backend>).get !== 'function') {
        throw new BackendFactoryCallError(callNumber, `it returned ${backend === null ? 'null' : typeof backend}, not a Backend`);
      }
      return this.guardBackend(backend);
    };
  }

  /**
   * A backend whose promise-returning methods are watched. Only the methods it has are wrapped,
   * so a property still sees which optional ones (`close`, `size`, `sweep`) are missing.
   */
  guardBackend(backend: Backend): Backend {
    const wrapped = new Map<PropertyKey, unknown>();
    for (const method of ASYNC_METHODS) {
      const original = (backend as unknown as Record<string, unknown>)[method];
      if (typeof original !== 'function') continue;
      wrapped.set(method, (...args: unknown[]) =>
        this.#watch(`backend.${method}(${args.map(describeArgument).join(', ')})`, () =>
          (original as (...a: unknown[]) => unknown).apply(backend, args),
        ),
      );
    }
    // A proxy, so that everything else (`in` checks, a backend's own extra methods such as
    // `setDefaultPeriod`, which may touch private fields) reaches the backend itself.
    return new Proxy(backend, {
      get(target, property) {
        if (wrapped.has(property)) return wrapped.get(property);
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  #watch<T>(call: string, invoke: () => T | Promise<T>): Promise<T> {
    const timeoutMs = this.#timedOut === 0 ? this.#timeoutMs : Math.min(this.#timeoutMs, SHRINKING_CALL_TIMEOUT_MS);
    const result = new Promise<T>((resolve, reject) => {
      const pending: PendingCall = { call, startedAt: performance.now(), timeoutMs, reject };
      this.#pending.add(pending);
      const settle = () => this.#pending.delete(pending);
      // A synchronous throw is a rejection of the call, as an async method's would be.
      Promise.resolve()
        .then(invoke)
        .then(
          (value) => {
            settle();
            resolve(value);
          },
          (error: unknown) => {
            settle();
            reject(error);
          },
        );
    });
    // Handled from birth: whoever awaits it later still gets the rejection.
    result.catch(() => undefined);
    return result;
  }

  #expire(): void {
    // Real time on purpose: the run's ManualClock stands still while a call hangs, and `Date` may
    // be following it (`fakeDate`); `performance.now()` is neither.
    const now = performance.now();
    for (const pending of this.#pending) {
      if (now - pending.startedAt < pending.timeoutMs) continue;
      this.#pending.delete(pending);
      this.#timedOut += 1;
      pending.reject(new CallTimeoutError(pending.call, pending.timeoutMs, pending.timeoutMs < this.#timeoutMs));
    }
  }
}

/**
 * An argument as the timeout message shows it. A string longer than 12 characters (a session
 * key, a value) shows its first 4 and its length only: messages never carry session data (SPEC
 * rule of issue 16), and 24 bits of a 240-bit key give nothing to present as a cookie.
 */
function describeArgument(value: unknown): string {
  if (typeof value === 'string') return value.length <= 12 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 4))}… (${value.length} chars)`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
