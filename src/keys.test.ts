import { describe, expect, it } from 'vitest';
import { generateSessionKey, SESSION_KEY_PATTERN } from './keys.js';

describe('generateSessionKey (SPEC §2)', () => {
  it('is 40 base64url characters without padding', () => {
    for (let i = 0; i < 1_000; i++) {
      const key = generateSessionKey();
      expect(key).toMatch(/^[A-Za-z0-9_-]{40}$/);
      expect(key).toMatch(SESSION_KEY_PATTERN);
    }
  });

  it('never repeats over 100,000 keys', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(generateSessionKey());
    expect(seen.size).toBe(100_000);
  });

  it('uses the whole alphabet evenly (every character appears, none dominates)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) for (const c of generateSessionKey()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(64);
    // 80,000 characters over 64 symbols: 1,250 expected each; a broken mapping would skew far more.
    for (const n of counts.values()) expect(n).toBeGreaterThan(1_000);
  });

  it('encodes its 30 random bytes as base64url, each byte in its place', () => {
    const original = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
    const pattern = Uint8Array.from({ length: 30 }, (_, i) => (i * 37 + 11) & 255);
    globalThis.crypto.getRandomValues = ((array: Uint8Array) => {
      array.set(pattern);
      return array;
    }) as typeof globalThis.crypto.getRandomValues;
    try {
      expect(generateSessionKey()).toBe(Buffer.from(pattern).toString('base64url'));
    } finally {
      globalThis.crypto.getRandomValues = original;
    }
  });

  it('takes its randomness from crypto.getRandomValues', () => {
    const original = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
    let calls = 0;
    globalThis.crypto.getRandomValues = ((array: Uint8Array) => {
      calls++;
      return array.fill(0);
    }) as typeof globalThis.crypto.getRandomValues;
    try {
      expect(generateSessionKey()).toBe('A'.repeat(40));
      expect(calls).toBe(1);
    } finally {
      globalThis.crypto.getRandomValues = original;
    }
  });

  it('SESSION_KEY_PATTERN is the whole key: 22 or more base64url characters, nothing before or after', () => {
    const key = 'A'.repeat(22);
    expect([key, `${key}-_09az`].map((k) => SESSION_KEY_PATTERN.test(k))).toEqual([true, true]);
    expect(['A'.repeat(21), `!${key}`, `${key}!`, `${key}=`, `${key}\n`].map((k) => SESSION_KEY_PATTERN.test(k))).toEqual([false, false, false, false, false]);
  });
});
