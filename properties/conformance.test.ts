/**
 * MemoryBackend, the shipped default, holds every conformance property at the default run counts
 * (SESS_RUNS deepens them).
 */
import { describe, expect, it } from 'vitest';
import { memoryBackendFactory } from '../src/backends/memory.js';
import { checkProperty } from './check.js';
import { conformanceProperties } from './index.js';
import { runsFor, timeoutFor } from './runs.js';

describe('MemoryBackend conformance', () => {
  it('lists the sequential properties first, in report order', () => {
    expect(conformanceProperties.slice(0, 9).map((p) => p.name)).toEqual([
      'backend-model',
      'manager-model',
      'key-quality',
      'garbage-keys',
      'derived-keys',
      'values',
      'namespace-isolation',
      'reclaiming',
      'errors-surfaced',
    ]);
  });

  it('runs the model-based properties on at least 200 sequences by default', () => {
    for (const name of ['backend-model', 'manager-model']) {
      expect(conformanceProperties.find((p) => p.name === name)?.defaultRuns).toBeGreaterThanOrEqual(200);
    }
  });

  for (const property of conformanceProperties) {
    it(`holds ${property.name}`, async () => {
      const report = await checkProperty(property, memoryBackendFactory);
      expect(report.failure?.message ?? 'no failure', `seed ${report.seed}`).toBe('no failure');
      expect(report.verdict).toBe('passed');
      expect(report.runs).toBe(runsFor(property));
    }, timeoutFor(property, 60_000));
  }
});
