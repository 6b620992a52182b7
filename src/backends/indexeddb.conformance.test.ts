/**
 * Every conformance property, on IndexedDbBackend over fake-indexeddb (the `node` project),
 * through `sess/vitest` as a store author would run it. The same properties run over Chromium's
 * IndexedDB in `conformance.browser.test.ts`.
 */
import { expect, it } from 'vitest';
import { conformanceProperties } from '../../properties/index.js';
import { describeConformance } from '../conformance/vitest.js';
import { createIndexedDbBackendFactory } from './indexeddb.js';

it('has properties to check', () => {
  expect(conformanceProperties.map((property) => property.name)).toContain('backend-model');
});

for (const property of conformanceProperties) {
  // One database per property run: IndexedDB keeps whatever a run leaves behind.
  const factory = createIndexedDbBackendFactory({ name: `sess-conformance-${property.name}-${crypto.randomUUID()}` });
  describeConformance('IndexedDbBackend over fake-indexeddb', factory, { only: [property.name], notChecked: 'fail' });
}
