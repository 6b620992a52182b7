import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { MemoryBackend } from './memory.js';

function setup(defaultPeriod = 60) {
  const clock = new ManualClock(1_000_000);
  return { clock, backend: new MemoryBackend({ clock, defaultPeriod }) };
}

describe('MemoryBackend', () => {
  it('keeps a session live through its last millisecond and forgets it one millisecond later', async () => {
    const { clock, backend } = setup();
    const key = await backend.generate({ value: 'v', expiry: 2 });
    clock.advance(2_000);
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'v', period: 0 });
    clock.advance(1);
    expect(await backend.get(key)).toEqual({ status: 'not_found' });
    expect(await backend.set(key, 'again')).toBe('not_found');
    expect(await backend.touch(key)).toBe('not_found');
    expect(await backend.get(key)).toEqual({ status: 'not_found' });
  });

  it('tells "" from no value', async () => {
    const { backend } = setup();
    const empty = await backend.generate({ value: '' });
    const none = await backend.generate();
    expect(await backend.get(empty)).toEqual({ status: 'ok', value: '', period: 60 });
    expect(await backend.get(none)).toEqual({ status: 'not_set' });
    expect(await backend.touch(none, { expiry: 5 })).toBe('ok');
    expect(await backend.get(none)).toEqual({ status: 'not_set' });
  });

  it('never revives a cleared key', async () => {
    const { backend } = setup();
    const key = await backend.generate({ value: 'v' });
    await backend.clear(key);
    await backend.clear(key);
    expect(await backend.set(key, 'w')).toBe('not_found');
    expect(await backend.get(key)).toEqual({ status: 'not_found' });
  });

  it('reads the default period at the time of each call', async () => {
    const { clock, backend } = setup(10);
    const key = await backend.generate({ value: 'v' });
    backend.setDefaultPeriod(100);
    clock.advance(5_500);
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'v', period: 4 });
    expect(await backend.touch(key)).toBe('ok');
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'v', period: 100 });
  });

  it('rejects invalid periods with a RangeError and stores nothing', async () => {
    const { backend } = setup();
    const key = await backend.generate({ value: 'v', expiry: 30 });
    await expect(backend.generate({ value: 'x', expiry: -1 })).rejects.toThrow(RangeError);
    await expect(backend.set(key, 'w', { expiry: 1.5 })).rejects.toThrow(/expiry must be a whole number/);
    await expect(backend.touch(key, { expiry: Number.NaN })).rejects.toThrow(RangeError);
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'v', period: 30 });
    expect(await backend.size()).toBe(1);
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
