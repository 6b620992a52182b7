/**
 * Chromium, driven by playwright-core over the DevTools protocol (Debian's `chromium`; Playwright's
 * own builds cannot be downloaded here, RECIPE.md).
 */
import { existsSync } from 'node:fs';
import { CHROMIUM_ARGS, chromiumPath, installHint } from '../binaries.js';
import { ConformanceUsageError, firstLine } from '../outside.js';
import { loadOptional } from '../tools.js';
import { CLOSE_TIMEOUT_MS, launchTimeoutMs, within, type EngineDriver } from './engine.js';

export const chromiumDriver: EngineDriver = {
  engine: 'chromium',
  reportsConsole: true,
  async prepare(env) {
    const [playwright] = await loadOptional('--browser chromium', [['playwright-core', () => import('playwright-core')]] as const);
    const executablePath = chromiumPath(env);
    if (!existsSync(executablePath)) {
      throw new ConformanceUsageError(`--browser chromium needs Chromium, and there is none at ${executablePath}: ${installHint('chromium', 'CHROMIUM_PATH')}`);
    }
    return {
      async launch(workspace, env, events) {
        let browser;
        try {
          browser = await playwright.chromium.launch({
            executablePath,
            headless: true,
            args: [...CHROMIUM_ARGS],
            timeout: launchTimeoutMs(env),
            // Our own handlers close the browser and then remove the temp folder; Playwright's would
            // exit the process first and leave the folder behind.
            handleSIGINT: false,
            handleSIGTERM: false,
            handleSIGHUP: false,
            env: { ...(env as Record<string, string>), TMPDIR: workspace.dir },
          });
        } catch (error) {
          throw new ConformanceUsageError(
            `Chromium at ${executablePath} did not start: ${firstLine((error as Error).message)} (${installHint('chromium', 'CHROMIUM_PATH')})`,
            { cause: error },
          );
        }
        const started = browser;
        workspace.onCleanup(() => within(started.close(), CLOSE_TIMEOUT_MS, 'closing Chromium'));
        const page = await browser.newPage();
        page.on('pageerror', (error) => events.pageError(error.message, error.stack ?? error.message));
        page.on('crash', () => events.crash('the Chromium page crashed (out of memory?)'));
        page.on('console', (message) => events.console(message.type(), message.text()));
        browser.on('disconnected', () => events.crash('Chromium went away'));
        return {
          version: `Chromium ${browser.version()}`,
          async open(url) {
            await page.goto(url);
          },
        };
      },
    };
  },
};
