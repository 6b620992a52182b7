import { describe, expect, test } from 'vitest';
import type { Backend } from './backend.js';
import { MemoryBackend } from './backends/memory.js';
import { ManualClock } from './clock.js';
import { SessionManager, TimeoutError } from './manager.js';
import { TimeoutError as RootTimeoutError } from './index.js';

/** A MemoryBackend whose chosen operations never settle. */
function hanging(operations: ReadonlyArray<keyof Backend>): Backend {
  const inner = new MemoryBackend({ clock: new ManualClock(0) });
  return new Proxy(inner, {
    get(target, name, receiver) {
      const member = Reflect.get(target, name, receiver);
      if (typeof member !== 'function') return member;
      if (operations.includes(name as keyof Backend)) return () => new Promise(() => {});
      return member.bind(target);
    },
  });
}

describe('SessionManager timeoutMs', () => {
  test('a backend call that never settles rejects with a TimeoutError naming the operation and the limit', async () => {
    const sessions = new SessionManager(hanging(['get']), { timeoutMs: 5 });
    const error = await sessions.ofKey('anything').then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(Error);
    expect((error as TimeoutError).name).toBe('TimeoutError');
    expect((error as TimeoutError).operation).toBe('get');
    expect((error as TimeoutError).timeoutMs).toBe(5);
    expect((error as TimeoutError).message).toMatch(/backend\.get .*5 ms/);
  });

  test.each([
    ['generate', (sessions: SessionManager) => sessions.generate('v', { expiry: 60 })],
    ['set', async (sessions: SessionManager) => sessions.set(await sessions.ofHeaderOrCreate('sid', 'v', undefined), { value: 'w' })],
    ['touch', async (sessions: SessionManager) => sessions.set(await sessions.ofHeaderOrCreate('sid', 'v', undefined))],
    ['clear', async (sessions: SessionManager) => sessions.clear(await sessions.ofHeaderOrCreate('sid', 'v', undefined))],
    ['get', (sessions: SessionManager) => sessions.ofHeader('sid', 'sid=x')],
  ] as const)('a %s that never settles is a TimeoutError naming it', async (operation, run) => {
    const sessions = new SessionManager(hanging([operation]), { timeoutMs: 5 });
    const error = await run(sessions).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).operation).toBe(operation);
    expect((error as TimeoutError).message).toBe(
      `backend.${operation} did not settle within 5 ms (SessionManager timeoutMs); its outcome is unknown`,
    );
  });

  test('regenerate names the step that hung: its generate, or its clear of the old key', async () => {
    const old = { key: 'k'.repeat(40), value: 'old', expiryPeriod: 60, modified: false };
    for (const operation of ['generate', 'clear'] as const) {
      const sessions = new SessionManager(hanging([operation]), { timeoutMs: 5 });
      await expect(sessions.regenerate(old)).rejects.toMatchObject({ name: 'TimeoutError', operation, timeoutMs: 5 });
    }
  });

  test('is exported from the package root', () => {
    expect(RootTimeoutError).toBe(TimeoutError);
  });

  test('a set that times out leaves the session record as it was', async () => {
    const backend = hanging(['set', 'touch']);
    const sessions = new SessionManager(backend, { timeoutMs: 5 });
    const session = await sessions.generate('before', { expiry: 60 });
    const snapshot = { ...session };
    await expect(sessions.set(session, { value: 'after', expiry: 30 })).rejects.toBeInstanceOf(TimeoutError);
    await expect(sessions.set(session)).rejects.toThrow(/backend\.touch did not settle within 5 ms/);
    expect({ ...session }).toEqual(snapshot);
  });

  test('a clear that times out leaves the session record as it was', async () => {
    const sessions = new SessionManager(hanging(['clear']), { timeoutMs: 5 });
    const session = await sessions.generate('kept', { expiry: 60 });
    const snapshot = { ...session };
    await expect(sessions.clear(session)).rejects.toBeInstanceOf(TimeoutError);
    expect({ ...session }).toEqual(snapshot);
  });

  test('calls that settle in time resolve as without a limit', async () => {
    const sessions = new SessionManager(new MemoryBackend({ clock: new ManualClock(0) }), { timeoutMs: 10_000 });
    const session = await sessions.generate('v', { expiry: 60 });
    expect(await sessions.set(session, { value: 'w' })).toBe('ok');
    const found = await sessions.ofKey(session.key);
    expect(found.status === 'ok' && found.session.value).toBe('w');
  });

  test('a backend rejection passes through unchanged, not as a timeout', async () => {
    const failure = new Error('connection reset');
    const backend = new MemoryBackend({ clock: new ManualClock(0) });
    backend.get = () => Promise.reject(failure);
    const sessions = new SessionManager(backend, { timeoutMs: 10_000 });
    await expect(sessions.ofKey('k')).rejects.toBe(failure);
  });

  test('the single-argument constructor sets no limit', async () => {
    const sessions = new SessionManager(new MemoryBackend({ clock: new ManualClock(0) }));
    const session = await sessions.generate('v', { expiry: 60 });
    expect((await sessions.ofKey(session.key)).status).toBe('ok');
  });

  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number])(
    'timeoutMs %s is a RangeError naming the option',
    (timeoutMs) => {
      expect(() => new SessionManager(new MemoryBackend(), { timeoutMs })).toThrow(RangeError);
      expect(() => new SessionManager(new MemoryBackend(), { timeoutMs })).toThrow(/timeoutMs must be a finite number of ms > 0/);
    },
  );
});
