/**
 * Proves the `chromium` test project runs in a real Chromium, not in Node with a DOM shim: the
 * page reports Chromium's brand, has no Node `process`, and its IndexedDB is the browser's own
 * (fake-indexeddb is set up only in the `node` project).
 */
import { describe, expect, it } from 'vitest';

interface UserAgentData {
  brands: { brand: string; version: string }[];
}

describe('the chromium test project', () => {
  it('runs inside Chromium, not Node', () => {
    expect(navigator.userAgent).toMatch(/Chrome\/\d+/);
    // userAgentData exists only in Chromium-based browsers; Chromium itself is one of its brands.
    const data = (navigator as Navigator & { userAgentData?: UserAgentData }).userAgentData;
    expect(data?.brands.map((entry) => entry.brand)).toContain('Chromium');
    expect((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node).toBeUndefined();
  });

  it('uses the browser’s own IndexedDB', () => {
    expect(Object.prototype.toString.call(indexedDB)).toBe('[object IDBFactory]');
    // A built-in method prints as native code; fake-indexeddb's are plain JavaScript.
    expect(Function.prototype.toString.call(IDBFactory.prototype.open)).toContain('[native code]');
  });
});
