/**
 * The conformance suite on a slow store: MemoryBackend with every call taking 2 ms, about what a
 * local SQL or file store costs per round trip (issue 12: "the default run on a store with ~2 ms per
 * call finishes in under 30 s"). Times each property's default run and the whole suite, runs 4 at
 * a time (the default) and one at a time (as under `--fake-date`) side by side, so that a
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
    // Side by side, property by property: runs overlapped (the default) and one at a time (as
    // under --fake-date, where one global Date can follow only one run's clock).
    const totals = { overlapped: 0, oneAtATime: 0 };
    for (const property of conformanceProperties) {
      const spent = { overlapped: 0, oneAtATime: 0 };
      let calls = 0;
      let runs = 0;
      for (const way of ['overlapped', 'oneAtATime'] as const) {
        const counter = { calls: 0 };
        const report = await checkProperty(property, slowFactory(memoryBackendFactory, CALL_MS, counter), {
          seed: 42,
          ...(quick ? { runs: 1 } : {}),
          ...(way === 'oneAtATime' ? { runsAtOnce: 1 } : {}),
        });
        spent[way] = report.durationMs / 1000;
        totals[way] += spent[way];
        calls = counter.calls;
        runs = report.runs;
        if (report.verdict !== 'passed') notes.push(`${property.name} (${way}): ${report.verdict}${report.failure ? `: ${report.failure.message.split('\n')[0]}` : ''}`);
      }
      seconds.set(property.name, spent.overlapped);
      figures.push({ name: `${property.name} (${runs} runs, ${calls} calls): runs 4 at a time`, value: Number(spent.overlapped.toFixed(2)), unit: 's' });
      figures.push({ name: `${property.name}: one at a time (--fake-date)`, value: Number(spent.oneAtATime.toFixed(2)), unit: 's' });
      log(`  ${property.name}: ${spent.overlapped.toFixed(1)} s 4 at a time, ${spent.oneAtATime.toFixed(1)} s one at a time, ${calls} calls`);
    }
    const total = totals.overlapped;
    figures.push({ name: 'whole default run, runs 4 at a time (the default)', value: Number(total.toFixed(1)), unit: 's' });
    figures.push({ name: 'whole default run, one at a time (--fake-date)', value: Number(totals.oneAtATime.toFixed(1)), unit: 's' });
    figures.push({ name: 'one at a time / 4 at a time', value: Number((totals.oneAtATime / total).toFixed(2)), unit: 'x' });
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
