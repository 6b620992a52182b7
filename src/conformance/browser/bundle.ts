/**
 * The page's code as one ES module with its source map, bundled with rolldown as RECIPE.md found
 * to work: browser platform, code splitting off (an import-time throw is then a rejection the
 * entry catches), and unresolved imports as errors.
 */
import { resolve } from 'node:path';
import { ConformanceUsageError, firstLine } from './outside.js';
import type { BundleMap } from './source-map.js';
import type { Rolldown } from './tools.js';

/** The id the runner's lazy import of its Date faker resolves to in a page. */
const NO_FAKE_DATE = '\0sess-no-fake-date';

/**
 * The runner loads its `Date` faker (`fakeDate`, over @sinonjs/fake-timers, which needs Node's
 * `util`) only when asked; a page never asks (the CLI refuses `--fake-date` with `--browser`), so
 * the page gets a stand-in that says so instead of a module that cannot be bundled.
 */
const nodeOnlyFakeDate = {
  name: 'sess-node-only-fake-date',
  resolveId(source: string) {
    return /(^|\/)date-follows-clock\.js$/.test(source) ? NO_FAKE_DATE : null;
  },
  load(id: string) {
    if (id !== NO_FAKE_DATE) return null;
    return 'export function dateFollowsClock() { throw new Error("fakeDate (--fake-date) works in Node only"); }';
  },
};

/** The bundled page code. */
export interface Bundle {
  code: string;
  map: BundleMap;
}

/**
 * Bundles `entry` (resolving packages from `cwd`).
 *
 * @param outDir anchors the map's relative source paths; nothing is written there.
 * @param label how the module is named in errors, e.g. `./store.ts`.
 * @throws ConformanceUsageError when the module cannot be bundled (a syntax error, a missing package).
 */
export async function bundleForBrowser(rolldown: Rolldown, entry: string, cwd: string, outDir: string, label: string): Promise<Bundle> {
  const problems: string[] = [];
  const failed = (text: string, cause?: unknown) =>
    new ConformanceUsageError(`could not bundle ${label} for the browser: ${firstLine(text)}`, cause === undefined ? undefined : { cause });
  let build;
  try {
    build = await rolldown({
      input: entry,
      cwd,
      platform: 'browser',
      plugins: [nodeOnlyFakeDate],
      onLog(level, log, handler) {
        // Left alone, a missing package silently becomes an external import and the page hangs.
        if (log.code === 'UNRESOLVED_IMPORT') problems.push(log.message);
        else if (level === 'warn' && log.code !== 'EVAL') handler(level, log);
      },
    });
  } catch (error) {
    throw failed(problems[0] ?? (error as Error).message, error);
  }
  try {
    let output;
    try {
      ({ output } = await build.generate({ dir: outDir, format: 'esm', codeSplitting: false, sourcemap: true }));
    } catch (error) {
      // A syntax error in the module, or a log turned error: the bundler's first line says which.
      throw failed((error as Error).message.replace(/^Build failed with \d+ errors?:\s*/, ''), error);
    }
    // rolldown resolves (and logs) while generating, so the check comes after.
    if (problems.length > 0) throw failed(problems[0]!);
    const chunk = output[0];
    if (chunk.map === null || chunk.map === undefined) throw new Error('rolldown produced no source map');
    return { code: chunk.code, map: { sources: chunk.map.sources.map((source) => resolve(outDir, source)), mappings: chunk.map.mappings } };
  } finally {
    await build.close();
  }
}
