/**
 * Real-time mode (properties/real-time.ts, properties/clock-modes.ts, the runner's `realTime`): a
 * correct store on the system clock passes it, a run says what it left to the simulated run, and a
 * store whose expiry runs on a server's clock has its expiry reported as not checked in simulated
 * time. (The store it must catch is in the fixture gallery: server-clock-expiry-late.)
 */
import { describe, expect, it } from 'vitest';
import type { BackendFactory } from '../src/backend.js';
import { memoryBackendFactory } from '../src/backends/memory.js';
import { ConformanceUsageError } from '../src/conformance/errors.js';
import { checkRunOptions, runConformance } from '../src/conformance/run/runner.js';
import { checkProperty } from './check.js';
import { EXPIRY_ROOT_CAUSES, MOVES_THE_CLOCK, realTimeProperties, underServerClock } from './clock-modes.js';
import { conformanceProperties } from './index.js';
import type { PropertyReport } from './property.js';
import { backendModelRealTimeProperty } from './real-time.js';

/** The memory backend, recording the clock each factory call was given. */
function recording(): { factory: BackendFactory; clocks: number[] } {
  const clocks: number[] = [];
  const factory: BackendFactory = (context) => {
    clocks.push(context.clock.now());
    return memoryBackendFactory(context);
  };
  return { factory, clocks };
}

describe('real-time mode', () => {
  it('a correct store on the system clock passes backend-model in real time (no false alarm), given the real clock', async () => {
    const { factory, clocks } = recording();
    const report = await checkProperty(backendModelRealTimeProperty, factory, { runs: 4 });
    expect(report.failure?.message ?? 'no failure', `seed ${report.seed}`).toBe('no failure');
    expect(report.verdict).toBe('passed');
    expect(report.runs).toBe(4);
    // The system clock, not the simulated one (which starts in 2020).
    expect(clocks.length).toBeGreaterThan(0);
    expect(Math.min(...clocks)).toBeGreaterThan(Date.parse('2024-01-01'));
  }, 60_000);

  it('runs only the properties with a real-time form and reports the others as left to the simulated run', async () => {
    const report = await runConformance(memoryBackendFactory, { realTime: true, runs: 1, only: ['backend-model', 'values', 'reclaiming'] });
    expect(report.clock).toBe('real-time');
    expect(report.properties.map((p) => [p.name, p.verdict])).toEqual([
      ['backend-model', 'passed'],
      ['values', 'not_checked'],
      ['reclaiming', 'not_checked'],
    ]);
    expect(report.properties[1]!.notChecked).toMatch(/^left to the simulated run \(they do not judge expiry/);
    expect(report.properties[2]!.notChecked).toMatch(/^left to the simulated run \(real time runs only backend-model/);
    expect(report.verdict).toBe('passed');
    const strict = await runConformance(memoryBackendFactory, { realTime: true, runs: 1, only: ['backend-model', 'values'], requireAll: true });
    expect(strict.verdict).toBe('failed');
  }, 60_000);

  it('refuses fakeDate with realTime, and an empty name for a server clock', () => {
    expect(() => checkRunOptions({ realTime: true, fakeDate: true })).toThrow(ConformanceUsageError);
    expect(() => checkRunOptions({ expiryOnServerClock: ' ' })).toThrow(/expiryOnServerClock names the store's expiry/);
  });

  it('has a real-time form only for properties the suite has, under the same name', () => {
    const names = conformanceProperties.map((p) => p.name);
    for (const name of realTimeProperties.keys()) expect(names).toContain(name);
    for (const name of MOVES_THE_CLOCK) expect(names).toContain(name);
  });
});

describe('a store whose expiry runs on a server clock, in simulated time', () => {
  const base = { summary: '', runs: 3, durationMs: 1, seed: 1 };
  const failure = (id: string): PropertyReport['failure'] => ({ path: '0', shrinks: 0, message: `rule ${id}`, rootCause: { id, rule: `rule ${id}` }, steps: ['1. x'], snippet: '' });

  it('a property that moves the clock and held is partly checked, with the reason; one that does not move it stands', () => {
    expect(underServerClock({ ...base, name: 'backend-model', verdict: 'passed' }, 'Redis EX')).toMatchObject({
      verdict: 'partly_checked',
      note: expect.stringMatching(/expiry runs on a server's clock \(Redis EX\).*not checked in simulated time/),
    });
    expect(underServerClock({ ...base, name: 'values', verdict: 'passed' }, 'Redis EX')).toMatchObject({ verdict: 'passed' });
  });

  it('a failure about expiry is not checked (never a failure, never a pass), naming what the run met; any other failure stands', () => {
    expect(EXPIRY_ROOT_CAUSES.has('expiry-late')).toBe(true);
    const late = underServerClock({ ...base, name: 'backend-model', verdict: 'failed', failure: failure('expiry-late') }, 'Redis EX');
    expect(late).toMatchObject({ verdict: 'not_checked', notChecked: expect.stringMatching(/the simulated run met expiry-late, for real time to judge$/) });
    expect(late.failure).toBeUndefined();
    const value = underServerClock({ ...base, name: 'backend-model', verdict: 'failed', failure: failure('value-changed') }, 'Redis EX');
    expect(value).toMatchObject({ verdict: 'failed', failure: { rootCause: { id: 'value-changed' } } });
    // A cleared session that came back is a bug whatever the clock; an expired key written is about expiry.
    const revived = (rule: string) => ({ ...failure('revives-cleared')!, rootCause: { id: 'revives-cleared', rule } });
    expect(underServerClock({ ...base, name: 'manager-races', verdict: 'failed', failure: revived('a cleared session never comes back (SPEC §4)') }, 'Redis EX').verdict).toBe('failed');
    expect(underServerClock({ ...base, name: 'backend-model', verdict: 'failed', failure: revived('set never revives an expired key: it resolves not_found (SPEC §4)') }, 'Redis EX').verdict).toBe('not_checked');
  });

  it('the runner reads the mark from the factory (or the option), and --require-all fails what was left unchecked', async () => {
    const marked: BackendFactory = (context) => memoryBackendFactory(context);
    marked.expiryOnServerClock = 'a test mark';
    const report = await runConformance(marked, { runs: 5, only: ['backend-model', 'values'] });
    expect(report.properties.map((p) => p.verdict)).toEqual(['partly_checked', 'passed']);
    expect(report.verdict).toBe('passed');
    expect(report.notCheckedParts).toEqual([{ property: 'backend-model', extent: 'part', reason: expect.stringContaining('(a test mark)') }]);
    expect((await runConformance(memoryBackendFactory, { runs: 5, only: ['backend-model'], expiryOnServerClock: 'an option', requireAll: true })).verdict).toBe('failed');
  });
});
