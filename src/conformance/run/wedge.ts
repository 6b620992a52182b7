/**
 * Whether a backend is wedged: after a call that never settled, one `get` on a fresh backend
 * that does not settle either means every property left would only wait out its timeouts, so the
 * run stops there with the report so far (issue 12: never hang on a bad backend).
 */
import type { BackendFactory } from '../../backend.js';
import { ManualClock } from '../../clock.js';
import { CallGuard, CallTimeoutError, DEFAULT_CALL_TIMEOUT_MS } from '../../../properties/call-guard.js';
import { freshNamespace } from '../../../properties/fresh-backend.js';

/** True when a fresh backend's `get` neither resolves nor rejects within the call timeout. */
export async function isWedged(factory: BackendFactory, callTimeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<boolean> {
  const guard = new CallGuard(callTimeoutMs);
  guard.start();
  try {
    const backend = await guard.guardFactory(factory)({ clock: new ManualClock(0), namespace: freshNamespace() });
    await backend.get('sess-conformance-wedge-probe');
    void backend.close?.().catch(() => undefined);
    return false;
  } catch (error) {
    return error instanceof CallTimeoutError;
  } finally {
    guard.stop();
  }
}
