import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { MemoryBackend } from './memory.js';
import { backendExamples } from '../../fixtures/backends/support/backend-examples.js';

function setup(defaultPeriod = 60) {
  const clock = new ManualClock(1_000_000);
  return { clock, backend: new MemoryBackend({ clock, defaultPeriod }) };
}

describe('MemoryBackend', () => {
  backendExamples(setup);

  it('reads the clock once per operation: never a period of -1 from a live session', async () => {
    // A clock that moves 1 ms every time it is read, as the wall clock can between two reads.
    let at = 1_000_000;
    const ticking = { now: () => at++ };
    const backend = new MemoryBackend({ clock: ticking, defaultPeriod: 60 });
    const key = await backend.generate({ value: 'v', expiry: 1 }); // expires at 1_001_000
    at = 1_001_000;
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'v', period: 0 });
    at = 1_001_000;
    expect(await backend.set(key, 'w', { expiry: 2 })).toBe('ok'); // restarted from the instant it was found live
    at = 1_003_000;
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'w', period: 0 });
  });

  it('refuses an invalid default period when made', () => {
    expect(() => new MemoryBackend({ defaultPeriod: 34_560_001 })).toThrow(/defaultPeriod/);
  });

  it('drops dead sessions a few at a time on every operation, without sweep()', async () => {
    const { clock, backend } = setup();
    for (let i = 0; i < 1_000; i++) await backend.generate({ value: 'v', expiry: 1 });
    expect(await backend.size()).toBe(1_000);
    clock.advance(1_001);
    const live = await backend.generate({ value: 'live', expiry: 3_600 });
    for (let i = 0; i < 300; i++) await backend.get(live);
    expect(await backend.size()).toBe(1);
  });

  it('stays bounded under churn while the clock moves', async () => {
    const { clock, backend } = setup();
    let peak = 0;
    for (let i = 0; i < 20_000; i++) {
      await backend.generate({ value: 'v', expiry: 1 });
      clock.advance(10); // about 100 sessions live at any instant
      peak = Math.max(peak, await backend.size());
    }
    expect(peak).toBeLessThan(150);
  });

  it('sweep() drops every dead session at once and says how many', async () => {
    const { clock, backend } = setup();
    const short = [await backend.generate({ expiry: 1 }), await backend.generate({ value: 'a', expiry: 1 })];
    const long = await backend.generate({ value: 'b', expiry: 10 });
    clock.advance(1_001);
    expect(await backend.sweep()).toBe(2);
    expect(await backend.size()).toBe(1);
    expect(await backend.get(short[0]!)).toEqual({ status: 'not_found' });
    expect(await backend.get(long)).toMatchObject({ status: 'ok', value: 'b' });
  });

  it('treats any string as a key without throwing', async () => {
    const { backend } = setup();
    for (const key of ['', 'x'.repeat(100_000), '\u0000\uffff', '__proto__', 'constructor']) {
      expect(await backend.get(key)).toEqual({ status: 'not_found' });
      expect(await backend.set(key, 'v')).toBe('not_found');
      expect(await backend.touch(key)).toBe('not_found');
      await backend.clear(key);
    }
    expect(await backend.size()).toBe(0);
  });
});
