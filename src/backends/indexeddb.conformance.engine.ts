/**
 * Every conformance property on IndexedDbBackend in one engine, through `runInBrowser` exactly as
 * `sess-conformance indexeddb --browser <engine>` runs it: shared by the per-engine test files
 * (one file per engine, so that vitest runs the engines side by side).
 *
 * Runs: {@link ENGINE_RUNS} per property by default, `SESS_RUNS` when set. key-quality is left to
 * `SESS_RUNS` runs: one run is 10,000 keys, each a readwrite transaction, 22 s in Firefox and 34 s
 * in WebKit here, and its keys come from the same generator every other engine and Node check.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { conformanceProperties } from '../../properties/index.js';
import { environmentRuns } from '../../properties/runs.js';
import { runInBrowser, type BrowserEngine, type BrowserOutcome } from '../conformance/browser/index.js';
import { resolveTarget } from '../conformance/targets.js';
import type { PropertyReport } from '../conformance/runner.js';

/** Runs per property in `npm test`: a tenth of the model-based defaults, a fifth of the others. */
export const ENGINE_RUNS = 20;

const root = fileURLToPath(new URL('../..', import.meta.url));

export function describeEngineConformance(engine: BrowserEngine): void {
  const deep = environmentRuns();
  const runs = deep ?? ENGINE_RUNS;
  const properties = conformanceProperties.filter((property) => deep !== undefined || property.name !== 'key-quality').map((p) => p.name);

  describe(`IndexedDbBackend in ${engine}, every property (${runs} runs each${deep === undefined ? '; key-quality under SESS_RUNS' : ''})`, () => {
    let outcome: BrowserOutcome;
    const started: string[] = [];
    const streamed: PropertyReport[] = [];
    const log: string[] = [];
    beforeAll(async () => {
      outcome = await runInBrowser(
        {
          target: resolveTarget('indexeddb', root),
          exportName: undefined,
          engine,
          runOptions: { runs, only: properties },
          verbose: false,
          env: process.env,
          cwd: root,
          log: (line) => log.push(line),
        },
        { onStart: (property) => started.push(property.name), onResult: (report) => streamed.push(report) },
      );
    }, 600_000);

    it('runs to the end, streaming each property as it starts and is decided', () => {
      expect(outcome.kind, outcome.kind === 'stopped' ? outcome.reason : '').toBe('done');
      expect(started).toEqual(properties);
      expect(streamed.map((report) => report.name)).toEqual(properties);
    });

    it.each(properties)('%s holds', (name) => {
      const report = outcome.kind === 'done' ? outcome.report.properties.find((p) => p.name === name) : undefined;
      expect(report?.failure?.message ?? 'no failure').toBe('no failure');
      expect(report?.verdict).toBe('passed');
      expect(report?.runs).toBe(runs);
    });
  });
}
