/**
 * The cookie layer's properties (SPEC §6 parsing, SPEC §7 `Set-Cookie` output) in Chromium: the
 * very functions the Node tests run, from `properties/cookie.ts`, here on the browser's own string
 * and regular-expression engine.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCookieHeader } from '../src/cookie/parse.js';
import { adversarialCookieHeaders, cookieProperties, specParseCookieHeader } from './cookie.js';

/** Runs per property: fast-check's usual 100 is plenty for a second engine after Node's thousands. */
const RUNS = 300;

describe('cookie properties in Chromium', () => {
  it('has properties to check', () => {
    expect(Object.keys(cookieProperties)).toContain('parse matches SPEC §6');
  });

  for (const [name, property] of Object.entries(cookieProperties)) {
    it(name, () => {
      fc.assert(property(), { numRuns: RUNS });
    });
  }

  // SPEC §6 linear time: a quadratic parser would blow the test timeout on these 1 MiB inputs.
  it.each(adversarialCookieHeaders())('parses the adversarial header $name as SPEC §6 says', ({ header }) => {
    expect(parseCookieHeader(header)).toEqual(specParseCookieHeader(header));
  });
});
