import * as fc from 'fast-check';
import { afterEach, beforeEach, describe, test, vi } from 'vitest';
import { jarAgreesWithModel, prefixesAcceptedExactlyWhenValid } from './cookie-jar.js';

describe('our Set-Cookie lines in tough-cookie (prefixSecurity strict)', () => {
  // tough-cookie reads Date.now() and new Date() itself: only Date is faked, timers stay real.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('what the jar sends back matches the model: key while live, gone after Max-Age or deletion, Path/Domain scope', async () => {
    await fc.assert(jarAgreesWithModel({ set: (ms) => vi.setSystemTime(ms) }), { numRuns: 500 });
  });

  test('__Host- and __Secure- cookies are accepted by the jar exactly when our validation lets them through', async () => {
    await fc.assert(prefixesAcceptedExactlyWhenValid(), { numRuns: 200 });
  });
});
