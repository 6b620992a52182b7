import { describe, expect, it } from 'vitest';
import { memoryBackendFactory } from '../../backends/memory.js';
import { conformanceProperties } from '../../../properties/index.js';
import boundaryLiveCheck from '../../../fixtures/backends/boundary-live-check.js';
import { BackendFactoryError, ConformanceUsageError } from '../errors.js';
import { listProperties, runConformance } from './runner.js';

const cheap = ['backend-model', 'garbage-keys'];

describe('runConformance', () => {
  it('runs the chosen properties in suite order, reporting each as it is decided', async () => {
    const events: string[] = [];
    const report = await runConformance(memoryBackendFactory, {
      runs: 5,
      seed: 1234,
      only: [...cheap].reverse(),
      onStart: (property, index, total) => events.push(`start ${property.name} ${index}/${total}`),
      onResult: (result) => events.push(`result ${result.name} ${result.verdict}`),
    });
    expect(events).toEqual([
      'start backend-model 0/2',
      'result backend-model passed',
      'start garbage-keys 1/2',
      'result garbage-keys passed',
    ]);
    expect(report).toMatchObject({ verdict: 'passed', seed: 1234, passed: 2, failed: 0, notChecked: 0 });
    expect(report.properties.map((p) => [p.name, p.runs, p.seed])).toEqual([
      ['backend-model', 5, 1234],
      ['garbage-keys', 5, 1234],
    ]);
  });

  it('reports a failure with its seed and path, and replays it exactly', async () => {
    const report = await runConformance(boundaryLiveCheck, { only: ['backend-model'] });
    expect(report.verdict).toBe('failed');
    const failure = report.properties[0]!;
    expect(failure.failure?.message).toMatch(/SPEC §1/);
    const replay = await runConformance(boundaryLiveCheck, { only: ['backend-model'], seed: failure.seed, path: failure.failure!.path });
    expect(replay.properties[0]!.failure?.steps).toEqual(failure.failure!.steps);
    expect(replay.properties[0]!.runs).toBe(1);
  });

  it.each([
    [{ only: ['nope'] }, "unknown property 'nope': the properties are backend-model"],
    [{ runs: 0 }, 'runs must be a whole number >= 1, got 0'],
    [{ seed: 1.5 }, 'seed must be a whole number, got 1.5'],
    [{ path: '1:2', only: ['values'] }, 'give seed too'],
    [{ path: '1:2', seed: 1 }, 'name exactly one in only'],
    [{ path: 'abc', seed: 1, only: ['values'] }, "path must look like 12:0:3 (as printed in a failure), got 'abc'"],
  ])('rejects options %j', async (options, message) => {
    const run = runConformance(memoryBackendFactory, options);
    await expect(run).rejects.toThrow(ConformanceUsageError);
    await expect(run).rejects.toThrow(message);
  });

  it('rejects a factory that throws, or returns no backend, before any property runs', async () => {
    let results = 0;
    const throwing = runConformance(() => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')), { onResult: () => results++ });
    await expect(throwing).rejects.toThrow(BackendFactoryError);
    await expect(throwing).rejects.toThrow('the backend factory threw: ECONNREFUSED 127.0.0.1:6379');
    const empty = runConformance(() => ({}) as never, { onResult: () => results++ });
    await expect(empty).rejects.toThrow('the backend factory returned an object without defaultPeriod, generate, get, set, touch, clear()');
    expect(results).toBe(0);
  });
});

describe('listProperties', () => {
  it('lists the suite in order, each with a summary, its rules and default runs', () => {
    const list = listProperties();
    expect(list.map((p) => p.name)).toEqual(conformanceProperties.map((p) => p.name));
    for (const p of list) {
      expect(p.summary).not.toBe('');
      expect(p.rules).toMatch(/§\d/);
      expect(p.defaultRuns).toBeGreaterThanOrEqual(1);
    }
  });
});
