/**
 * Firefox, driven by puppeteer-core over WebDriver BiDi (Debian's `firefox-esr`; RECIPE.md,
 * "Firefox and WebKit without Playwright's browser builds").
 */
import { existsSync } from 'node:fs';
import { firefoxPath, installHint } from '../binaries.js';
import { ConformanceUsageError, firstLine } from '../outside.js';
import { loadOptional } from '../tools.js';
import { reapProcessesUsing } from './processes.js';
import { CLOSE_TIMEOUT_MS, launchTimeoutMs, within, type EngineDriver } from './engine.js';

export const firefoxDriver: EngineDriver = {
  engine: 'firefox',
  reportsConsole: true,
  async prepare(env) {
    const [puppeteer] = await loadOptional('--browser firefox', [['puppeteer-core', () => import('puppeteer-core')]] as const);
    const executablePath = firefoxPath(env);
    if (!existsSync(executablePath)) {
      throw new ConformanceUsageError(`--browser firefox needs Firefox, and there is none at ${executablePath}: ${installHint('firefox-esr', 'FIREFOX_PATH')}`);
    }
    return {
      async launch(workspace, env, events) {
        let browser;
        try {
          browser = await puppeteer.default.launch({
            browser: 'firefox',
            executablePath,
            headless: true,
            protocol: 'webDriverBiDi',
            timeout: launchTimeoutMs(env),
            handleSIGINT: false,
            handleSIGTERM: false,
            handleSIGHUP: false,
            // Without a reachable settings server Firefox keeps polling one; the variable below is
            // what makes it actually stop resolving Mozilla hosts on a closed network (RECIPE.md).
            extraPrefsFirefox: { 'services.settings.server': 'data:,#remote-settings-dummy/v1' },
            env: { ...env, TMPDIR: workspace.dir, MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1' },
          });
        } catch (error) {
          throw new ConformanceUsageError(
            `Firefox at ${executablePath} did not start: ${firstLine((error as Error).message)} (${installHint('firefox-esr', 'FIREFOX_PATH')})`,
            { cause: error },
          );
        }
        const started = browser;
        const kill = () => started.process()?.kill('SIGKILL');
        workspace.onExitKill(kill);
        // After a clean close the content processes of Firefox's group may still be exiting: the
        // group goes too, so that a run leaves none of its processes behind.
        const pid = started.process()?.pid;
        const killLeftovers = () => {
          try {
            if (pid !== undefined) process.kill(-pid, 'SIGKILL');
          } catch {
            // The group is gone already (or was never one: nothing of ours is left).
          }
        };
        workspace.onCleanup(() => within(started.close(), CLOSE_TIMEOUT_MS, 'closing Firefox').catch(kill).finally(killLeftovers).then(() => reapProcessesUsing(workspace.dir)));
        const page = (await browser.pages())[0] ?? (await browser.newPage());
        page.on('pageerror', (error) => {
          const err = error as Error;
          // Over BiDi the message arrives as the console prints it ("Error: text"); Chromium's and
          // WebKit's are the bare text, and so is what the run reports.
          events.pageError(String(err.message ?? error).replace(/^(?:[A-Z]\w*)?Error: /, ''), err.stack ?? String(error));
        });
        page.on('console', (message) => events.console(message.type(), message.text()));
        browser.on('disconnected', () => events.crash('Firefox went away'));
        const version = await browser.version();
        return {
          version: version.replace(/^firefox\//i, 'Firefox '),
          async open(url) {
            await page.goto(url);
          },
        };
      },
    };
  },
};
