/**
 * The vitest helper, used the way a store author uses it: these tests are the ones it declares.
 */
import { describe, expect, it } from 'vitest';
import { memoryBackendFactory } from '../backends/memory.js';
import { conformanceProperties } from '../../properties/index.js';
import { describeConformance } from './vitest.js';

describeConformance('MemoryBackend through describeConformance', memoryBackendFactory, { runs: 5, notChecked: 'fail' });

describe('describeConformance', () => {
  it('declares one test per property', ({ task }) => {
    const suite = task.file.tasks.find((t) => t.name === 'MemoryBackend through describeConformance');
    expect(suite?.type).toBe('suite');
    const names = suite?.type === 'suite' ? suite.tasks.map((t) => t.name) : [];
    expect(names).toEqual(conformanceProperties.map((p) => p.name));
  });

  it('rejects an unknown property name when declaring', () => {
    expect(() => describeConformance('x', memoryBackendFactory, { only: ['nope'] })).toThrow("unknown property 'nope'");
  });
});
