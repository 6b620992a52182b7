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
  // two replaces; 30 bytes are exactly 10 groups of 3, so there is no padding to handle. Built in
  // one `fromCharCode` call: appending pieces with `+=` leaves V8 a chain of ten cons-string
  // nodes per key, which tripled what the memory backend holds per session (bench/).
  // Stryker disable next-line ArrayDeclaration: the length only preallocates; every slot is written below.
  const codes = new Array<number>(40);
  for (let i = 0, j = 0; i < 30; i += 3, j += 4) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes[j] = BASE64URL.charCodeAt(n >>> 18);
    codes[j + 1] = BASE64URL.charCodeAt((n >>> 12) & 63);
    codes[j + 2] = BASE64URL.charCodeAt((n >>> 6) & 63);
    codes[j + 3] = BASE64URL.charCodeAt(n & 63);
  }
  return String.fromCharCode(...codes);
}
