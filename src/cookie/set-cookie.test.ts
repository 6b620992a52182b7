import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { cookieHeadersMatchModel, invalidOptionsRejected, setCookieLineMatchesModel } from '../../properties/cookie.js';
import { MemoryBackend } from '../backends/memory.js';
import { SessionManager, type Session } from '../manager.js';
import { setCookieLine } from './set-cookie.js';

const KEY = 'k'.repeat(40);
const sessions = new SessionManager(new MemoryBackend());

describe('setCookieLine: SPEC §7 examples', () => {
  test('defaults: Path=/, Max-Age, HttpOnly, SameSite=Lax, in that order', () => {
    expect(setCookieLine('sid', KEY, 3600)).toBe(`sid=${KEY}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax`);
  });

  test('every attribute, in SPEC order', () => {
    expect(
      setCookieLine('__Secure-sid', KEY, 60, {
        path: '/app', domain: 'example.com', secure: true, httpOnly: true, sameSite: 'None', partitioned: true, priority: 'High',
      }),
    ).toBe(`__Secure-sid=${KEY}; Path=/app; Domain=example.com; Max-Age=60; Secure; HttpOnly; SameSite=None; Partitioned; Priority=High`);
  });

  test('discard omits Max-Age; httpOnly: false drops HttpOnly', () => {
    expect(setCookieLine('sid', KEY, 60, { discard: true, httpOnly: false, sameSite: 'Strict' })).toBe(`sid=${KEY}; Path=/; SameSite=Strict`);
  });

  test('expiryPeriod 0 is the deletion line, whatever discard says', () => {
    expect(setCookieLine('sid', KEY, 0, { discard: true })).toBe('sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax');
    expect(sessions.clearHeaders('sid', { discard: true })).toEqual([
      ['Set-Cookie', 'sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax'],
      ['Vary', 'Cookie'],
    ]);
  });

  test('a cleared session gets the deletion line, not its old key', async () => {
    const session = await sessions.generate('v', { expiry: 60 });
    await sessions.clear(session);
    expect(sessions.toCookieHeaders('sid', session, { discard: true })).toEqual([
      ['Set-Cookie', 'sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax'],
      ['Vary', 'Cookie'],
    ]);
  });

  test('an unmodified session gets only Vary', () => {
    const session: Session = { key: KEY, value: '', expiryPeriod: 60, modified: false };
    expect(sessions.toCookieHeaders('sid', session)).toEqual([['Vary', 'Cookie']]);
  });

  test('name plus value: 4096 bytes pass, 4097 do not', () => {
    expect(() => setCookieLine('n'.repeat(4096 - KEY.length), KEY, 60)).not.toThrow();
    expect(() => setCookieLine('n'.repeat(4097 - KEY.length), KEY, 60)).toThrow(/name plus value exceed 4096/);
  });

  test('prefixes are matched case-insensitively, as browsers do (RFC 6265bis §4.1.3)', () => {
    expect(() => setCookieLine('__host-sid', KEY, 60)).toThrow(TypeError);
    expect(() => setCookieLine('__SECURE-sid', KEY, 60)).toThrow(TypeError);
    expect(setCookieLine('__Host-sid', KEY, 60, { secure: true })).toBe(`__Host-sid=${KEY}; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax`);
  });

  test('header injection through any input is refused', () => {
    const injection = 'x\r\nSet-Cookie: admin=1';
    expect(() => setCookieLine(injection, KEY, 60)).toThrow(/name/);
    expect(() => setCookieLine('sid', injection, 60)).toThrow(/value/);
    expect(() => setCookieLine('sid', KEY, 60, { path: `/${injection}` })).toThrow(/path/);
    expect(() => setCookieLine('sid', KEY, 60, { domain: `example.com${injection}` })).toThrow(/domain/);
  });

  test('errors about the value never show it: it is the session key (length and index only)', () => {
    const secretKey = 'SECRETKEY0123456789abcdefghij;xyz';
    const messageOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return String((error as Error).message) + String((error as Error).stack);
      }
      throw new Error('expected a throw');
    };
    const bad = messageOf(() => setCookieLine('sid', secretKey, 60));
    expect(bad).toContain(`${secretKey.length} characters, not shown) has a character a cookie cannot carry at index 29`);
    const long = 'K'.repeat(4000) + 'SECRETTAIL';
    const tooBig = messageOf(() => setCookieLine('n'.repeat(100), long, 60));
    expect(tooBig).toContain('(100 + 4010; the value, the session key, is not shown)');
    for (const message of [bad, tooBig]) {
      expect(message).not.toContain('SECRET');
      expect(message).not.toContain('KKKK');
    }
    expect(() => setCookieLine('sid', 42 as unknown as string, 60)).toThrow(/must be a string, got number/);
  });

  test('a name, domain or path that is not a string, and an empty domain, are TypeErrors naming them', () => {
    expect(() => setCookieLine(42 as unknown as string, KEY, 60)).toThrow(new TypeError('cookie name must be an RFC 6265 token, got 42'));
    expect(() => setCookieLine('sid', KEY, 60, { domain: 42 as unknown as string })).toThrow(
      new TypeError('domain must be a string of printable ASCII without control characters or ";", got 42'),
    );
    expect(() => setCookieLine('sid', KEY, 60, { path: 7 as unknown as string })).toThrow(
      new TypeError('path must be a string of printable ASCII without control characters or ";", got 7'),
    );
    expect(() => setCookieLine('sid', KEY, 60, { domain: '' })).toThrow(
      new TypeError('domain must not be empty (omit it for a host-only cookie)'),
    );
  });

  test('non-ASCII path or domain is refused (RFC 6265 CHAR is US-ASCII)', () => {
    expect(() => setCookieLine('sid', KEY, 60, { path: '/café' })).toThrow(/path/);
    expect(() => setCookieLine('sid', KEY, 60, { domain: 'bücher.example' })).toThrow(/domain/);
    expect(setCookieLine('sid', KEY, 60, { domain: 'xn--bcher-kva.example' })).toContain('Domain=xn--bcher-kva.example');
  });

  test('an invalid expiryPeriod is a RangeError naming it (SPEC §1)', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 34_560_001]) {
      expect(() => setCookieLine('sid', KEY, bad)).toThrow(RangeError);
      expect(() => setCookieLine('sid', KEY, bad)).toThrow(/expiryPeriod/);
    }
  });
});

describe('Set-Cookie: properties', () => {
  test('setCookieLine writes exactly the SPEC §7 line for random valid options', () => {
    fc.assert(setCookieLineMatchesModel(), { numRuns: 1000 });
  });

  test('toCookieHeaders and clearHeaders write exactly the SPEC §7 headers for random valid options', () => {
    fc.assert(cookieHeadersMatchModel(), { numRuns: 1000 });
  });

  test('every invalid option is a TypeError naming it and produces no header', () => {
    fc.assert(invalidOptionsRejected(), { numRuns: 2000 });
  });
});
