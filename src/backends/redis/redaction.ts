/**
 * What a Redis error message may say about session data: never a session key, a value or a
 * password (OWASP ASVS V3/V7: session tokens never in logs or errors). A key is named by a short
 * fingerprint, a reply by its shape.
 */
import { createHash } from 'node:crypto';

/**
 * `key#` and the first 12 hex digits of the SHA-256 of the key: enough to match two messages
 * about the same session (or a key an operator holds) and nothing to present as a cookie. A
 * generated key has 240 random bits, so 48 bits of its hash give no way back to it.
 */
export function keyFingerprint(key: string): string {
  return `key#${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12)}`;
}

/**
 * A reply described by its type and size, never its content (a reply can hold a session value):
 * `a string of 12 characters`, `the integer 1`, `an array of 3 (string, null, integer)`.
 */
export function replyShape(reply: unknown): string {
  if (reply === null) return 'null';
  if (typeof reply === 'string') return `a string of ${reply.length} characters`;
  // A number is a count or a flag, never session data.
  if (typeof reply === 'number') return `the number ${reply}`;
  if (Array.isArray(reply)) {
    const kinds = reply.slice(0, 5).map((item: unknown) => (item === null ? 'null' : Array.isArray(item) ? 'array' : typeof item));
    return `an array of ${reply.length}${kinds.length > 0 ? ` (${kinds.join(', ')}${reply.length > 5 ? ', ...' : ''})` : ''}`;
  }
  if (reply instanceof Uint8Array) return `${reply.length} bytes`;
  return `a value of type ${typeof reply}`;
}
