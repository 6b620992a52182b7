/**
 * Case 7: IndexedDbBackend `get` and `set` against idb-keyval's in the same Chromium page.
 *
 * The page (bench/indexeddb-page.ts) is bundled with rolldown, served from 127.0.0.1 and driven
 * with playwright-core over Debian's Chromium (RECIPE.md: "Bundle and drive the browser
 * yourself"). IndexedDB is per origin, so the page must come from http, not a file: URL.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS, chromiumPath } from '../../src/conformance/browser/binaries.js';
import type { BenchCase } from '../case.js';
import { target } from '../case.js';
import { pairedRatio, type Comparison, type ComparisonOptions } from '../compare.js';

/** The whole browser run, bundle to result, must end within this. */
const WATCHDOG_MS = 10 * 60_000;

/** The page bundle as one ESM file; unresolved imports are errors, not silent externals. */
async function bundlePage(root: string): Promise<string> {
  const { rolldown } = await import('rolldown');
  const bundle = await rolldown({
    input: path.join(root, 'bench', 'indexeddb-page.ts'),
    platform: 'browser',
    onLog(level, log, handler) {
      if (log.code === 'UNRESOLVED_IMPORT') handler('error', log);
      else handler(level, log);
    },
  });
  try {
    const { output } = await bundle.generate({ format: 'esm', codeSplitting: false });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}

export const indexedDb: BenchCase = {
  id: 'indexeddb',
  title: 'IndexedDbBackend get/set vs idb-keyval in Chromium',
  async run({ root, comparison, log }) {
    const executablePath = chromiumPath(process.env);
    if (!existsSync(executablePath)) return { skipped: `no Chromium at ${executablePath} (set CHROMIUM_PATH, or apt-get install chromium)` };
    if (!existsSync(path.join(root, 'src', 'backends', 'indexeddb.ts'))) return { skipped: 'src/backends/indexeddb.ts (IndexedDbBackend) does not exist yet' };

    const code = await bundlePage(root);
    // Cross-origin isolation: Chromium gives performance.now() 5 µs resolution instead of 100 µs.
    const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
    const server = createServer((request, response) => {
      if (request.url === '/bench.js') {
        response.writeHead(200, { ...isolation, 'content-type': 'text/javascript' }).end(code);
      } else {
        response.writeHead(200, { ...isolation, 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/bench.js"></script>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // Playwright's and Chromium's temp files go in a folder of this run, removed afterwards.
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'sess-bench-chromium-'));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], env: { ...process.env, TMPDIR: tmp } });
    let watchdog: NodeJS.Timeout | undefined;
    try {
      const page = await browser.newPage();
      const pageErrors: Error[] = [];
      page.on('pageerror', (error) => pageErrors.push(error));
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => 'runIndexedDbBench' in globalThis, undefined, { timeout: 30_000 }).catch(() => {
        throw new Error(`the bench page did not load: ${pageErrors.map((e) => e.message).join('; ') || 'no page error'}`);
      });
      const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
      log(`  Chromium ${browser.version()}, cross-origin isolated: ${isolated}`);
      const result = await Promise.race([
        page.evaluate(
          (options: ComparisonOptions) =>
            (globalThis as unknown as { runIndexedDbBench(o: ComparisonOptions): Promise<{ get: Comparison; set: Comparison }> }).runIndexedDbBench(options),
          comparison,
        ),
        new Promise<never>((_, reject) => {
          watchdog = setTimeout(() => reject(new Error(`the page ran over ${WATCHDOG_MS / 1000} s`)), WATCHDOG_MS);
        }),
      ]);
      // Throughput of IndexedDbBackend relative to idb-keyval = idb-keyval's time / ours.
      const getShare = pairedRatio(result.get, 'idb-keyval', 'IndexedDbBackend');
      const setShare = pairedRatio(result.set, 'idb-keyval', 'IndexedDbBackend');
      const setVersusUpdate = pairedRatio(result.set, 'idb-keyval update', 'IndexedDbBackend');
      const figures = (['get', 'set'] as const).flatMap((op) =>
        result[op].contenders.map((c) => ({ name: `${op}: ${c.name}`, value: c.opsPerSecond, unit: 'ops/s' })),
      );
      return {
        figures: [
          ...figures,
          { name: 'get: IndexedDbBackend throughput / idb-keyval', value: getShare, unit: 'x' },
          { name: 'set: IndexedDbBackend throughput / idb-keyval', value: setShare, unit: 'x' },
          { name: 'set: IndexedDbBackend throughput / idb-keyval update (read-modify-write)', value: setVersusUpdate, unit: 'x' },
        ],
        targets: [
          target('get throughput >= 0.8x idb-keyval', getShare, '>=', 0.8),
          target('set throughput >= 0.8x idb-keyval', setShare, '>=', 0.8),
        ],
        notes: [
          `Chromium ${browser.version()} headless, cross-origin isolated (${isolated}: 5 µs timer); one database each, 100 records, 32 operations per sample; IndexedDbBackend.set reads, checks liveness and writes in one readwrite transaction (SPEC §4), idb-keyval.set is a blind put; idb-keyval update is its get-and-put in one transaction, the like-for-like comparison.`,
        ],
        detail: result,
      };
    } finally {
      clearTimeout(watchdog);
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};
