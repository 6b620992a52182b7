/**
 * WebKit: WebKitGTK's MiniBrowser under a private Xvfb display, driven by WebKitWebDriver over
 * classic WebDriver, spoken with plain `fetch` (RECIPE.md: this build has no WebDriver BiDi, so no
 * client library is needed and none would add anything). Classic WebDriver has no console
 * endpoint: the page server forwards console lines and page errors from a script in the page.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { installHint, webkitPaths, type WebKitPaths } from '../binaries.js';
import { ConformanceUsageError } from '../outside.js';
import type { Workspace } from '../workspace.js';
import { CLOSE_TIMEOUT_MS, launchTimeoutMs, type EngineDriver, type EngineEvents } from './engine.js';
import { freePort, killGroup, stopGroup } from './processes.js';
import { startXvfb } from './xvfb.js';

/** WebKitWebDriver's own start (it answers `/status` within a few hundred ms here). */
const DRIVER_START_MS = 10_000;

export const webkitDriver: EngineDriver = {
  engine: 'webkit',
  reportsConsole: false,
  async prepare(env) {
    const paths = webkitPaths(env);
    const parts = [
      { path: paths.miniBrowser, what: "WebKitGTK's MiniBrowser", hint: installHint('libwebkit2gtk-4.1-0', 'WEBKIT_PATH') },
      { path: paths.driver, what: 'WebKitWebDriver', hint: installHint('webkit2gtk-driver', 'WEBKIT_DRIVER_PATH') },
      { path: paths.xvfb, what: 'Xvfb', hint: installHint('xvfb', 'XVFB_PATH') },
    ];
    for (const part of parts) {
      if (!existsSync(part.path)) throw new ConformanceUsageError(`--browser webkit needs ${part.what}, and there is none at ${part.path}: ${part.hint}`);
    }
    return {
      async launch(workspace, env, events) {
        const display = await startXvfb(paths.xvfb, workspace, env);
        const driver = await startDriver(paths, display, workspace, env, events);
        // The session request hangs with no answer when MiniBrowser cannot start (RECIPE.md): the
        // client-side timeout is what turns that into an error.
        let session: { sessionId: string; capabilities: { browserName?: string; browserVersion?: string } };
        try {
          session = await webdriver(driver.base, 'POST', '/session', {
            capabilities: {
              alwaysMatch: {
                browserName: 'MiniBrowser',
                'webkitgtk:browserOptions': { binary: paths.miniBrowser, args: ['--automation'] },
              },
            },
          }, launchTimeoutMs(env));
        } catch (error) {
          throw driver.failed(`the WebDriver session request failed: ${(error as Error).message}`);
        }
        const sessionPath = `/session/${session.sessionId}`;
        // Registered after the driver's stop, so it runs first: end the session, then stop what is left.
        workspace.onCleanup(async () => {
          driver.closing();
          await webdriver(driver.base, 'DELETE', sessionPath, undefined, CLOSE_TIMEOUT_MS).catch(() => {});
        });
        return {
          version: `WebKitGTK ${session.capabilities.browserVersion ?? '(unknown version)'}`,
          async open(url) {
            // Returns once the page has loaded; no timeout of its own (the run's watchdog has one).
            await webdriver(driver.base, 'POST', `${sessionPath}/url`, { url }, 24 * 3600_000);
          },
        };
      },
    };
  },
};

/** A running WebKitWebDriver: where it listens, how to word a start failure, and "we are closing now". */
interface Driver {
  base: string;
  failed(why: string): ConformanceUsageError;
  closing(): void;
}

/** Starts WebKitWebDriver on a free port of 127.0.0.1, on `display`, and waits until it answers. */
async function startDriver(
  paths: WebKitPaths,
  display: string,
  workspace: Workspace,
  env: Record<string, string | undefined>,
  events: EngineEvents,
): Promise<Driver> {
  // The browser's caches and data go in the run's folder, not the user's home.
  const home = join(workspace.dir, 'webkit-home');
  mkdirSync(home, { recursive: true });
  const port = await freePort();
  const driver = spawn(paths.driver, [`--port=${port}`, '--host=127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
    env: {
      ...env,
      DISPLAY: display,
      TMPDIR: workspace.dir,
      XDG_CACHE_HOME: join(home, 'cache'),
      XDG_DATA_HOME: join(home, 'data'),
      XDG_CONFIG_HOME: join(home, 'config'),
      // No accessibility bus on a bare display: spares a warning on every start.
      NO_AT_BRIDGE: '1',
    } as NodeJS.ProcessEnv,
  });
  let stderr = '';
  driver.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  workspace.onExitKill(() => killGroup(driver, 'SIGKILL'));
  workspace.onCleanup(() => stopGroup(driver, 'SIGTERM'));
  let closing = false;
  driver.on('exit', (code, signal) => {
    if (!closing) events.crash(`WebKitWebDriver exited (${signal ?? `code ${code}`})`);
  });
  const failed = (why: string) =>
    new ConformanceUsageError(
      `WebKit did not start: ${why}${stderr.trim() === '' ? '' : ` (${stderr.trim().split('\n').at(-1)})`} ` +
        '(apt-get install webkit2gtk-driver libwebkit2gtk-4.1-0 xvfb; WEBKIT_PATH, WEBKIT_DRIVER_PATH and XVFB_PATH override where they are)',
    );
  const base = `http://127.0.0.1:${port}`;
  await waitForDriver(base, driver, failed);
  return { base, failed, closing: () => (closing = true) };
}

async function waitForDriver(base: string, driver: ReturnType<typeof spawn>, failed: (why: string) => Error): Promise<void> {
  const deadline = performance.now() + DRIVER_START_MS;
  while (performance.now() < deadline) {
    if (driver.exitCode !== null || driver.signalCode !== null) throw failed(`WebKitWebDriver exited (${driver.signalCode ?? `code ${driver.exitCode}`})`);
    try {
      const response = await fetch(`${base}/status`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw failed(`WebKitWebDriver did not answer within ${DRIVER_START_MS / 1000} s`);
}

/** One classic WebDriver command; resolves its `value`, rejects with the driver's own error message. */
async function webdriver<T>(base: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as Error).name;
    throw new Error(name === 'TimeoutError' ? `no answer to ${method} ${path} within ${timeoutMs / 1000} s` : `${method} ${path}: ${(error as Error).message}`);
  }
  const json = (await response.json().catch(() => ({}))) as { value?: { error?: string; message?: string } & T };
  if (!response.ok) throw new Error(`${method} ${path}: ${json.value?.error ?? response.status} ${json.value?.message ?? ''}`.trim());
  return json.value as T;
}
