/**
 * The browser engines `--browser` can run in, and reading a list of them from the command line.
 */
import { ConformanceUsageError } from './outside.js';

/** A browser engine the suite runs in. */
export type BrowserEngine = 'chromium' | 'firefox' | 'webkit';

/** Every engine, in the order a run of several reports them. */
export const BROWSER_ENGINES: readonly BrowserEngine[] = ['chromium', 'firefox', 'webkit'];

/** How an engine is named in messages. */
export const ENGINE_LABEL: Record<BrowserEngine, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

/**
 * The engines `--browser` names: `''` (bare `--browser`) is Chromium, else a comma list such as
 * `firefox` or `chromium,firefox,webkit` (case and spaces ignored, repeats dropped, order kept).
 *
 * @throws ConformanceUsageError naming an unknown engine and listing the known ones.
 */
export function parseEngines(text: string): BrowserEngine[] {
  const names = text.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  if (names.length === 0) return ['chromium'];
  const unknown = names.filter((name) => !(BROWSER_ENGINES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ConformanceUsageError(
      `unknown browser engine ${unknown.map((name) => `'${name}'`).join(', ')}: --browser takes ${BROWSER_ENGINES.join(', ')} or a comma list of them`,
    );
  }
  return [...new Set(names as BrowserEngine[])];
}
