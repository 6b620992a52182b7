/**
 * Every conformance property, in Chromium, on the two backends that run in a browser:
 * IndexedDbBackend over Chromium's own IndexedDB, and MemoryBackend. The model-based suites run at
 * least {@link MIN_MODEL_RUNS} sequences each here (issue 3); each test name says how many ran.
 * (In Node, `indexeddb.conformance.test.ts` runs them on IndexedDbBackend over fake-indexeddb.)
 */
import { describe, expect, it } from 'vitest';
import { checkProperty, conformanceProperties } from '../../properties/index.js';
import type { PropertyReport } from '../../properties/property.js';
import { runsFor } from '../../properties/runs.js';
import type { BackendFactory } from '../backend.js';
import { createIndexedDbBackendFactory } from './indexeddb.js';
import { memoryBackendFactory } from './memory.js';

/** The model-based suites, and the fewest sequences each runs in the browser. */
const MODEL_BASED = new Set(['backend-model', 'manager-model']);
const MIN_MODEL_RUNS = 100;

/** The failure as a person reads it: the broken rule, the shortest sequence, how to replay it. */
function explain(report: PropertyReport): string {
  if (report.verdict === 'not_checked') return `${report.name} was not checked: ${report.notChecked ?? ''}`;
  const failure = report.failure;
  return [
    `${report.name} failed (seed ${report.seed}, path ${failure?.path ?? '?'})`,
    failure?.message ?? '',
    ...(failure?.steps ?? []),
    failure?.snippet ?? '',
  ].join('\n');
}

const backends: { name: string; factoryFor: (property: string) => BackendFactory }[] = [
  {
    name: 'IndexedDbBackend',
    // One database per property run: IndexedDB keeps whatever a run leaves behind in the page.
    factoryFor: (property) => createIndexedDbBackendFactory({ name: `sess-conformance-${property}-${crypto.randomUUID()}` }),
  },
  { name: 'MemoryBackend', factoryFor: () => memoryBackendFactory },
];

it('has the model-based suites to check', () => {
  expect(conformanceProperties.map((property) => property.name)).toContain('backend-model');
});

for (const backend of backends) {
  describe(`${backend.name} in Chromium`, () => {
    for (const property of conformanceProperties) {
      const runs = MODEL_BASED.has(property.name) ? Math.max(MIN_MODEL_RUNS, runsFor(property)) : runsFor(property);
      it(`holds ${property.name} (${runs} runs)`, async () => {
        const report = await checkProperty(property, backend.factoryFor(property.name), { runs });
        if (report.verdict !== 'passed') throw new Error(explain(report));
        expect(report.runs).toBe(runs);
      });
    }
  });
}
