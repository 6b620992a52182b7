import { describe, expect, it } from 'vitest';
import * as backend from './backend-model.js';
import * as model from './manager-model.js';

const KEY = 'K'.repeat(40);
const OTHER = 'O'.repeat(40);

describe('manager model: Set-Cookie lines (SPEC §7 table)', () => {
  const session = { key: KEY, value: 'v', expiryPeriod: 60, modified: true };

  it('writes the defaults in the table order', () => {
    expect(model.expectedSetCookieLine('sid', KEY, 60)).toBe(`sid=${KEY}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax`);
  });

  it('writes every attribute in order', () => {
    expect(
      model.expectedSetCookieLine('__Host-sid', KEY, 60, {
        path: '/',
        secure: true,
        httpOnly: false,
        sameSite: 'None',
        partitioned: true,
        priority: 'High',
      }),
    ).toBe(`__Host-sid=${KEY}; Path=/; Max-Age=60; Secure; SameSite=None; Partitioned; Priority=High`);
    expect(model.expectedSetCookieLine('sid', KEY, 60, { domain: 'example.com', discard: true })).toBe(
      `sid=${KEY}; Path=/; Domain=example.com; HttpOnly; SameSite=Lax`,
    );
  });

  it('writes the deletion line for a period of 0, whatever discard says', () => {
    expect(model.expectedSetCookieLine('sid', KEY, 0, { discard: true })).toBe('sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax');
    expect(model.expectedClearHeaders('sid')).toEqual([
      ['Set-Cookie', 'sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax'],
      ['Vary', 'Cookie'],
    ]);
  });

  it('sends only Vary for an unmodified session', () => {
    expect(model.expectedCookieHeaders('sid', { ...session, modified: false })).toEqual([['Vary', 'Cookie']]);
    expect(model.expectedCookieHeaders('sid', session)).toEqual([
      ['Set-Cookie', `sid=${KEY}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax`],
      ['Vary', 'Cookie'],
    ]);
  });
});

describe('manager model: clearHeaders (SPEC §7)', () => {
  it('is the deletion line with an empty value, and Vary', () => {
    expect(model.expectedClearHeaders('sid')).toEqual([
      ['Set-Cookie', 'sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax'],
      ['Vary', 'Cookie'],
    ]);
  });
});

describe('manager model: ofHeader (SPEC §5)', () => {
  const state = backend.generate(backend.generate(backend.initialBackendModel(0, 3600), KEY, { value: 'v' }).state, OTHER, {}).state;

  it('is no_cookie without a cookie of that name', () => {
    expect(model.ofHeader(state, 'sid', [])).toEqual({ status: 'no_cookie' });
    expect(model.ofHeader(state, 'sid', [[['SID', KEY]]])).toEqual({ status: 'no_cookie' });
  });

  it('takes the first ok among the first three candidates, across fields', () => {
    const found = { status: 'ok', session: { key: KEY, value: 'v', expiryPeriod: 3600, modified: false } };
    expect(model.ofHeader(state, 'sid', [[['sid', 'x']], [['sid', KEY]]])).toEqual(found);
    expect(model.ofHeader(state, 'sid', [[['sid', 'x'], ['sid', 'y'], ['sid', 'z'], ['sid', KEY]]])).toEqual({ status: 'not_found' });
  });

  it("returns the first candidate's status when none is ok", () => {
    expect(model.ofHeader(state, 'sid', [[['sid', OTHER], ['sid', 'x']]])).toEqual({ status: 'not_set' });
    expect(model.ofHeader(state, 'sid', [[['sid', ''], ['sid', OTHER]]])).toEqual({ status: 'not_found' });
  });

  it('does not ask for empty values or values over 512 characters', () => {
    const long = backend.generate(state, 'L'.repeat(513), { value: 'v' }).state;
    expect(model.ofHeader(long, 'sid', [[['sid', 'L'.repeat(513)]]])).toEqual({ status: 'not_found' });
    // Not even when the backend (wrongly) holds a session under them.
    const empty = backend.generate(state, '', { value: 'v' }).state;
    expect(model.ofHeader(empty, 'sid', [[['sid', '']]])).toEqual({ status: 'not_found' });
  });

  it('asks for a value of exactly 512 characters', () => {
    const longest = backend.generate(state, 'L'.repeat(512), { value: 'v', expiry: 60 }).state;
    expect(model.ofHeader(longest, 'sid', [[['sid', 'L'.repeat(512)]]])).toMatchObject({ status: 'ok', session: { key: 'L'.repeat(512), value: 'v' } });
  });
});

describe('manager model: set, regenerate, clear (SPEC §5)', () => {
  const generated = model.generateSession(backend.initialBackendModel(0, 3600), KEY, 'v');

  it('set without a value is a touch; on a dead session nothing changes', () => {
    const touched = model.setSession(generated.state, generated.result, { expiry: 5 });
    expect(touched.result).toEqual({ outcome: 'ok', session: { key: KEY, value: 'v', expiryPeriod: 5, modified: true } });
    const cleared = model.clearSession(generated.state, generated.result);
    expect(cleared.result).toEqual({ key: KEY, value: '', expiryPeriod: 0, modified: true });
    const after = model.setSession(cleared.state, cleared.result, { value: 'w' });
    expect(after.result.outcome).toBe('not_found');
    expect(after.result.session).toBe(cleared.result);
  });

  it('regenerate moves the value to a new key and clears the old one', () => {
    const moved = model.regenerateSession(generated.state, generated.result, OTHER, {});
    expect(moved.result).toEqual({ key: OTHER, value: 'v', expiryPeriod: 3600, modified: true });
    expect(backend.get(moved.state, KEY).result).toEqual({ status: 'not_found' });
  });
});
