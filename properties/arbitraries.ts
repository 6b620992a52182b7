/**
 * What the properties feed a backend: values, periods, client-supplied keys and clock moves, each
 * weighted towards the inputs where backends break (SPEC §8).
 */
import fc from 'fast-check';
import { MODEL_MAX_PERIOD } from '../models/backend-model.js';

/** 1 MiB in UTF-8: the least a backend must store (SPEC §3). */
export const ONE_MIB = 1 << 20;

/** Repeats `unit` so the result is `bytes` long in UTF-8 (`unit` is ASCII, 2-byte, 3-byte or 4-byte). */
export function valueOfUtf8Size(unit: string, bytes: number): string {
  const unitBytes = new TextEncoder().encode(unit).length;
  return unit.repeat(Math.ceil(bytes / unitBytes));
}

/** Non-ASCII samples that break byte-for-character stores: 2, 3 and 4-byte UTF-8, a ZWJ sequence, NUL. */
export const NON_ASCII_SAMPLES = ['é', 'ключ', '日本語', '😀', 'a😀b', '👨‍👩‍👧', '\u0000', 'tab\there', 'ﬀ\u{10FFFF}'];

/** A value that exercises a byte limit: 64 KiB + 1 (common item limits) or 1 MiB, in 1 to 4-byte units. */
export const largeValueArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('x', 'é', '日', '😀'), fc.constantFrom(65_537, ONE_MIB))
  .map(([unit, bytes]) => valueOfUtf8Size(unit, bytes));

/**
 * A session value: `""` often, short ASCII, non-ASCII (astral plane included) and, rarely, large
 * (so runs stay fast). Always well-formed Unicode, as SPEC §3 promises backends.
 */
export const valueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 60, arbitrary: fc.constant('') },
  { weight: 120, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 60, arbitrary: fc.constantFrom(...NON_ASCII_SAMPLES) },
  { weight: 40, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 20, arbitrary: fc.constantFrom('0', 'null', 'undefined', 'false', '{}', '"quoted"') },
  // About one value in 150: enough to meet a size limit in most default runs, rare enough to stay fast.
  { weight: 2, arbitrary: largeValueArb },
);

/** A value or none (`generate` without a value: `not_set`). */
export const optionalValueArb: fc.Arbitrary<string | undefined> = fc.option(valueArb, { nil: undefined, freq: 3 });

/** A valid period in seconds: 0 and the 400-day cap often, small ones mostly (so expiry is reached). */
export const periodArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(0, 1, MODEL_MAX_PERIOD) },
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 120 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: MODEL_MAX_PERIOD }) },
);

/** `expiry` given or omitted (omitted means `defaultPeriod()`). */
export const optionalPeriodArb: fc.Arbitrary<number | undefined> = fc.option(periodArb, { nil: undefined, freq: 4 });

/** A clock move in ms: the awkward ones (0, 1, 999, 1000, 1001) often, minutes and days sometimes. */
export const advanceArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 999, 1000, 1001) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 130_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 * 86_400_000 }) },
);

/**
 * Any Unicode scalar value (every code point but the surrogate halves), as one string unit. What
 * fast-check's `unit: 'binary'` gives, written here because building that unit costs about 1.4 s
 * of CPU on first use (it maps every Unicode range up front): paid by every process that imports
 * the suite, each `npx sess-conformance` included. This one costs nothing until it runs.
 */
export const scalarValueArb: fc.Arbitrary<string> = fc
  .integer({ min: 0, max: 0x10ffff - 0x800 })
  .map((n) => String.fromCodePoint(n < 0xd800 ? n : n + 0x800));

/** A base64url string shaped like a real key but never handed out by anyone. */
const keyLookalikeArb = fc
  .array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), { minLength: 22, maxLength: 43 })
  .map((chars) => chars.join(''));

/**
 * A key a client might send: empty, huge, binary-looking, unicode, names that trip object-as-map
 * stores, lookalikes of real keys, and anything at all.
 */
export const garbageKeyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'null', 'undefined') },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: scalarValueArb, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\u0000\u0001\u00ff\ufffd', 'ключ🔑', '../../etc/passwd', '*', 'a:b', 'sess:*') },
  { weight: 2, arbitrary: keyLookalikeArb },
  { weight: 1, arbitrary: fc.constantFrom('k'.repeat(513), 'K'.repeat(100_000)) },
);
