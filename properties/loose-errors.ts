/**
 * The rejection trap (SPEC §4: a backend never leaves a promise rejection unhandled nor throws
 * from a callback it schedules; in Node >= 15 either kills the server). While a property runs,
 * unhandled rejections and uncaught exceptions are caught here instead of killing the run (or
 * being reported by a test runner as its own error), and become a failure of that property.
 *
 * Node: `unhandledRejection` / `uncaughtException` on `process`; the listeners already there (a
 * test runner's) are set aside while the trap is on and put back after, so the loose error is
 * reported once, by the property. Browsers: `unhandledrejection` / `error` on `globalThis`, with
 * `preventDefault()`.
 */

interface NodeProcess {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  listeners(event: string): Array<(...args: any[]) => void>;
}

interface EventTargetLike {
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
}

/** One error the backend let loose. */
export interface LooseError {
  readonly kind: 'unhandled rejection' | 'uncaught exception';
  readonly error: unknown;
}

const NODE_EVENTS = [
  ['unhandledRejection', 'unhandled rejection'],
  ['uncaughtException', 'uncaught exception'],
] as const;

type BrowserEvent = { preventDefault?: () => void; reason?: unknown; error?: unknown; message?: unknown };

const BROWSER_EVENTS: ReadonlyArray<readonly [string, LooseError['kind'], (event: BrowserEvent) => unknown]> = [
  ['unhandledrejection', 'unhandled rejection', (event) => event.reason],
  ['error', 'uncaught exception', (event) => event.error ?? event.message],
];

/** Catches loose errors from {@link LooseErrorTrap.start} to {@link LooseErrorTrap.stop}. */
export class LooseErrorTrap {
  #caught: LooseError[] = [];
  #restore: Array<() => void> = [];

  /** Starts catching. */
  start(): void {
    if (this.#restore.length > 0) return;
    const process = (globalThis as { process?: Partial<NodeProcess> }).process;
    if (typeof process?.on === 'function' && typeof process.listeners === 'function' && typeof process.off === 'function') {
      const node = process as NodeProcess;
      for (const [event, kind] of NODE_EVENTS) {
        const setAside = node.listeners(event);
        for (const listener of setAside) node.off(event, listener);
        const listener = (error: unknown) => this.#caught.push({ kind, error });
        node.on(event, listener);
        this.#restore.push(() => {
          node.off(event, listener);
          for (const previous of setAside) node.on(event, previous);
        });
      }
      return;
    }
    const target = globalThis as unknown as Partial<EventTargetLike>;
    if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') return;
    const events = target as EventTargetLike;
    for (const [type, kind, errorOf] of BROWSER_EVENTS) {
      const listener = (event: BrowserEvent) => {
        event.preventDefault?.();
        this.#caught.push({ kind, error: errorOf(event) });
      };
      events.addEventListener(type, listener);
      this.#restore.push(() => events.removeEventListener(type, listener));
    }
  }

  /** Whether anything was caught since the last {@link LooseErrorTrap.take}. */
  get holding(): boolean {
    return this.#caught.length > 0;
  }

  /** The loose errors caught since the last call, and forgets them. */
  take(): LooseError[] {
    const caught = this.#caught;
    this.#caught = [];
    return caught;
  }

  /** Stops catching and puts the listeners that were there back. */
  stop(): void {
    for (const restore of this.#restore.reverse()) restore();
    this.#restore = [];
  }
}

/**
 * Lets the event loop turn once, so that Node reports the rejections left unhandled by what ran
 * (it does so after the microtask queue drains) and timers due now fire. `setImmediate` in Node;
 * a `MessageChannel` message in browsers (not clamped to 4 ms as a nested `setTimeout` is).
 */
export function turnOfTheEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A short real wait, for work a backend schedules on a timer (write-behind, deferred callbacks). */
export function realWait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
