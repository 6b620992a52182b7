/**
 * A bundle running in one engine's page: the page server, the driver, and the page's messages,
 * console lines and errors routed to one set of handlers. Used by a conformance run and by
 * anything else that runs its own page in each engine (the IndexedDB engine tests, the benchmarks).
 */
import type { Bundle } from './bundle.js';
import type { BrowserEngine } from './engine-names.js';
import { driverFor, type EngineEvents, type EngineLauncher } from './engines/index.js';
import { servePage } from './page-server.js';
import type { Workspace } from './workspace.js';

/** What the page sends: its own messages (through `__sessPost`), and what the engine reports. */
export interface PageEvents extends EngineEvents {
  message(message: unknown): void;
}

/** A page that is loading or has loaded. */
export interface OpenPage {
  /** The browser's name and version. */
  version: string;
  /** Settles when the page has loaded (or failed to). */
  loaded: Promise<void>;
}

/** Prepares `engine`'s driver: its tools and binaries are checked before anything starts. */
export function prepareEngine(engine: BrowserEngine, env: Record<string, string | undefined>): Promise<EngineLauncher> {
  return driverFor(engine).prepare(env);
}

/**
 * Serves `bundle`, launches the browser and starts loading the page. Everything started is
 * stopped by `workspace.dispose()`.
 */
export async function openPage(
  engine: BrowserEngine,
  launcher: EngineLauncher,
  bundle: Bundle,
  workspace: Workspace,
  env: Record<string, string | undefined>,
  events: PageEvents,
): Promise<OpenPage> {
  const server = await servePage(bundle, {
    captureConsole: !driverFor(engine).reportsConsole,
    onMessage(message) {
      const forwarded = message as { type?: string; level?: string; text?: string; message?: string; stack?: string };
      if (forwarded.type === 'console') events.console(String(forwarded.level), String(forwarded.text));
      else if (forwarded.type === 'pageerror') events.pageError(String(forwarded.message), String(forwarded.stack || forwarded.message));
      else events.message(message);
    },
  });
  workspace.onCleanup(() => server.close());
  const session = await launcher.launch(workspace, env, events);
  const loaded = session.open(server.url);
  loaded.catch(() => {});
  return { version: session.version, loaded };
}
