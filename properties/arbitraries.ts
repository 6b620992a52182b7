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
 * Values that serializers and databases "helpfully" change (SPEC §3: stored and returned exactly):
 * text that parses as a JSON scalar or document (and would come back re-printed), numbers with
 * leading zeros, exponents, `-0` or more digits than a double holds, surrounding spaces, NUL, CR/LF,
 * a BOM, and one text in its NFC, NFD and NFKC forms (a normalising layer makes them one).
 */
export const MANGLED_VALUES: readonly string[] = [
  '0', '007', '1e3', '1E+3', '-0', '0.10', '1.0', '9007199254740993', '1e400', 'NaN', 'Infinity',
  'true', 'false', 'null', '"x"', '""', '{"a":1}', '{ "a" : 1 }', '[1, 2]', '[]', ' {"a":1} ',
  ' padded ', '\ttabbed\t', '\u0000', 'a\u0000b', '\r\n', 'line\nline', 'cr\r', '\ufeffbom',
  'e\u0301', '\u00e9', 'A\u030a', '\u212b', '\u2126', '\ufb01', '\u1100\u1161', '\uff21', 'x\u200by',
  'o\u0308', 'cafe\u0301', '\u1e9b\u0323', 'n\u0303o',
];

/** A value serializers mangle, or two of them joined (so one may sit inside a larger text). */
export const mangledValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...MANGLED_VALUES) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...MANGLED_VALUES), fc.constantFrom(...MANGLED_VALUES)).map(([a, b]) => a + b) },
);

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
  { weight: 20, arbitrary: mangledValueArb },
  // About one value in 150: enough to meet a size limit in most default runs, rare enough to stay fast.
  { weight: 2, arbitrary: largeValueArb },
);

/** A value or none (`generate` without a value: `not_set`). */
export const optionalValueArb: fc.Arbitrary<string | undefined> = fc.option(valueArb, { nil: undefined, freq: 3 });

/**
 * Lifetimes where stores go wrong (SPEC §1 allows 0 to 34,560,000 s): 0 (memorystore never expires
 * it, session-file-store gives it an hour, connect-session-knex a day: `expiry || default`), 1,
 * the cap and one below, the usual defaults, and where a naive implementation overflows or rounds:
 * milliseconds past 2^31 (`setTimeout` fires at once), 2^32, and minute, hour and day edges.
 */
export const EDGE_PERIODS: readonly number[] = [
  0, 1, 2, 59, 60, 61, 3599, 3600, 86_399, 86_400, 604_800, 1_209_600, 2_592_000, 31_536_000,
  2_147_483, 2_147_484, 4_294_967, 4_294_968, MODEL_MAX_PERIOD - 1, MODEL_MAX_PERIOD,
];

/**
 * A valid period in seconds, each kind a deliberate share of the draws: 0 (one in eight), 1 and the
 * cap, the other edges of {@link EDGE_PERIODS}, small ones mostly (so expiry is reached), any.
 */
export const periodArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(1, MODEL_MAX_PERIOD) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_PERIODS) },
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 120 }) },
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
