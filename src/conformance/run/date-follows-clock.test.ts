/**
 * `dateFollowsClock`: stores that read `Date.now()` expire by the run's ManualClock under it, and
 * not without it; only `Date` is faked, and only until `dispose`.
 */
import session from 'express-session';
import createMemoryStore from 'memorystore';
import { describe, expect, it } from 'vitest';

import type { Backend, BackendFactory } from '../../backend.js';
import { ManualClock } from '../../clock.js';
import { expressStoreFactory } from '../../express/index.js';
import { dateFollowsClock } from './date-follows-clock.js';

const START = 1_577_836_800_000; // 2020-01-01, years before the wall clock

/** Each store, and what it answers 1 ms after the simulated expiry when Date is the wall clock. */
const stores: Record<string, { make: () => session.Store; withoutFakeDate: unknown }> = {
  // Compares the 2020 cookie with today's Date: dead from the start.
  "express-session's MemoryStore": { make: () => new session.MemoryStore(), withoutFakeDate: { status: 'not_found' } },
  // Keeps it for its TTL in real time (10 s from now): still live past the simulated expiry.
  memorystore: { make: () => new (createMemoryStore(session))({}), withoutFakeDate: { status: 'ok', value: 'v', period: 0 } },
};

/** Generates a 10 s session at START, moves the clock past its expiry, and reads it back. */
async function readAfterExpiry(factory: BackendFactory) {
  const clock = new ManualClock(START);
  const backend = await factory({ clock, namespace: 'date-test' });
  const key = await backend.generate({ value: 'v', expiry: 10 });
  clock.advance(10_000);
  const atExpiry = await backend.get(key);
  clock.advance(1);
  const after = await backend.get(key);
  await backend.close?.();
  return { atExpiry, after };
}

describe.each(Object.entries(stores))('%s', (_name, { make, withoutFakeDate }) => {
  it('expires by the ManualClock with Date following it', async () => {
    const { factory, dispose } = dateFollowsClock(expressStoreFactory(make()));
    try {
      const { after } = await readAfterExpiry(factory);
      expect(after).toEqual({ status: 'not_found' });
    } finally {
      dispose();
    }
  });

  it('does not, without it: it reads the wall clock (a 2020 cookie is long dead, or never seen to die)', async () => {
    const { after } = await readAfterExpiry(expressStoreFactory(make()));
    expect(after).toEqual(withoutFakeDate);
  });
});

describe('dateFollowsClock', () => {
  /** A backend that records what `Date.now()` said when each of its methods ran. */
  function recordingFactory(seen: number[]): BackendFactory {
    return () => {
      seen.push(Date.now());
      const backend: Backend = {
        defaultPeriod: () => (seen.push(Date.now()), 60),
        generate: async () => (seen.push(Date.now()), 'k'.repeat(22)),
        get: async () => (seen.push(Date.now()), { status: 'not_found' }),
        set: async () => (seen.push(Date.now()), 'not_found'),
        touch: async () => (seen.push(Date.now()), 'not_found'),
        clear: async () => void seen.push(Date.now()),
      };
      return backend;
    };
  }

  it('syncs Date to the clock at the factory call and at the start of every backend call', async () => {
    const seen: number[] = [];
    const { factory, dispose } = dateFollowsClock(recordingFactory(seen));
    try {
      const clock = new ManualClock(START);
      const backend = await factory({ clock, namespace: 'n' });
      clock.advance(1_000);
      await backend.generate();
      clock.advance(86_400_000);
      await backend.get('k');
      clock.set(START + 5);
      backend.defaultPeriod();
      expect(seen).toEqual([START, START + 1_000, START + 1_000 + 86_400_000, START + 5]);
      expect(new Date().getTime()).toBe(START + 5);
    } finally {
      dispose();
    }
    expect(Math.abs(Date.now() - performance.timeOrigin - performance.now())).toBeLessThan(60_000);
  });

  it('fakes only Date: timers still fire in real time while Date stands still', async () => {
    const { factory, dispose } = dateFollowsClock(recordingFactory([]));
    try {
      await factory({ clock: new ManualClock(START), namespace: 'n' });
      const fired = await new Promise<number>((resolve) => setTimeout(() => resolve(Date.now()), 20));
      expect(fired).toBe(START);
    } finally {
      dispose();
    }
  });

  it('keeps Date faked until the last of two wrappers is disposed, and disposing twice is harmless', async () => {
    const first = dateFollowsClock(recordingFactory([]));
    const second = dateFollowsClock(recordingFactory([]));
    await first.factory({ clock: new ManualClock(START), namespace: 'n' });
    first.dispose();
    first.dispose();
    expect(Date.now()).toBe(START);
    second.dispose();
    expect(Date.now()).toBeGreaterThan(START + 1_000 * 86_400 * 365);
  });
});
