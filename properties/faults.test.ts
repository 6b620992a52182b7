import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend.js';
import { MemoryBackend, memoryBackendFactory } from '../src/backends/memory.js';
import { ManualClock } from '../src/clock.js';
import { SessionManager, TimeoutError, type Session } from '../src/manager.js';
import { checkProperty } from './check.js';
import { FAULT_TIMEOUT_MS, faultsProperty } from './faults-property.js';
import { InjectedFault, withFaults, type Fault } from './faults.js';

/** Whether `promise` settles within a few turns of the event loop (no timing assertion: a hang never does). */
async function settlesSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let turn = 0; turn < 5 && !settled; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
  return settled;
}

function store(): MemoryBackend {
  return new MemoryBackend({ clock: new ManualClock(0) });
}

describe('withFaults', () => {
  it('passes calls with no fault through, numbering every call', async () => {
    const seen: Array<[number, string]> = [];
    const backend = withFaults(store(), ({ number, operation }) => {
      seen.push([number, operation]);
      return undefined;
    });
    const key = await backend.generate({ value: 'v', expiry: 60 });
    expect(await backend.set(key, 'w', { expiry: 60 })).toBe('ok');
    expect(await backend.get(key)).toEqual({ status: 'ok', value: 'w', period: 60 });
    expect(await backend.touch(key, { expiry: 60 })).toBe('ok');
    await backend.clear(key);
    expect(seen).toEqual([
      [1, 'generate'],
      [2, 'set'],
      [3, 'get'],
      [4, 'touch'],
      [5, 'clear'],
    ]);
    expect(backend.injected).toEqual([]);
    expect(backend.calls).toBe(5);
  });

  it('fail rejects with an InjectedFault and leaves the store untouched', async () => {
    const inner = store();
    const key = await inner.generate({ value: 'before', expiry: 60 });
    const backend = withFaults(inner, () => 'fail');
    const error = await backend.set(key, 'after', { expiry: 60 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(InjectedFault);
    expect(error).toMatchObject({ name: 'InjectedFault', operation: 'set', fault: 'fail', callNumber: 1 });
    expect((error as Error).message).toBe('injected fault: set call #1 failed before reaching the store');
    expect(await inner.get(key)).toMatchObject({ status: 'ok', value: 'before' });
    expect(backend.injected).toEqual([{ number: 1, operation: 'set', fault: 'fail' }]);
  });

  it('fail-after lets the store do the work, then rejects', async () => {
    const inner = store();
    const key = await inner.generate({ value: 'before', expiry: 60 });
    const backend = withFaults(inner, () => 'fail-after');
    await expect(backend.set(key, 'after', { expiry: 60 })).rejects.toThrow('set call #1 failed after the store did the work');
    expect(await inner.get(key)).toMatchObject({ status: 'ok', value: 'after' });
  });

  it('hang never settles and leaves the store untouched', async () => {
    const inner = store();
    const key = await inner.generate({ value: 'before', expiry: 60 });
    const backend = withFaults(inner, () => 'hang');
    expect(await settlesSoon(backend.clear(key))).toBe(false);
    expect(await inner.get(key)).toMatchObject({ status: 'ok', value: 'before' });
  });

  it('hang-after lets the store do the work and never settles', async () => {
    const inner = store();
    const key = await inner.generate({ value: 'before', expiry: 60 });
    const backend = withFaults(inner, () => 'hang-after');
    expect(await settlesSoon(backend.clear(key))).toBe(false);
    expect(await inner.get(key)).toEqual({ status: 'not_found' });
  });

  it('faults only the calls the plan picks, and keeps the optional methods', async () => {
    const inner = store();
    const plan = new Map<number, Fault>([[2, 'fail']]);
    const backend = withFaults(inner, ({ number }) => plan.get(number));
    const key = await backend.generate({ value: 'v', expiry: 60 });
    await expect(backend.get(key)).rejects.toBeInstanceOf(InjectedFault);
    expect(await backend.get(key)).toMatchObject({ status: 'ok' });
    expect(await backend.size!()).toBe(1);
    expect(await backend.sweep!()).toBe(0);
    expect(backend.defaultPeriod()).toBe(inner.defaultPeriod());
    expect(backend.injected).toEqual([{ number: 2, operation: 'get', fault: 'fail' }]);
  });

  it('with the manager timeout, a hung call becomes a TimeoutError and the session stays as it was', async () => {
    const inner = store();
    const backend = withFaults(inner, ({ operation }) => (operation === 'touch' ? 'hang' : undefined));
    const sessions = new SessionManager(backend, { timeoutMs: 5 });
    const session = await sessions.generate('v', { expiry: 60 });
    const before = { ...session };
    await expect(sessions.set(session)).rejects.toBeInstanceOf(TimeoutError);
    expect({ ...session }).toEqual(before);
  });
});

/** Managers that break the rules the faults property checks. */
class SwallowingManager extends SessionManager {
  override async ofKey(key: string) {
    try {
      return await super.ofKey(key);
    } catch {
      return { status: 'not_found' as const }; // a failure made into not_found
    }
  }
}
class EagerClearManager extends SessionManager {
  override async clear(session: Session): Promise<void> {
    Object.assign(session, { value: '', expiryPeriod: 0, modified: true }); // before the backend answered
    await super.clear(session);
  }
}
class OptimisticSetManager extends SessionManager {
  override async set(session: Session, options: { value?: string; expiry?: number } = {}): Promise<'ok' | 'not_found'> {
    try {
      return await super.set(session, options);
    } catch {
      return 'ok'; // a fake success
    }
  }
}

describe('the faults property', () => {
  it('passes the real manager over MemoryBackend', async () => {
    const report = await checkProperty(faultsProperty(), memoryBackendFactory);
    expect(report.failure?.message ?? 'no failure', `seed ${report.seed}`).toBe('no failure');
  });

  it.each([
    ['a failure made into not_found', (backend: Backend, options: { timeoutMs?: number }) => new SwallowingManager(backend, options), /never turns into a success or a made-up not_found/],
    ['a record changed before the backend answered', (backend: Backend, options: { timeoutMs?: number }) => new EagerClearManager(backend, options), /Session record is unchanged after a failed operation/],
    ['a fake success', (backend: Backend, options: { timeoutMs?: number }) => new OptimisticSetManager(backend, options), /never turns into a success/],
  ])('catches a manager with %s', async (_, makeManager, rule) => {
    const report = await checkProperty(faultsProperty(makeManager), memoryBackendFactory);
    expect(report.verdict, `seed ${report.seed}`).toBe('failed');
    expect(report.failure!.message).toMatch(rule);
    expect(report.failure!.steps.at(-1)).toMatch(/fault: backend\.\w+ (fails|never settles)/);
    expect(report.failure!.snippet).toContain(`new SessionManager(backend, { timeoutMs: ${FAULT_TIMEOUT_MS} })`);
  });
});
