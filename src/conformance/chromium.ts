/**
 * Which Chromium to launch and how: one place for the CLI's `--browser`, the vitest browser
 * project, the end-to-end tests and the benchmarks.
 */

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
export function chromiumPath(env: Record<string, string | undefined>): string {
  return env['CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH;
}
