/** The engine drivers, by name. */
import type { BrowserEngine } from '../engine-names.js';
import { chromiumDriver } from './chromium.js';
import type { EngineDriver } from './engine.js';
import { firefoxDriver } from './firefox.js';
import { webkitDriver } from './webkit.js';

export type { EngineDriver, EngineEvents, EngineLauncher, EngineSession } from './engine.js';

const DRIVERS: Record<BrowserEngine, EngineDriver> = { chromium: chromiumDriver, firefox: firefoxDriver, webkit: webkitDriver };

/** The driver of `engine`. */
export function driverFor(engine: BrowserEngine): EngineDriver {
  return DRIVERS[engine];
}
