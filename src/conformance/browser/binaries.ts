/**
 * Which browser binaries to launch, where Debian puts them, which environment variable overrides
 * each, and what to install when one is missing: one place for the CLI's `--browser`, the vitest
 * browser project, the end-to-end tests and the benchmarks. (scripts/test.mjs, plain JavaScript,
 * repeats the defaults to install them.)
 */
import { existsSync } from 'node:fs';

type Env = Record<string, string | undefined>;

/** Debian's Chromium (`apt-get install chromium`), the default. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags that work headless, as root, with no network (RECIPE.md: without the background-networking ones Chromium keeps calling hosts it cannot reach). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** `CHROMIUM_PATH` from `env` if set, else Debian's. */
export function chromiumPath(env: Env): string {
  return nonEmpty(env['CHROMIUM_PATH']) ?? DEFAULT_CHROMIUM_PATH;
}

/** Debian's Firefox ESR (`apt-get install firefox-esr`). */
export const DEFAULT_FIREFOX_PATH = '/usr/bin/firefox-esr';

/** `FIREFOX_PATH` from `env` if set, else Debian's Firefox ESR. */
export function firefoxPath(env: Env): string {
  return nonEmpty(env['FIREFOX_PATH']) ?? DEFAULT_FIREFOX_PATH;
}

/** The WebKitGTK parts: the browser, its WebDriver, and the X server it needs (no headless mode). */
export interface WebKitPaths {
  /** MiniBrowser, from `libwebkit2gtk-4.1-0` (`WEBKIT_PATH`). */
  miniBrowser: string;
  /** WebKitWebDriver, from `webkit2gtk-driver` (`WEBKIT_DRIVER_PATH`). */
  driver: string;
  /** Xvfb, from `xvfb` (`XVFB_PATH`). */
  xvfb: string;
}

/** `WEBKIT_PATH`, `WEBKIT_DRIVER_PATH` and `XVFB_PATH` from `env` if set, else Debian's. */
export function webkitPaths(env: Env): WebKitPaths {
  const multiarch = ['x86_64-linux-gnu', 'aarch64-linux-gnu'].find((dir) => existsSync(`/usr/lib/${dir}`)) ?? 'x86_64-linux-gnu';
  return {
    miniBrowser: nonEmpty(env['WEBKIT_PATH']) ?? `/usr/lib/${multiarch}/webkit2gtk-4.1/MiniBrowser`,
    driver: nonEmpty(env['WEBKIT_DRIVER_PATH']) ?? '/usr/bin/WebKitWebDriver',
    xvfb: nonEmpty(env['XVFB_PATH']) ?? '/usr/bin/Xvfb',
  };
}

/** What to say when a binary is missing: the Debian package and the variable that overrides it. */
export function installHint(packages: string, variable: string): string {
  return `apt-get install ${packages}, or set ${variable} to one`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
