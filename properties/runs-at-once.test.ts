import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Backend, BackendFactory } from '../src/backend.js';
import { memoryBackendFactory } from '../src/backends/memory.js';
import { conformanceProperties } from './index.js';
import { checkProperty } from './check.js';
import { LooseErrorTrap } from './loose-errors.js';
import type { PropertyReport } from './property.js';
import { firstFailingRun } from './runs-at-once.js';

const propertyNamed = (name: string) => conformanceProperties.find((property) => property.name === name)!;

async function fixture(name: string): Promise<BackendFactory> {
  return ((await import(`../fixtures/backends/${name}.ts`)) as { default: BackendFactory }).default;
}

/** What a report says, without how long it took and with keys (random by SPEC §2) blanked. */
function said(report: PropertyReport) {
  const blank = (text: string) => text.replace(/"[A-Za-z0-9_-]{22,}"/g, '"<key>"');
  return {
    verdict: report.verdict,
    runs: report.runs,
    path: report.failure?.path,
    rootCause: report.failure?.rootCause,
    message: report.failure && blank(report.failure.message),
    steps: report.failure?.steps.map(blank),
  };
}

describe('runs several at a time report what one at a time reports', () => {
  // One fixture per kind of property: model sequences, key churn, values, derived keys, reclaiming,
  // and a backend that lets a rejection loose (the overlapped pass cannot pin it on a run).
  const cases: Array<[fixture: string, property: string]> = [
    ['set-revives-cleared', 'backend-model'],
    ['counter-keys', 'key-quality'],
    ['empty-string-as-no-value', 'values'],
    ['case-folding-keys', 'derived-keys'],
    ['tombstone-clear', 'reclaiming'],
    ['miss-audit-unhandled', 'backend-model'],
  ];
  it.for(cases)('%s (%s): the same runs, path, message and story from the same seed', { timeout: 60_000 }, async ([name, propertyName]) => {
    const factory = await fixture(name);
    const property = propertyNamed(propertyName);
    for (const seed of [1, 2]) {
      const oneAtATime = await checkProperty(property, factory, { seed, runsAtOnce: 1 });
      const fourAtATime = await checkProperty(property, factory, { seed, runsAtOnce: 4 });
      expect(oneAtATime.verdict).toBe('failed');
      expect(said(fourAtATime)).toEqual(said(oneAtATime));
    }
  });

  it('a correct backend: every run made, either way', async () => {
    const property = propertyNamed('backend-model');
    const report = await checkProperty(property, memoryBackendFactory, { seed: 3, runsAtOnce: 4 });
    expect(report).toMatchObject({ verdict: 'passed', runs: property.defaultRuns });
  });

  it('never a false alarm from the overlap itself: a store that fails only while two of its backends are open at once passes', async () => {
    // One connection: a second backend open at the same time gets "busy" on every call, as a
    // single-writer database would answer. Its runs fail only when they overlap.
    let open = 0;
    const oneConnection: BackendFactory = async (context) => {
      const backend = await memoryBackendFactory(context);
      open += 1;
      const busy = open > 1;
      return new Proxy(backend, {
        get(target, member) {
          const value = Reflect.get(target, member, target) as unknown;
          if (typeof value !== 'function') return value;
          if (member === 'close') return async () => ((open -= 1), await target.close?.());
          if (busy && ['generate', 'get', 'set', 'touch', 'clear'].includes(String(member))) return async () => Promise.reject(new Error('SQLITE_BUSY: database is locked'));
          return (value as (...a: unknown[]) => unknown).bind(target);
        },
      }) satisfies Backend;
    };
    const property = propertyNamed('backend-model');
    // The overlapped pass itself does see failing runs...
    const prepared = await property.prepare(oneConnection, {});
    if (!('property' in prepared)) throw new Error('backend-model applies to every backend');
    expect(await firstFailingRun(prepared.property, new LooseErrorTrap(), { seed: 4, runs: 200, atOnce: 4 })).toMatchObject({ held: false });
    // ...and what is reported is what one run at a time says.
    const report = await checkProperty(property, oneConnection, { seed: 4, runsAtOnce: 4 });
    expect(report).toMatchObject({ verdict: 'passed', runs: property.defaultRuns });
  });
});

describe('firstFailingRun', () => {
  it('names the lowest failing run, whichever finished first', async () => {
    // Run i takes (10 - i) ms: later runs finish first; runs 3 and 5 fail.
    let index = 0;
    const property = fc.asyncProperty(fc.constant(null), async () => {
      const i = index++;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10 - i)));
      if (i === 3 || i === 5) throw new Error(`run ${i} fails`);
    });
    const found = await firstFailingRun(property, new LooseErrorTrap(), { seed: 1, runs: 10, atOnce: 4 });
    expect(found).toEqual({ held: false, index: 3 });
  });

  it('cannot tell when a precondition skips a run (fast-check would then number the runs after it differently)', async () => {
    const property = fc.asyncProperty(fc.nat(), async (n) => {
      fc.pre(n % 2 === 0);
    });
    const found = await firstFailingRun(property, new LooseErrorTrap(), { seed: 1, runs: 20, atOnce: 4 });
    expect(found).toEqual({ unclear: 'a run was skipped by a precondition' });
  });
});
