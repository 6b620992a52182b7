/**
 * What every engine driver does, whatever protocol it speaks: launch a browser, load the page,
 * report the page's console lines and uncaught errors, close. The run itself (messages, the
 * watchdog, the report) is the same for all of them and lives outside the drivers.
 */
import type { BrowserEngine } from '../engine-names.js';
import type { Workspace } from '../workspace.js';

/** What a driver reports about the page it drives. */
export interface EngineEvents {
  /** A `console.*` call in the page (`level` is `log`, `warn`, `error`, ...). */
  console(level: string, text: string): void;
  /** An uncaught error or unhandled rejection in the page, as the engine reports it. */
  pageError(message: string, stack: string): void;
  /** The page or the browser went away (a crash, or out of memory). */
  crash(reason: string): void;
}

/** A launched browser with one page. */
export interface EngineSession {
  /** The browser's name and version, e.g. `Firefox 153.8.0esr`. */
  readonly version: string;
  /** Loads `url` in the page; resolves once it has loaded. */
  open(url: string): Promise<void>;
}

/** A driver whose tools and browser were found: ready to launch. */
export interface EngineLauncher {
  /**
   * Starts the browser, its files inside `workspace.dir`; registers with `workspace` how to close
   * and, on exit, kill what it started.
   *
   * @throws ConformanceUsageError when the browser does not start (or its session request hangs),
   *   naming the engine and what to install.
   */
  launch(workspace: Workspace, env: Record<string, string | undefined>, events: EngineEvents): Promise<EngineSession>;
}

/** One engine's driver. */
export interface EngineDriver {
  readonly engine: BrowserEngine;
  /**
   * Whether the driver's protocol reports console lines and page errors itself; when not, the
   * page server puts a script first in the page that forwards them.
   */
  readonly reportsConsole: boolean;
  /**
   * Loads the driver's optional tools and checks its binaries are there.
   *
   * @throws ConformanceUsageError naming what to npm install or apt-get install, and the
   *   environment variable that overrides the binary's path.
   */
  prepare(env: Record<string, string | undefined>): Promise<EngineLauncher>;
}

/**
 * How long a browser may take to start (launch, or WebKit's session request) before the run gives
 * up on it: 30 s, or `SESS_BROWSER_START_TIMEOUT` seconds.
 */
export function launchTimeoutMs(env: Record<string, string | undefined>): number {
  const seconds = Number(env['SESS_BROWSER_START_TIMEOUT']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000;
}

/** How long closing may take before what was started is killed. */
export const CLOSE_TIMEOUT_MS = 2_000;

/** `promise`, or a rejection after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
