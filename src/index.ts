/**
 * sess: a session manager keyed by one cookie, over pluggable storage backends.
 */
export type { Backend, BackendContext, BackendFactory, ExpiryOptions, GenerateOptions, Lookup } from './backend.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export { parseCookieHeader } from './cookie/parse.js';
export { setCookieLine, type CookieOptions, type HeaderPair } from './cookie/set-cookie.js';
export { generateSessionKey, SESSION_KEY_PATTERN } from './keys.js';
export {
  SessionManager,
  TimeoutError,
  type CookieHeader,
  type HeaderLookup,
  type Session,
  type SessionLookup,
  type SessionManagerOptions,
} from './manager.js';
export { DEFAULT_MAX_SESSIONS, MemoryBackend, memoryBackendFactory, SessionLimitError, type MemoryBackendOptions } from './backends/memory.js';
export { checkPeriod, MAX_PERIOD } from './period.js';
