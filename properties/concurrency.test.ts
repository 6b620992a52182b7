/**
 * The concurrency properties bite: every racy fixture is caught, within the default number of
 * runs, by the property its `expectation` names, with a timeline and a replayable counterexample;
 * MemoryBackend passes all three concurrency properties.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BackendFactory } from '../src/backend.js';
import { memoryBackendFactory } from '../src/backends/memory.js';
import { checkProperty } from './check.js';
import { linearizability } from './concurrency.js';
import { managerRaces } from './concurrency-races.js';
import { faults } from './faults-property.js';
import { conformanceProperties } from './index.js';

interface Fixture {
  default: BackendFactory;
  expectation: { verdict: 'passes' } | { verdict: 'fails'; property: string; bug: string };
}

const directory = new URL('../fixtures/backends/', import.meta.url);
const racy = await Promise.all(
  readdirSync(directory)
    .filter((file) => file.startsWith('racy-') && file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .sort()
    .map(async (file) => ({ name: file.slice(0, -3), module: (await import(new URL(file, directory).href)) as Fixture })),
);

describe('concurrency properties', () => {
  it('are in the default suite, last, in order', () => {
    expect(conformanceProperties.slice(-3).map((property) => property.name)).toEqual(['linearizability', 'manager-races', 'faults']);
  });

  it('there are racy fixtures for both linearizability and manager-races', () => {
    const named = racy.map(({ module }) => (module.expectation.verdict === 'fails' ? module.expectation.property : 'passes'));
    expect(named).toContain('linearizability');
    expect(named).toContain('manager-races');
    expect(racy.length).toBeGreaterThanOrEqual(4);
  });

  for (const property of [linearizability, managerRaces, faults]) {
    it(`MemoryBackend passes ${property.name}`, async () => {
      const report = await checkProperty(property, memoryBackendFactory);
      expect(report.failure?.message ?? 'no failure', `seed ${report.seed}`).toBe('no failure');
      expect(report.verdict).toBe('passed');
      expect(report.runs).toBe(property.defaultRuns);
    });
  }

  for (const { name, module } of racy) {
    const { expectation } = module;
    if (expectation.verdict !== 'fails') continue;
    it(`${name} is caught by ${expectation.property}: ${expectation.bug}`, async () => {
      const property = conformanceProperties.find((candidate) => candidate.name === expectation.property)!;
      expect(property).toBeDefined();
      const report = await checkProperty(property, module.default);
      expect(report.verdict, `seed ${report.seed}`).toBe('failed');
      expect(report.runs).toBeLessThanOrEqual(property.defaultRuns);
      const failure = report.failure!;
      expect(failure.message).toMatch(/SPEC §[245]/);
      // A timeline: one lane per call, invocation and response marks.
      expect(failure.timeline).toMatch(/\|[ =?]*\[[=]*\][ ]*\|/);
      expect(failure.steps.length).toBeGreaterThan(0);
      expect(failure.snippet).toContain('await factory({ clock');
      // The seed and path replay a failure of the same rule.
      const replay = await checkProperty(property, module.default, { seed: report.seed, path: failure.path });
      expect(replay.verdict, `replay of seed ${report.seed} path ${failure.path}`).toBe('failed');
      expect(replay.failure?.message.split('\n')[0]).toBe(failure.message.split('\n')[0]);
    });
  }
});
