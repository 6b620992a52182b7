import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BackendFactory } from '../src/backend.js';
import { memoryBackendFactory } from '../src/backends/memory.js';
import { KEYS_PER_DEEP_RUN, KEYS_PER_RUN, keyQualityProperty, keysPerRun } from './key-quality.js';

/** MemoryBackend counting the keys it generates. */
function counting(counter: { keys: number }): BackendFactory {
  return async (context) => {
    const backend = await memoryBackendFactory(context);
    const generate = backend.generate.bind(backend);
    backend.generate = (options) => {
      counter.keys += 1;
      return generate(options);
    };
    return backend;
  };
}

describe('key-quality', () => {
  it('makes 750 keys per run by default and 10,000 in a deep check (more runs than the default)', () => {
    expect([KEYS_PER_RUN, KEYS_PER_DEEP_RUN]).toEqual([750, 10_000]);
    expect(keysPerRun(keyQualityProperty.defaultRuns)).toBe(KEYS_PER_RUN);
    expect(keysPerRun(keyQualityProperty.defaultRuns + 1)).toBe(KEYS_PER_DEEP_RUN);
  });

  it('a deep check really makes 10,000 keys from one backend per run', async () => {
    for (const [runs, keys] of [
      [keyQualityProperty.defaultRuns, KEYS_PER_RUN],
      [100, KEYS_PER_DEEP_RUN],
    ] as const) {
      const counter = { keys: 0 };
      const prepared = await keyQualityProperty.prepare(counting(counter), { runs });
      if (!('property' in prepared)) throw new Error('key-quality always applies');
      const details = await fc.check(prepared.property, { numRuns: 1, seed: 1 });
      expect(details.failed).toBe(false);
      expect(counter.keys).toBe(keys);
    }
  });
});
