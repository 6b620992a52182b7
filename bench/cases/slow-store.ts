/**
 * The conformance suite on a slow store: MemoryBackend with every call taking 2 ms, about what a
 * local SQL or file store costs per round trip (issue 12: "the default run on a store with ~2 ms per
 * call finishes in under 30 s"). Times each property's default run and the whole suite, so that a
 * property whose cost is counted in calls (key-quality's keys) shows up before a real store's author
 * waits for it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BackendFactory } from '../../src/backend.js';
import { memoryBackendFactory } from '../../src/backends/memory.js';
import type { CheckOptions, ConformanceProperty, PropertyReport } from '../../properties/property.js';
import type { BenchCase } from '../case.js';
import { countingFactory } from './conformance.js';
import { target } from '../case.js';
import type { Figure, Target } from '../report.js';

type CheckProperty = (property: ConformanceProperty, factory: BackendFactory, options?: CheckOptions) => Promise<PropertyReport>;

/** What one call of the slow store costs, in ms. */
export const CALL_MS = 2;

/** `factory`'s backends, each operation answering `ms` later (a timer, as a round trip would). */
export function slowFactory(factory: BackendFactory, ms: number, counter: { calls: number } = { calls: 0 }): BackendFactory {
  return countingFactory(factory, counter, ms);
}

export const slowStore: BenchCase = {
  id: 'slow-store',
  title: `conformance suite on a store with ${CALL_MS} ms per call: seconds per property and for the whole default run`,
  async run({ root, quick, log }) {
    const needed = ['properties/check.ts', 'properties/index.ts'];
    const missing = needed.filter((file) => !existsSync(path.join(root, file)));
    if (missing.length > 0) return { skipped: `${missing.join(' and ')} not written yet` };
    const { checkProperty } = (await import(pathToFileURL(path.join(root, 'properties/check.ts')).href)) as { checkProperty: CheckProperty };
    const { conformanceProperties } = (await import(pathToFileURL(path.join(root, 'properties/index.ts')).href)) as {
      conformanceProperties: ConformanceProperty[];
    };
    const figures: Figure[] = [];
    const notes: string[] = [];
    const seconds = new Map<string, number>();
    let total = 0;
    for (const property of conformanceProperties) {
      const counter = { calls: 0 };
      const report = await checkProperty(property, slowFactory(memoryBackendFactory, CALL_MS, counter), { seed: 42, ...(quick ? { runs: 1 } : {}) });
      const spent = report.durationMs / 1000;
      total += spent;
      seconds.set(property.name, spent);
      figures.push({ name: `${property.name} (${report.runs} runs, ${counter.calls} calls)`, value: Number(spent.toFixed(2)), unit: 's' });
      log(`  ${property.name}: ${spent.toFixed(1)} s, ${counter.calls} calls, ${report.verdict}`);
      if (report.verdict !== 'passed') notes.push(`${property.name}: ${report.verdict}${report.failure ? `: ${report.failure.message.split('\n')[0]}` : ''}`);
    }
    figures.push({ name: 'whole default run', value: Number(total.toFixed(1)), unit: 's' });
    const keyQuality = seconds.get('key-quality') ?? 0;
    const others = Math.max(...[...seconds].filter(([name]) => name !== 'key-quality').map(([, spent]) => spent));
    const targets: Target[] = quick
      ? []
      : [
          target('whole default run on a 2 ms store <= 30 s', Number(total.toFixed(1)), '<=', 30),
          target('key-quality costs no more than the costliest other property (s)', Number(keyQuality.toFixed(1)), '<=', Number(others.toFixed(1))),
        ];
    return { figures, targets, notes };
  },
};
