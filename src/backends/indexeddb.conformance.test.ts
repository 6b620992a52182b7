/**
 * Every conformance property, on IndexedDbBackend over fake-indexeddb (the `node` project). The
 * same properties run over Chromium's IndexedDB in `indexeddb.conformance.browser.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { checkProperty, conformanceProperties } from '../../properties/index.js';
import type { PropertyReport } from '../../properties/property.js';
import { runsFor } from '../../properties/runs.js';
import { createIndexedDbBackendFactory } from './indexeddb.js';

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

describe('IndexedDbBackend over fake-indexeddb', () => {
  it('has properties to check', () => {
    expect(conformanceProperties.map((property) => property.name)).toContain('backend-model');
  });

  for (const property of conformanceProperties) {
    it(`holds ${property.name}`, async () => {
      // One database per property run: IndexedDB keeps whatever a run leaves behind.
      const factory = createIndexedDbBackendFactory({ name: `sess-conformance-${property.name}-${crypto.randomUUID()}` });
      const report = await checkProperty(property, factory);
      if (report.verdict !== 'passed') throw new Error(explain(report));
      expect(report.runs).toBe(runsFor(property));
    });
  }
});
