/**
 * Every conformance property, in Chromium, on the two backends that run in a browser:
 * IndexedDbBackend over Chromium's own IndexedDB, and MemoryBackend, through `sess/vitest` as a
 * store author would run it. The model-based suites run at least {@link MIN_MODEL_RUNS} sequences
 * each here (issue 3); each `describe` says how many. (In Node, `indexeddb.conformance.test.ts`
 * runs them on IndexedDbBackend over fake-indexeddb.)
 */
import { expect, it } from 'vitest';
import { conformanceProperties } from '../../properties/index.js';
import { runsFor } from '../../properties/runs.js';
import type { BackendFactory } from '../backend.js';
import { describeConformance } from '../conformance/vitest.js';
import { createIndexedDbBackendFactory } from './indexeddb.js';
import { memoryBackendFactory } from './memory.js';

/** The model-based suites, and the fewest sequences each runs in the browser. */
const MODEL_BASED = new Set(['backend-model', 'manager-model']);
const MIN_MODEL_RUNS = 100;

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
  for (const property of conformanceProperties) {
    const runs = MODEL_BASED.has(property.name) ? Math.max(MIN_MODEL_RUNS, runsFor(property)) : runsFor(property);
    describeConformance(`${backend.name} in Chromium, ${runs} runs`, backend.factoryFor(property.name), {
      only: [property.name],
      runs,
      notChecked: 'fail',
    });
  }
}
