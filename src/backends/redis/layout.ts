/**
 * Where a session lives in Redis: the key layout and the fields of a record.
 *
 * One session is one Redis hash at `<keyPrefix><namespace>:<sessionKey>`:
 *
 * | field | holds |
 * | --- | --- |
 * | `expiresAt` | the logical expiry instant, ms since the epoch by the backend's clock, as the decimal text JavaScript prints (SPEC §1, §4) |
 * | `value` | the session value, byte for byte as UTF-8; **absent** when the session was generated without one (so `""` stays a value, SPEC §3) |
 *
 * The namespace is percent-encoded (`encodeURIComponent`), so it never contains `:` and the first
 * `:` after the prefix ends it: namespace `a` cannot see namespace `a:b` (SPEC §4, namespaces).
 */

/** Default first part of every key: apart from connect-redis's default `sess:`, so that its `clear()` never sweeps ours. */
export const DEFAULT_KEY_PREFIX = 'sess-ts:';

/** Hash field holding the logical expiry instant. */
export const EXPIRES_AT_FIELD = 'expiresAt';

/** Hash field holding the value; absent for a session without one. */
export const VALUE_FIELD = 'value';

/** The prefix shared by all records of one namespace. */
export function namespacePrefix(keyPrefix: string, namespace: string): string {
  if (!namespace.isWellFormed()) {
    throw new TypeError(`RedisBackend: namespace must be a well-formed string, got ${JSON.stringify(namespace)}`);
  }
  return `${keyPrefix}${encodeURIComponent(namespace)}:`;
}

/**
 * A `SCAN ... MATCH` pattern for exactly the keys that start with `prefix`: the glob
 * metacharacters of Redis's `stringmatchlen` (`* ? [ ] \`) are escaped with `\`.
 */
export function scanPatternFor(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
}
