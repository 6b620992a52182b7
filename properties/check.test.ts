import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BackendFactory } from '../src/backend.js';
import { memoryBackendFactory } from '../src/backends/memory.js';
import { memoryWithout } from '../fixtures/backends/no-optional-methods.js';
import fc from 'fast-check';
import { checkProperty, dropUnneededSteps } from './check.js';
import { backendModelProperty } from './backend-model.js';
import { errorsSurfacedProperty } from './errors-surfaced.js';
import { reclaimingProperty } from './reclaiming.js';
import { environmentRuns, runsFor } from './runs.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('runs: one place reads SESS_RUNS', () => {
  it('takes options.runs, else SESS_RUNS, else the default', () => {
    expect(runsFor({ defaultRuns: 7 })).toBe(7);
    vi.stubEnv('SESS_RUNS', '1000');
    expect(environmentRuns()).toBe(1000);
    expect(runsFor({ defaultRuns: 7 })).toBe(1000);
    expect(runsFor({ defaultRuns: 7 }, { runs: 3 })).toBe(3);
  });

  it('rejects a SESS_RUNS that is not a whole number of runs, naming it', () => {
    vi.stubEnv('SESS_RUNS', 'lots');
    expect(() => runsFor({ defaultRuns: 7 })).toThrow(/SESS_RUNS must be a whole number of runs >= 1, got "lots"/);
    vi.stubEnv('SESS_RUNS', '0');
    expect(() => runsFor({ defaultRuns: 7 })).toThrow(RangeError);
  });

  it('is what checkProperty runs', async () => {
    vi.stubEnv('SESS_RUNS', '5');
    const report = await checkProperty(backendModelProperty, memoryBackendFactory);
    expect(report.runs).toBe(5);
  });
});

describe('checkProperty', () => {
  it('reports a property the backend cannot take as not checked, never as passed', async () => {
    const report = await checkProperty(reclaimingProperty, memoryWithout('size', 'sweep'));
    expect(report).toMatchObject({ name: 'reclaiming', verdict: 'not_checked', runs: 0, notChecked: 'backend has no size()/sweep()' });
  });

  it('says what errors-surfaced left out for a backend without close(): partly checked, never plain passed', async () => {
    const report = await checkProperty(errorsSurfacedProperty, memoryWithout('close'), { runs: 5 });
    expect(report.verdict).toBe('partly_checked');
    expect(report.note).toMatch(/no close\(\): checked invalid expiries only/);
  });

  it('turns a failure into numbered steps, a snippet and a replay path', async () => {
    // A backend whose get forgets the value: caught on the first read of a stored value.
    const forgetful: BackendFactory = async (context) => {
      const backend = await memoryWithout()(context);
      return {
        ...backend,
        get: async (key: string) => {
          const found = await backend.get(key);
          return found.status === 'ok' ? { ...found, value: found.value.slice(1) } : found;
        },
      };
    };
    const report = await checkProperty(backendModelProperty, forgetful, { runs: 200 });
    expect(report.verdict).toBe('failed');
    const failure = report.failure!;
    expect(failure.message).toMatch(/^values are stored and returned exactly/);
    expect(failure.steps[0]).toMatch(/^1\. k1 = generate\(/);
    expect(failure.steps.at(-1)).toMatch(/^\d+\. get\(k1\)[\s\S]*expected: ok[\s\S]*actual: {3}ok/);
    expect(failure.snippet).toMatch(/^\/\/ Reproduces the backend-model failure/);
    expect(failure.snippet).toContain("import { ManualClock } from 'sess';");
    expect(failure.snippet).toMatch(/const k1 = await backend\.generate\(/);
    expect(failure.shrinks).toBeGreaterThan(0);
    const replay = await checkProperty(backendModelProperty, forgetful, { seed: report.seed, path: failure.path });
    expect(replay.failure?.steps).toEqual(failure.steps);
  });

  it('reports an error that is not a wrong answer (a factory that throws) with its message', async () => {
    const throwing: BackendFactory = () => {
      throw new Error('cannot connect to the store');
    };
    const report = await checkProperty(backendModelProperty, throwing, { runs: 3 });
    expect(report.verdict).toBe('failed');
    expect(report.failure?.message).toMatch(/cannot connect to the store/);
    expect(report.failure?.rootCause.id).toBe('factory-failed');
    expect(report.failure?.snippet).toMatch(/await factory\(\{ clock[\s\S]*\/\/ then: BackendFactoryCallError: .*cannot connect to the store/);
  });
});

describe('the drop-steps pass after shrinking', () => {
  // Steps as the model-based properties have them; the failure needs "b" and "e" only.
  const step = (id: string) => ({ id, check: () => true, run: async () => {}, toString: () => id });
  const steps = ['a', 'b', 'c', 'd', 'e', 'f'].map(step);
  const property = fc.asyncProperty(fc.constant(steps), async (sequence) => {
    const ids = sequence.map((s) => s.id);
    if (ids.includes('b') && ids.includes('e')) {
      throw Object.assign(new Error('b and e together'), { steps: ids.map((id, i) => `${i + 1}. ${id}`), snippet: ids.join('\n') });
    }
  });
  const shrunk = { path: '0:1', shrinks: 3, message: 'b and e together', rootCause: { id: 'b-and-e-together', rule: 'b and e together' }, steps: steps.map((s, i) => `${i + 1}. ${s.id}`), snippet: 'a..f' };

  it('drops every step the failure does not need, and counts the drops as shrinks', async () => {
    const report = await dropUnneededSteps(property, { counterexample: [steps] } as unknown as fc.RunDetails<unknown>, shrunk);
    expect(report.steps).toEqual(['1. b', '2. e']);
    expect(report.snippet).toBe('b\ne');
    expect(report.shrinks).toBeGreaterThan(3);
    expect(report.path).toBe('0:1');
  });

  it('leaves a concurrency failure (with a timeline) as it is', async () => {
    const withTimeline = { ...shrunk, timeline: '|[]|' };
    const report = await dropUnneededSteps(property, { counterexample: [steps] } as unknown as fc.RunDetails<unknown>, withTimeline);
    expect(report).toEqual(withTimeline);
  });
});
