import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { cookieHeaderCases } from '../../fixtures/cookies/headers.js';
import {
  adversarialCookieHeaders,
  cookieValuesMatchParse,
  parseAgreesWithCookiePackage,
  parseMatchesSpec,
  parseNeverThrows,
  parseRoundTrips,
  specParseCookieHeader,
  workGrowth,
} from '../../properties/cookie.js';
import { quadraticParseCookieHeader } from '../../fixtures/broken-parts/quadratic-cookie-parser.js';
import { cookieValues, parseCookieHeader } from './parse.js';

describe('parseCookieHeader: SPEC §6 case by case', () => {
  test.each(cookieHeaderCases)('$rule: $header', ({ header, pairs }) => {
    expect(parseCookieHeader(header)).toEqual(pairs);
    // The oracle the properties use must agree with the hand-written cases too.
    expect(specParseCookieHeader(header)).toEqual(pairs);
  });

  test('anything that is not a string gives no pairs', () => {
    for (const notAString of [undefined, null, 42, {}, ['a=1']]) {
      expect(parseCookieHeader(notAString as unknown as string)).toEqual([]);
    }
  });
});

describe('parseCookieHeader: properties', () => {
  test('never throws on any string (binary, full Unicode, cookie-ish)', () => {
    fc.assert(parseNeverThrows(), { numRuns: 2000 });
  });

  test('matches SPEC §6 read literally, on any string', () => {
    fc.assert(parseMatchesSpec(), { numRuns: 2000 });
  });

  test('gives back the pairs a well-formed header was made of (order, duplicates, case)', () => {
    fc.assert(parseRoundTrips(), { numRuns: 1000 });
  });

  test('cookieValues, the scan the manager uses for its cookie, gives what parse gives for that name', () => {
    fc.assert(cookieValuesMatchParse(), { numRuns: 2000 });
  });

  test('agrees with the cookie package on the first pair of each name of a well-formed header', () => {
    fc.assert(parseAgreesWithCookiePackage(), { numRuns: 1000 });
  });
});

describe('parseCookieHeader: adversarial 1 MiB inputs give the pairs of SPEC §6', () => {
  // Correctness only: linear time is judged below, by how the work grows, not by a timeout.
  test.each(adversarialCookieHeaders())('$name', ({ header }) => {
    expect(header.length).toBe(1 << 20);
    const actual = parseCookieHeader(header);
    const expected = specParseCookieHeader(header);
    expect(actual.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      if (actual[i]![0] !== expected[i]![0] || actual[i]![1] !== expected[i]![1]) {
        expect.fail(`pair ${i}: ${JSON.stringify(actual[i]).slice(0, 80)} instead of ${JSON.stringify(expected[i]).slice(0, 80)}`);
      }
    }
  });

  // The manager's scan for its own cookie jumps between occurrences of the name: the same inputs,
  // with the name the input is made of, must not make it quadratic either.
  test.each(adversarialCookieHeaders())('cookieValues on $name', ({ header }) => {
    for (const name of ['a', 'a ', 'sid']) {
      const expected = specParseCookieHeader(header).filter(([n]) => n === name).slice(0, 3).map(([, v]) => v);
      expect(cookieValues(header, name, 3)).toEqual(expected);
    }
  });
});

describe('parseCookieHeader: linear time, judged by how the work grows with the input', () => {
  // One parse of a 64 KiB input against 32 parses of the 2 KiB one, in the same run: about 1 when
  // linear, about 32 when quadratic. The bound sits between, far from both; a ratio is a property
  // of the code, not of how fast or loaded the machine is.
  const BOUND = 8;
  const names = adversarialCookieHeaders(64).map(({ name }) => name);

  test.each(names)('parseCookieHeader on %s', (name) => {
    expect(workGrowth(parseCookieHeader, name)).toBeLessThan(BOUND);
  });

  test.each(names)('cookieValues on %s', (name) => {
    expect(workGrowth((header) => cookieValues(header, 'a', 3), name)).toBeLessThan(BOUND);
  });

  test('catches a parser that rescans for "=" from every piece (fixtures/broken-parts/quadratic-cookie-parser.ts)', () => {
    // Right answers, wrong growth. Smaller sizes (8 KiB against 32 times 256 characters) only
    // because its large side would take seconds at 64 KiB; the growth shows just as well.
    const header = adversarialCookieHeaders(2048).find(({ name }) => name === '"a;a;a;...;="')!.header;
    expect(quadraticParseCookieHeader(header)).toEqual(specParseCookieHeader(header));
    expect(workGrowth(quadraticParseCookieHeader, '"a;a;a;...;="', { small: 256, trials: 2 })).toBeGreaterThan(BOUND);
  });
});
