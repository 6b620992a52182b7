/**
 * Case 7: IndexedDbBackend `get` and `set` against idb-keyval's, in the same page, in each engine:
 * Chromium, Firefox and WebKit (Debian's builds, driven as `sess-conformance --browser` drives
 * them: src/conformance/browser). The page (bench/indexeddb-page.ts) is served from 127.0.0.1,
 * cross-origin isolated for a fine timer; IndexedDB is per origin, so not from a file: URL.
 * An engine whose browser is missing is noted and skipped; the others still run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BROWSER_ENGINES, ENGINE_LABEL, runPageModule, type BrowserEngine } from '../../src/conformance/browser/index.js';
import { ConformanceUsageError } from '../../src/conformance/errors.js';
import type { BenchCase } from '../case.js';
import { target } from '../case.js';
import { pairedRatio, type Comparison, type ComparisonOptions } from '../compare.js';
import type { Figure, Target } from '../report.js';

/** One engine's run, bundle to result, must end within this. */
const WATCHDOG_MS = 10 * 60_000;

interface PageResult {
  result: { get: Comparison; set: Comparison };
  isolated: boolean;
}

/** The page's entry: the bench page's function with this run's options, its result posted back. */
function writeEntry(dir: string, root: string, comparison: ComparisonOptions): string {
  const entry = path.join(dir, 'bench-entry.mjs');
  writeFileSync(
    entry,
    `import { runIndexedDbBench } from ${JSON.stringify(path.join(root, 'bench', 'indexeddb-page.ts'))};
const result = await runIndexedDbBench(${JSON.stringify(comparison)});
await globalThis.__sessPost({ type: 'done', value: { result, isolated: globalThis.crossOriginIsolated } });
`,
  );
  return entry;
}

export const indexedDb: BenchCase = {
  id: 'indexeddb',
  title: 'IndexedDbBackend get/set vs idb-keyval in Chromium, Firefox and WebKit',
  async run({ root, comparison, log }) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sess-bench-idb-'));
    const figures: Figure[] = [];
    const targets: Target[] = [];
    const notes: string[] = [];
    const detail: Partial<Record<BrowserEngine, PageResult>> = {};
    try {
      const entry = writeEntry(dir, root, comparison);
      for (const engine of BROWSER_ENGINES) {
        let run;
        try {
          run = await runPageModule<PageResult>(engine, entry, { cwd: root, timeoutMs: WATCHDOG_MS });
        } catch (error) {
          // A missing browser skips its engine, not the case.
          if (!(error instanceof ConformanceUsageError)) throw error;
          notes.push(`${ENGINE_LABEL[engine]} skipped: ${error.message}`);
          log(`  ${ENGINE_LABEL[engine]} skipped: ${error.message}`);
          continue;
        }
        const { result, isolated } = run.value;
        detail[engine] = run.value;
        log(`  ${run.version}, cross-origin isolated: ${isolated}`);
        // Throughput of IndexedDbBackend relative to idb-keyval = idb-keyval's time / ours.
        const getShare = pairedRatio(result.get, 'idb-keyval', 'IndexedDbBackend');
        const setShare = pairedRatio(result.set, 'idb-keyval', 'IndexedDbBackend');
        const setVersusUpdate = pairedRatio(result.set, 'idb-keyval update', 'IndexedDbBackend');
        for (const op of ['get', 'set'] as const) {
          for (const c of result[op].contenders) figures.push({ name: `${engine} ${op}: ${c.name}`, value: c.opsPerSecond, unit: 'ops/s' });
        }
        figures.push(
          { name: `${engine} get: IndexedDbBackend throughput / idb-keyval`, value: getShare, unit: 'x' },
          { name: `${engine} set: IndexedDbBackend throughput / idb-keyval`, value: setShare, unit: 'x' },
          { name: `${engine} set: IndexedDbBackend throughput / idb-keyval update (read-modify-write)`, value: setVersusUpdate, unit: 'x' },
        );
        targets.push(
          target(`${engine} get throughput >= 0.8x idb-keyval`, getShare, '>=', 0.8),
          target(`${engine} set throughput >= 0.8x idb-keyval`, setShare, '>=', 0.8),
        );
        notes.push(`${run.version} ${engine === 'webkit' ? 'under Xvfb (MiniBrowser has no headless mode)' : 'headless'}, cross-origin isolated: ${isolated}.`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (figures.length === 0) return { skipped: `no browser engine could run: ${notes.join(' ')}` };
    notes.push(
      'One database each, 100 records, 32 operations per sample, both libraries in the same page, alternating; IndexedDbBackend.set reads, checks liveness and writes in one readwrite transaction (SPEC §4), idb-keyval.set is a blind put; idb-keyval update is its get-and-put in one transaction, the like-for-like comparison.',
    );
    return { figures, targets, notes, detail };
  },
};
