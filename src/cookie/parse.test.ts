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

/**
 * The characters `run` makes the string built-ins look at: each `charCodeAt` is one, an `indexOf`
 * or `includes` counts every character it scans (to the match, or to the end), a `startsWith`
 * the length it compares. Counted by wrapping those methods of `String.prototype` for the one
 * synchronous call, so the measure is the same on any machine and under any load: no clock.
 */
function charactersExamined(run: () => unknown): number {
  const proto = String.prototype;
  const original = { indexOf: proto.indexOf, includes: proto.includes, charCodeAt: proto.charCodeAt, startsWith: proto.startsWith };
  let work = 0;
  const scanned = (text: string, at: number, from: number, search: string) =>
    1 + (at === -1 ? text.length : at + search.length) - Math.min(Math.max(from, 0), text.length);
  proto.indexOf = function (this: string, search: string, from = 0) {
    const at = original.indexOf.call(this, search, from);
    work += scanned(this, at, from, search);
    return at;
  };
  proto.includes = function (this: string, search: string, from = 0) {
    const at = original.indexOf.call(this, search, from);
    work += scanned(this, at, from, search);
    return at !== -1;
  };
  proto.charCodeAt = function (this: string, index: number) {
    work++;
    return original.charCodeAt.call(this, index);
  };
  proto.startsWith = function (this: string, search: string, position?: number) {
    work += 1 + search.length;
    return original.startsWith.call(this, search, position);
  };
  try {
    run();
  } finally {
    Object.assign(proto, original);
  }
  return work;
}

describe('parseCookieHeader: linear time, judged by the work counted on each input', () => {
  // Characters looked at per character of input, on 4 KiB of each adversarial shape: a small
  // constant when linear (at most 4 here: the walk looks at each character a bounded number of
  // times), about the input's length over a few when quadratic (about 1,000 here). No timing: the
  // count is exact. Small inputs are enough to tell the two apart, and keep a quadratic mutant
  // quick to catch (this block runs before the 1 MiB ones for that reason).
  const SIZE = 1 << 12;
  const PER_CHARACTER = 16;
  const inputs = adversarialCookieHeaders(SIZE);

  test('the counter sees the work of the built-ins it wraps, and restores them', () => {
    const text = 'a'.repeat(100) + '=';
    // One for the call, plus each character up to and including the match (or to the end).
    expect(charactersExamined(() => text.indexOf('='))).toBe(102);
    expect(charactersExamined(() => text.indexOf('=', 90))).toBe(12);
    expect(charactersExamined(() => text.indexOf(';'))).toBe(102);
    expect(charactersExamined(() => text.charCodeAt(3) + text.charCodeAt(4))).toBe(2);
    expect(charactersExamined(() => text.startsWith('aaa', 5))).toBe(4);
    expect(String.prototype.indexOf.call(text, '=')).toBe(100);
    expect(charactersExamined(() => 0)).toBe(0);
  });

  test.each(inputs)('parseCookieHeader on $name', ({ header }) => {
    expect(charactersExamined(() => parseCookieHeader(header)) / header.length).toBeLessThan(PER_CHARACTER);
  });

  test.each(inputs)('cookieValues on $name', ({ header }) => {
    for (const name of ['a', 'a ', 'sid']) {
      expect(charactersExamined(() => cookieValues(header, name, 3)) / header.length, name).toBeLessThan(PER_CHARACTER);
    }
  });

  test('catches a parser that rescans for "=" from every piece (fixtures/broken-parts/quadratic-cookie-parser.ts)', () => {
    // Right answers, wrong growth.
    const header = adversarialCookieHeaders(SIZE).find(({ name }) => name === '"a;a;a;...;="')!.header;
    expect(quadraticParseCookieHeader(header)).toEqual(specParseCookieHeader(header));
    expect(charactersExamined(() => quadraticParseCookieHeader(header)) / header.length).toBeGreaterThan(10 * PER_CHARACTER);
  });
});

describe('cookieValues: names parsing can never produce, and quotes at the edge', () => {
  test('a name with a leading or trailing blank, a ";" or an "=" matches no cookie (parsing trims names and splits on both)', () => {
    expect(cookieValues('x; a=1', ' a', 3)).toEqual([]);
    expect(cookieValues('a =1', 'a ', 3)).toEqual([]);
    expect(cookieValues('x; a;b=1', 'a;b', 3)).toEqual([]);
    expect(cookieValues('a=b=1', 'a=b', 3)).toEqual([]);
    // What comes before the name is not the name: "; " then "ab" is not a cookie named "; ".
    expect(cookieValues('x; ab=1', '; ', 3)).toEqual([]);
    // The empty name is the name of a piece without "=".
    expect(cookieValues('x; =2; a=1', '', 3)).toEqual(['x', '2']);
  });

  test('a name that is not a string matches nothing and does not throw', () => {
    expect(cookieValues('42=1', 42 as unknown as string, 3)).toEqual([]);
  });

  test('one quote is a value; two quotes are the empty value', () => {
    expect(cookieValues('sid="', 'sid', 3)).toEqual(['"']);
    expect(cookieValues('sid=""', 'sid', 3)).toEqual(['']);
    expect(cookieValues('sid= "x" ', 'sid', 3)).toEqual(['x']);
    expect(parseCookieHeader('sid="; b=""')).toEqual([['sid', '"'], ['b', '']]);
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

/**
 * 1 MiB each; 64 KiB under `npm run mutation` (vitest.stryker.config.ts sets SESS_MUTATION), where
 * Stryker's instrumentation makes the 1 MiB inputs take about 80 s per mutant. The shapes repeat
 * every few characters, so a mistake that shows on 1 MiB shows on 64 KiB.
 */
const ADVERSARIAL_SIZE = process.env.SESS_MUTATION === '1' ? 1 << 16 : 1 << 20;

describe('parseCookieHeader: adversarial 1 MiB inputs give the pairs of SPEC §6', () => {
  // Correctness only: linear time is judged below, by how the work grows, not by a timeout.
  test.each(adversarialCookieHeaders(ADVERSARIAL_SIZE))('$name', ({ header }) => {
    expect(header.length).toBe(ADVERSARIAL_SIZE);
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
  test.each(adversarialCookieHeaders(ADVERSARIAL_SIZE))('cookieValues on $name', ({ header }) => {
    for (const name of ['a', 'a ', 'sid']) {
      const expected = specParseCookieHeader(header).filter(([n]) => n === name).slice(0, 3).map(([, v]) => v);
      expect(cookieValues(header, name, 3)).toEqual(expected);
    }
  });
});
