import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { MemoryBackend } from './backends/memory.js';
import { ManualClock } from './clock.js';
import { SessionManager } from './manager.js';
import { ClearFirstRegenerateManager } from '../fixtures/broken-parts/clear-first-regenerate.js';

/** A MemoryBackend whose calls are counted, to see what the manager asks of its backend. */
function setup() {
  const clock = new ManualClock(0);
  const memory = new MemoryBackend({ clock, defaultPeriod: 600 });
  const calls: string[] = [];
  const backend = new Proxy(memory, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver);
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return member.apply(target, args);
      };
    },
  });
  return { clock, memory, calls, sessions: new SessionManager(backend) };
}

describe('SessionManager', () => {
  it('generates a modified session for the default period', async () => {
    const { sessions } = setup();
    const session = await sessions.generate('hello');
    expect(session).toEqual({ key: expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/), value: 'hello', expiryPeriod: 600, modified: true });
  });

  it('answers no_cookie without asking the backend', async () => {
    const { sessions, calls } = setup();
    for (const header of [undefined, null, '', 'other=1; sids=2', [], ['a=b', 'c=d']]) {
      expect(await sessions.ofHeader('sid', header)).toEqual({ status: 'no_cookie' });
    }
    expect(calls).toEqual([]);
  });

  it('tries the first three cookies of its name in order, across header fields, and the first live one wins', async () => {
    const { sessions, calls } = setup();
    const live = await sessions.generate('mine');
    calls.length = 0;
    const found = await sessions.ofHeader('sid', ['sid=; a=1', `sid=${'k'.repeat(513)}`, `sid=${live.key}; sid=x`]);
    expect(found).toEqual({ status: 'ok', session: { key: live.key, value: 'mine', expiryPeriod: 600, modified: false } });
    // The empty and over-long candidates were not asked.
    expect(calls).toEqual(['get']);
    expect(await sessions.ofHeader('sid', `sid=a; sid=b; sid=c; sid=${live.key}`)).toEqual({ status: 'not_found' });
  });

  it('asks the backend about a 512-character candidate, not about a 513-character one', async () => {
    const { sessions, calls } = setup();
    expect(await sessions.ofHeader('sid', `sid=${'k'.repeat(512)}`)).toEqual({ status: 'not_found' });
    expect(calls).toEqual(['get']);
    calls.length = 0;
    expect(await sessions.ofHeader('sid', `sid=${'k'.repeat(513)}`)).toEqual({ status: 'not_found' });
    expect(calls).toEqual([]);
  });

  it('refuses an empty or non-string cookie name with a TypeError, asking nothing', async () => {
    const { sessions, calls } = setup();
    await expect(sessions.ofHeader('', 'sid=x')).rejects.toThrow(new TypeError('cookieName must be a non-empty string, got ""'));
    await expect(sessions.ofHeader(undefined as unknown as string, 'sid=x')).rejects.toThrow(
      new TypeError('cookieName must be a non-empty string, got undefined'),
    );
    await expect(sessions.ofHeader(7 as unknown as string, '7=x')).rejects.toThrow(new TypeError('cookieName must be a non-empty string, got 7'));
    await expect(sessions.ofHeaderOrCreate('', 'v', undefined)).rejects.toThrow(TypeError);
    expect(calls).toEqual([]);
  });

  it('a header field that is not a string holds no cookie', async () => {
    const { sessions, calls } = setup();
    const live = await sessions.generate('v');
    calls.length = 0;
    expect(await sessions.ofHeader('sid', [undefined as unknown as string])).toEqual({ status: 'no_cookie' });
    expect(calls).toEqual([]);
    expect(await sessions.ofHeader('sid', [42 as unknown as string, `sid=${live.key}`])).toMatchObject({ status: 'ok' });
  });

  it('checks ofHeaderOrCreate\'s expiry even when the cookie names a live session', async () => {
    const { sessions } = setup();
    const live = await sessions.generate('v');
    for (const bad of [-1, 0.5, 34_560_001]) {
      await expect(sessions.ofHeaderOrCreate('sid', 'v', `sid=${live.key}`, { expiry: bad })).rejects.toThrow(
        new RangeError(`expiry must be a whole number of seconds from 0 to 34560000, got ${bad}`),
      );
    }
    await expect(sessions.ofHeaderOrCreate('sid', 42 as unknown as string, `sid=${live.key}`)).rejects.toThrow(
      new TypeError('defaultValue must be a string, got number'),
    );
    expect(await sessions.ofHeaderOrCreate('sid', 'v', `sid=${live.key}`, { expiry: 5 })).toMatchObject({ key: live.key, expiryPeriod: 600 });
  });

  it('reports the first candidate status when none is live', async () => {
    const { sessions, memory } = setup();
    const noValue = await memory.generate();
    expect(await sessions.ofHeader('sid', `sid=${noValue}; sid=garbage`)).toEqual({ status: 'not_set' });
    expect(await sessions.ofHeader('sid', `sid=garbage; sid=${noValue}`)).toEqual({ status: 'not_found' });
  });

  it('never adopts a key the client made up', async () => {
    const { sessions, memory } = setup();
    const forged = 'A'.repeat(40);
    const session = await sessions.ofHeaderOrCreate('sid', 'fresh', `sid=${forged}`, { expiry: 30 });
    expect(session.key).not.toBe(forged);
    expect(session).toMatchObject({ value: 'fresh', expiryPeriod: 30, modified: true });
    expect(await memory.get(forged)).toEqual({ status: 'not_found' });
  });

  it('returns a live session unchanged, ignoring expiry, writing nothing', async () => {
    const { sessions, calls, clock } = setup();
    const live = await sessions.generate('v');
    clock.advance(100_000);
    calls.length = 0;
    const again = await sessions.ofHeaderOrCreate('sid', 'other', `sid=${live.key}`, { expiry: 5 });
    expect(again).toEqual({ key: live.key, value: 'v', expiryPeriod: 500, modified: false });
    expect(calls).toEqual(['get']);
  });

  it('set with a value stores it; without one it only restarts the lifetime', async () => {
    const { sessions, memory, calls, clock } = setup();
    const session = await sessions.generate('v1');
    clock.advance(10_000);
    calls.length = 0;
    expect(await sessions.set(session, { value: 'v2', expiry: 50 })).toBe('ok');
    expect(session).toMatchObject({ value: 'v2', expiryPeriod: 50, modified: true });
    expect(await sessions.set(session)).toBe('ok');
    expect(calls).toEqual(['set', 'defaultPeriod', 'touch']);
    expect(session).toMatchObject({ value: 'v2', expiryPeriod: 600 });
    expect(await memory.get(session.key)).toEqual({ status: 'ok', value: 'v2', period: 600 });
  });

  it('leaves a dead session as it was and says not_found', async () => {
    const { sessions, memory } = setup();
    const session = await sessions.generate('v');
    const before = { ...session };
    await memory.clear(session.key);
    expect(await sessions.set(session, { value: 'w' })).toBe('not_found');
    expect(await sessions.set(session)).toBe('not_found');
    expect(session).toEqual(before);
    expect(await memory.get(session.key)).toEqual({ status: 'not_found' });
  });

  it('regenerate moves the value to a new key and kills the old one', async () => {
    const { sessions, memory } = setup();
    const old = await sessions.generate('cart');
    const fresh = await sessions.regenerate(old, { expiry: 90 });
    expect(fresh).toEqual({ key: expect.any(String), value: 'cart', expiryPeriod: 90, modified: true });
    expect(fresh.key).not.toBe(old.key);
    expect(await memory.get(old.key)).toEqual({ status: 'not_found' });
    expect(await memory.get(fresh.key)).toEqual({ status: 'ok', value: 'cart', period: 90 });
    const withValue = await sessions.regenerate(fresh, { value: 'user=1' });
    expect(withValue).toMatchObject({ value: 'user=1', expiryPeriod: 600 });
  });

  it('clear empties the record in place and keeps the key', async () => {
    const { sessions, memory } = setup();
    const session = await sessions.generate('v');
    const key = session.key;
    await sessions.clear(session);
    expect(session).toEqual({ key, value: '', expiryPeriod: 0, modified: true });
    expect(await memory.get(key)).toEqual({ status: 'not_found' });
    expect(sessions.toCookieHeaders('sid', session)).toEqual([
      ['Set-Cookie', 'sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax'],
      ['Vary', 'Cookie'],
    ]);
  });

  it('writes Set-Cookie only for a modified session, and never resets modified', async () => {
    const { sessions } = setup();
    const session = await sessions.generate('v', { expiry: 60 });
    const headers = sessions.toCookieHeaders('sid', session, { secure: true, sameSite: 'Strict', domain: 'example.com' });
    expect(headers).toEqual([
      ['Set-Cookie', `sid=${session.key}; Path=/; Domain=example.com; Max-Age=60; Secure; HttpOnly; SameSite=Strict`],
      ['Vary', 'Cookie'],
    ]);
    expect(session.modified).toBe(true);
    const found = await sessions.ofKey(session.key);
    expect(found.status === 'ok' && sessions.toCookieHeaders('sid', found.session)).toEqual([['Vary', 'Cookie']]);
    expect(sessions.clearHeaders('sid', { discard: true })).toEqual([
      ['Set-Cookie', 'sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax'],
      ['Vary', 'Cookie'],
    ]);
  });

  it('refuses lone surrogates and bad periods before reaching the backend', async () => {
    const { sessions, calls, memory } = setup();
    const session = await sessions.generate('v');
    calls.length = 0;
    await expect(sessions.generate('\ud800')).rejects.toThrow(TypeError);
    await expect(sessions.set(session, { value: 'a\udc00b' })).rejects.toThrow(/^value has a lone surrogate/);
    await expect(sessions.generate('v', { expiry: -5 })).rejects.toThrow(RangeError);
    await expect(sessions.set(session, { expiry: 34_560_001 })).rejects.toThrow(/expiry/);
    await expect(sessions.ofHeaderOrCreate('sid', 'v', '', { expiry: 0.5 })).rejects.toThrow(RangeError);
    await expect(sessions.generate(42 as unknown as string)).rejects.toThrow(/value must be a string/);
    expect(calls).toEqual([]);
    expect(await memory.size()).toBe(1);
    expect(session).toMatchObject({ value: 'v', modified: true });
  });

  it('passes backend rejections through unchanged and leaves the session as it was', async () => {
    const failure = new Error('disk on fire');
    const broken: Backend = {
      defaultPeriod: () => 60,
      generate: () => Promise.reject(failure),
      get: () => Promise.reject(failure),
      set: () => Promise.reject(failure),
      touch: () => Promise.reject(failure),
      clear: () => Promise.reject(failure),
    };
    const sessions = new SessionManager(broken);
    const session = { key: 'k'.repeat(40), value: 'v', expiryPeriod: 60, modified: false };
    await expect(sessions.generate('v')).rejects.toBe(failure);
    await expect(sessions.ofHeader('sid', `sid=${session.key}`)).rejects.toBe(failure);
    await expect(sessions.set(session, { value: 'w' })).rejects.toBe(failure);
    await expect(sessions.clear(session)).rejects.toBe(failure);
    await expect(sessions.regenerate(session)).rejects.toBe(failure);
    expect(session).toEqual({ key: 'k'.repeat(40), value: 'v', expiryPeriod: 60, modified: false });
  });

  describe('regenerate: generated first, then cleared (SPEC §5)', () => {
    /**
     * What a failure in the middle of `regenerate` does, over a MemoryBackend whose `failing`
     * operation rejects: the problems found (none for a manager that follows SPEC §5).
     */
    async function problemsWhen(failing: 'generate' | 'clear', makeManager: (backend: Backend) => SessionManager): Promise<string[]> {
      const memory = new MemoryBackend({ clock: new ManualClock(0), defaultPeriod: 600 });
      const failure = new Error(`${failing} failed`);
      let armed = false;
      const backend = new Proxy(memory, {
        get(target, property, receiver) {
          const member = Reflect.get(target, property, receiver);
          if (typeof member !== 'function') return member;
          if (property === failing) return (...args: unknown[]) => (armed ? Promise.reject(failure) : member.apply(target, args));
          return member.bind(target);
        },
      });
      const sessions = makeManager(backend);
      const old = await sessions.generate('user=ada', { expiry: 60 });
      const before = { ...old };
      armed = true;
      const problems: string[] = [];
      const outcome = await sessions.regenerate(old, { value: 'user=ada; admin' }).then(
        (fresh) => ({ fresh }),
        (error: unknown) => ({ error }),
      );
      if (!('error' in outcome) || outcome.error !== failure) problems.push(`regenerate did not reject with the backend's error: ${JSON.stringify(outcome)}`);
      if (JSON.stringify(old) !== JSON.stringify(before)) problems.push(`the old Session changed: ${JSON.stringify(old)}`);
      const lookup = await memory.get(old.key);
      if (lookup.status !== 'ok' || lookup.value !== 'user=ada') problems.push(`the old session is no longer live (${lookup.status}): the user was logged out`);
      if (failing === 'clear' && (await memory.size()) !== 2) problems.push(`a rejected clear must leave both sessions, found ${await memory.size()}`);
      return problems;
    }

    const shipped = (backend: Backend) => new SessionManager(backend);
    const clearFirst = (backend: Backend) => new ClearFirstRegenerateManager(backend);

    it('a rejected generate leaves the old session live and unchanged', async () => {
      expect(await problemsWhen('generate', shipped)).toEqual([]);
    });

    it('a rejected clear leaves both sessions live and passes the error on', async () => {
      expect(await problemsWhen('clear', shipped)).toEqual([]);
    });

    it('catches a regenerate that clears first (fixtures/broken-parts/clear-first-regenerate.ts)', async () => {
      expect(await problemsWhen('generate', clearFirst)).toEqual([expect.stringMatching(/logged out/)]);
    });
  });

  it('names backend.defaultPeriod() when the backend\'s default is not a period', async () => {
    const memory = new MemoryBackend({ clock: new ManualClock(0) });
    const broken = Object.assign(Object.create(memory) as MemoryBackend, { defaultPeriod: () => -1 });
    await expect(new SessionManager(broken).generate('v')).rejects.toThrow(/^backend\.defaultPeriod\(\) must be a whole number/);
  });

  it('without a timeout, waits for a backend however slow', async () => {
    const memory = new MemoryBackend({ clock: new ManualClock(0) });
    const slow = Object.assign(Object.create(memory) as MemoryBackend, {
      get: (key: string) => new Promise((resolve) => setTimeout(() => resolve(memory.get(key)), 20)),
    });
    const key = await memory.generate({ value: 'v' });
    await expect(new SessionManager(slow).ofKey(key)).resolves.toMatchObject({ status: 'ok' });
  });
});
