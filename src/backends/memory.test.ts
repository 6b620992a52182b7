import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.js';
import { SessionManager } from '../manager.js';
import { DEFAULT_MAX_SESSIONS, MemoryBackend, SessionLimitError } from './memory.js';
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

  it('a dead session behind more dead ones than one operation sweeps is still not found, and dropped', async () => {
    const { clock, backend } = setup();
    // Five expire first: a lookup sweeps four of them, then meets its own dead record.
    for (let i = 0; i < 5; i++) await backend.generate({ value: 'v', expiry: 1 });
    const target = await backend.generate({ value: 'target', expiry: 2 });
    clock.advance(2_001);
    expect(await backend.get(target)).toEqual({ status: 'not_found' });
    // Four swept, the target dropped on the way: one of the first five is left.
    expect(await backend.size()).toBe(1);
    expect(await backend.set(target, 'w')).toBe('not_found');
    expect(await backend.touch(target)).toBe('not_found');
  });

  it('has the empty namespace by default, and keeps the one it is given', () => {
    expect(new MemoryBackend().namespace).toBe('');
    expect(new MemoryBackend({ namespace: 'tenant-a' }).namespace).toBe('tenant-a');
  });

  it('generate refuses a value that is not a string, storing nothing', async () => {
    const { backend } = setup();
    await expect(backend.generate({ value: 42 as unknown as string })).rejects.toThrow(
      new TypeError('generate: value must be a string, got number'),
    );
    await expect(backend.set('k', null as unknown as string)).rejects.toThrow(new TypeError('set: value must be a string, got object'));
    expect(await backend.size()).toBe(0);
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

  it('gives up, with an error, when the random source keeps drawing a taken key', async () => {
    const backend = new MemoryBackend({ clock: new ManualClock(0) });
    const draws = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation((array) => array); // all zeros
    try {
      await backend.generate({ value: 'first' });
      await expect(backend.generate({ value: 'second' })).rejects.toThrow(/8 keys in a row that were taken/);
      expect(draws).toHaveBeenCalledTimes(1 + 8);
    } finally {
      draws.mockRestore();
    }
    expect(await backend.size()).toBe(1);
  });
});

describe('MemoryBackend maxSessions', () => {
  it('defaults to DEFAULT_MAX_SESSIONS and refuses a bound that is not a whole number >= 1', () => {
    expect(DEFAULT_MAX_SESSIONS).toBe(100_000);
    for (const bad of [0, -1, 1.5, Number.NaN, '10' as unknown as number]) {
      expect(() => new MemoryBackend({ maxSessions: bad })).toThrow(/maxSessions must be a whole number >= 1 or Infinity/);
    }
    expect(() => new MemoryBackend({ maxSessions: Infinity })).not.toThrow();
  });

  it('when full, drops dead sessions first, and only those: every live session stays, found or not', async () => {
    const clock = new ManualClock(0);
    const backend = new MemoryBackend({ clock, maxSessions: 3 });
    const dying = await backend.generate({ value: 'dies', expiry: 1 });
    const users = [await backend.generate({ value: 'a' }), await backend.generate({ value: 'b' })];
    clock.advance(1_001);
    const added = await backend.generate({ value: 'new' });
    expect(await backend.size()).toBe(3);
    expect(await backend.get(dying)).toEqual({ status: 'not_found' });
    for (const key of [...users, added]) expect((await backend.get(key)).status).toBe('ok');
  });

  it('a cookieless flood evicts only sessions no lookup has found, oldest first; logged-in users stay', async () => {
    const clock = new ManualClock(0);
    const backend = new MemoryBackend({ clock, maxSessions: 100 });
    const sessions = new SessionManager(backend);
    // Ten users: each came back with its cookie (a lookup found it) and logged in.
    const users: string[] = [];
    for (let i = 0; i < 10; i++) {
      const first = await sessions.ofHeaderOrCreate('sid', '', undefined);
      const back = await sessions.ofHeaderOrCreate('sid', '', `sid=${first.key}`);
      const login = await sessions.regenerate(back, { value: `user ${i}` });
      await sessions.ofHeaderOrCreate('sid', '', `sid=${login.key}`); // the next request
      users.push(login.key);
    }
    // The flood: 10,000 requests without a cookie, each making (and writing) a session, as the quick start does.
    let lastFlood = '';
    for (let i = 0; i < 10_000; i++) {
      const session = await sessions.ofHeaderOrCreate('sid', '0', undefined);
      await sessions.set(session, { value: '1' });
      lastFlood = session.key;
      clock.advance(1);
    }
    expect(await backend.size()).toBe(100);
    for (const [i, key] of users.entries()) expect(await backend.get(key)).toMatchObject({ status: 'ok', value: `user ${i}` });
    expect((await backend.get(lastFlood)).status).toBe('ok'); // the newest one-shot session is kept
  });

  it('rejects with a SessionLimitError, creating nothing, when every session held has been found by a lookup', async () => {
    const backend = new MemoryBackend({ clock: new ManualClock(0), maxSessions: 2 });
    const sessions = new SessionManager(backend);
    const kept = [await backend.generate({ value: 'a' }), await backend.generate({ value: 'b' })];
    for (const key of kept) await backend.get(key);
    const refused = sessions.ofHeaderOrCreate('sid', '', undefined);
    await expect(refused).rejects.toBeInstanceOf(SessionLimitError);
    await expect(refused).rejects.toThrow(/full \(2 sessions/);
    expect(await backend.size()).toBe(2);
    // Room again once one goes.
    await backend.clear(kept[0]!);
    await expect(backend.generate({ value: 'c' })).resolves.toEqual(expect.any(String));
  });

  it('an unbounded backend (Infinity) never refuses', async () => {
    const backend = new MemoryBackend({ clock: new ManualClock(0), maxSessions: Infinity });
    for (let i = 0; i < 1_000; i++) await backend.get(await backend.generate({ value: 'v' }));
    expect(await backend.size()).toBe(1_000);
  });

  describe('the edges mutation testing found unchecked', () => {
    it('names its errors: SessionLimitError, a closed backend, a bad default period', async () => {
      const full = new MemoryBackend({ clock: new ManualClock(0), maxSessions: 1 });
      await full.get(await full.generate({ value: 'a' }));
      const refused = await full.generate({ value: 'b' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SessionLimitError);
      expect((refused as SessionLimitError).name).toBe('SessionLimitError');
      expect((refused as SessionLimitError).maxSessions).toBe(1);
      const closed = new MemoryBackend();
      await closed.close();
      await expect(closed.get('A'.repeat(22))).rejects.toThrow(/^MemoryBackend is closed$/);
      expect(() => new MemoryBackend().setDefaultPeriod(-1)).toThrow(/^period must be a whole number of seconds/);
    });

    it('a bound of 1 is a bound', async () => {
      const one = new MemoryBackend({ clock: new ManualClock(0), maxSessions: 1 });
      const first = await one.generate({ value: 'a' });
      const second = await one.generate({ value: 'b' });
      expect(await one.size()).toBe(1);
      expect(await one.get(first)).toEqual({ status: 'not_found' });
      expect((await one.get(second)).status).toBe('ok');
    });

    it('generate sweeps only a few dead sessions when there is room', async () => {
      const { clock, backend } = setup();
      for (let i = 0; i < 10; i++) await backend.generate({ value: 'v', expiry: 1 });
      clock.advance(1_001);
      await backend.generate({ value: 'live' });
      expect(await backend.size()).toBe(7);
    });

    it('evicts the oldest session never found, however the ones found were found (first, middle, last, twice)', async () => {
      const clock = new ManualClock(0);
      const backend = new MemoryBackend({ clock, maxSessions: 5 });
      const keys = [];
      for (const value of ['a', 'b', 'c', 'd', 'e']) keys.push(await backend.generate({ value }));
      const [a, b, c, d, e] = keys as [string, string, string, string, string];
      await backend.get(c); // from the middle of the never-found list
      await backend.get(c); // and again: nothing more to unlink
      await backend.get(e); // its newest
      // Never found, oldest first: a, b, d.
      const f = await backend.generate({ value: 'f' });
      expect((await backend.touch(a))).toBe('not_found');
      const g = await backend.generate({ value: 'g' });
      expect((await backend.touch(b))).toBe('not_found');
      for (const key of [c, d, e, f, g]) expect(await backend.touch(key)).toBe('ok');
    });
  });
});
