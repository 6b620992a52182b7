/**
 * Session keys (SPEC §2): base64url without padding, from a CSPRNG.
 */

/** What a generated key may contain: base64url's alphabet, no padding. */
export const SESSION_KEY_PATTERN = /^[A-Za-z0-9_-]{22,}$/;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A fresh session key: 30 random bytes from `crypto.getRandomValues` (240 bits), as 40 base64url
 * characters, the length of the original's keys. For backend authors.
 */
export function generateSessionKey(): string {
  const bytes = new Uint8Array(30);
  globalThis.crypto.getRandomValues(bytes);
  // Hand-written rather than btoa/Buffer: Buffer is Node-only, and btoa needs a binary string plus
  // two replaces; 30 bytes are exactly 10 groups of 3, so there is no padding to handle.
  let key = '';
  for (let i = 0; i < 30; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    key += BASE64URL[n >>> 18]! + BASE64URL[(n >>> 12) & 63]! + BASE64URL[(n >>> 6) & 63]! + BASE64URL[n & 63]!;
  }
  return key;
}
