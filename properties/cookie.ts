/**
 * Properties of the cookie layer (SPEC §6 parsing, SPEC §7 `Set-Cookie` output), written once as
 * plain fast-check properties so that the Node tests (`src/cookie/*.test.ts`) and the Chromium
 * browser test run the very same code. No `node:*` import here: this file is bundled for browsers.
 *
 * Each property throws an `Error` saying expected vs actual on the first disagreement, so a
 * shrunk counterexample reads as the rule it breaks.
 */
import { parse as cookiePackageParse } from 'cookie';
import * as fc from 'fast-check';
import { MemoryBackend } from '../src/backends/memory.js';
import { cookieValues, parseCookieHeader } from '../src/cookie/parse.js';
import { setCookieLine, type CookieOptions } from '../src/cookie/set-cookie.js';
import { SessionManager, type Session } from '../src/manager.js';
import { MAX_PERIOD } from '../src/period.js';
import { sameStructure } from '../models/linearizability.js';
import { scalarValueArb } from './arbitraries.js';

// ---------------------------------------------------------------------------------------------
// Oracles: the SPEC written as the most obvious code, slow and plain on purpose.
// ---------------------------------------------------------------------------------------------

/** SP and HTAB only (SPEC §6), not every space `String#trim` knows. */
function trimSpTab(s: string): string {
  // Not `/[ \t]+$/`: a regex anchored at the end retries from every space and is quadratic.
  let from = 0;
  let to = s.length;
  while (from < to && (s[from] === ' ' || s[from] === '\t')) from++;
  while (to > from && (s[to - 1] === ' ' || s[to - 1] === '\t')) to--;
  return s.slice(from, to);
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/**
 * SPEC §6 read literally, with `split` and regular expressions: the oracle the hand-written
 * `indexOf` parser is compared with on every input.
 */
export function specParseCookieHeader(header: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const raw of header.split(';')) {
    const piece = trimSpTab(raw);
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    // "A piece without `=` is a cookie with empty name and the piece as value", and "one pair of
    // surrounding `"` is removed from a value": any value, that one included.
    if (eq === -1) pairs.push(['', unquote(piece)]);
    else pairs.push([trimSpTab(piece.slice(0, eq)), unquote(trimSpTab(piece.slice(eq + 1)))]);
  }
  return pairs;
}

/** SPEC §7 `line`, built from the options with no validation at all (the caller keeps them valid). */
export function modelSetCookieLine(name: string, key: string, expiryPeriod: number, options: CookieOptions = {}): string {
  const deleting = expiryPeriod === 0;
  const parts = [`${name}=${deleting ? '' : key}`, `Path=${options.path ?? '/'}`];
  if (options.domain !== undefined) parts.push(`Domain=${options.domain}`);
  if (deleting || !options.discard) parts.push(`Max-Age=${expiryPeriod}`);
  if (options.secure) parts.push('Secure');
  if (options.httpOnly ?? true) parts.push('HttpOnly');
  parts.push(`SameSite=${options.sameSite ?? 'Lax'}`);
  if (options.partitioned) parts.push('Partitioned');
  if (options.priority !== undefined) parts.push(`Priority=${options.priority}`);
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/*
 * token = 1*tchar                                                  ; RFC 9110 §5.6.2
 * tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
 *       / DIGIT / ALPHA
 */
const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const token = (maxLength = 12): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength });

/* cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E      ; RFC 6265 §4.1.1 */
const COOKIE_OCTETS = [...range(0x21, 0x7e)].filter((c) => c !== 0x22 && c !== 0x2c && c !== 0x3b && c !== 0x5c);
const cookieOctets = fc.string({ unit: fc.constantFrom(...COOKIE_OCTETS.map((c) => String.fromCharCode(c))), maxLength: 16 });

/* path-value = *av-octet ; av-octet = %x20-3A / %x3C-7E            ; RFC 6265bis §4.1.1 */
const AV_OCTETS = [...range(0x20, 0x7e)].filter((c) => c !== 0x3b).map((c) => String.fromCharCode(c));
const avString = (maxLength = 12) => fc.string({ unit: fc.constantFrom(...AV_OCTETS), maxLength });

/** Characters that can never be in a token: CTLs, separators, space, DEL, non-ASCII. */
const NON_TCHAR = fc.oneof(
  fc.integer({ min: 0x00, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\x7f', ';', '=', ' ', ',', '"', '(', ')', '/', ':', '<', '>', '?', '@', '[', '\\', ']', '{', '}'),
  fc.constantFrom('é', 'ß', '€', '\u00a0', '\u2028', '😀', '\uFEFF'),
);
/** Outside RFC 6265's CHAR (US-ASCII): Node cannot even send some of these in a header. */
const NON_ASCII = fc.constantFrom('é', 'ü', '€', '\u00a0', '😀', '\u2028');
/** What a path or domain may never hold (SPEC §7): a control character (CR, LF included) or `;`. */
const CTL_OR_SEMICOLON = fc.oneof(
  fc.integer({ min: 0x00, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\x7f', ';', '\r\n', '\r\nSet-Cookie: admin=1'),
);

function* range(from: number, to: number): Generator<number> {
  for (let c = from; c <= to; c++) yield c;
}

/** A session key as backends make them (SPEC §2). */
export const sessionKeyArbitrary: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9_-]{22,64}$/);

const expiryPeriodArbitrary = fc.oneof(
  fc.constant(0),
  fc.constantFrom(1, 3600, MAX_PERIOD),
  fc.integer({ min: 0, max: MAX_PERIOD }),
);

/** A cookie name: a plain token, or one with a `__Secure-` / `__Host-` prefix in any letter case. */
const cookieNameArbitrary = fc.oneof(
  { weight: 3, arbitrary: token() },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('__Secure-', '__Host-', '__secure-', '__HOST-'), token(8)).map(([p, t]) => p + t) },
);

const pathArbitrary = avString().map((rest) => `/${rest}`);
const domainArbitrary = fc.oneof(fc.domain(), fc.domain().map((d) => `.${d}`));

function hasPrefix(name: string, prefix: '__secure-' | '__host-'): boolean {
  return name.toLowerCase().startsWith(prefix);
}

/** Options drawn freely, each key absent, `undefined` or set. */
const looseOptionsArbitrary: fc.Arbitrary<CookieOptions> = fc.record(
  {
    discard: fc.option(fc.boolean(), { nil: undefined }),
    path: fc.option(pathArbitrary, { nil: undefined }),
    domain: fc.option(domainArbitrary, { nil: undefined }),
    secure: fc.option(fc.boolean(), { nil: undefined }),
    httpOnly: fc.option(fc.boolean(), { nil: undefined }),
    sameSite: fc.option(fc.constantFrom('Strict' as const, 'Lax' as const, 'None' as const), { nil: undefined }),
    partitioned: fc.option(fc.boolean(), { nil: undefined }),
    priority: fc.option(fc.constantFrom('Low' as const, 'Medium' as const, 'High' as const), { nil: undefined }),
  },
  { requiredKeys: [] },
);

/** Makes loose options satisfy every rule of SPEC §7 for `name`, changing as little as needed. */
export function makeValid(name: string, options: CookieOptions): CookieOptions {
  const fixed = { ...options };
  if (hasPrefix(name, '__secure-') || hasPrefix(name, '__host-') || fixed.sameSite === 'None' || fixed.partitioned) {
    fixed.secure = true;
  }
  if (hasPrefix(name, '__host-')) {
    delete fixed.domain;
    if (fixed.path !== undefined) fixed.path = '/';
  }
  return fixed;
}

/** One valid call of SPEC §7: cookie name, session key, lifetime in seconds, options. */
export interface CookieCase {
  name: string;
  key: string;
  expiryPeriod: number;
  options: CookieOptions;
}

/** Random valid input of `setCookieLine` / `toCookieHeaders`. */
export const validCookieCaseArbitrary: fc.Arbitrary<CookieCase> = fc
  .record({ name: cookieNameArbitrary, key: sessionKeyArbitrary, expiryPeriod: expiryPeriodArbitrary, options: looseOptionsArbitrary })
  .map((c) => ({ ...c, options: makeValid(c.name, c.options) }));

/** One invalid call of SPEC §7, and what the `TypeError` must name. */
export interface InvalidCookieCase extends CookieCase {
  /** The broken rule, for the counterexample. */
  rule: string;
  /** Text the error message must contain: the option at fault. */
  names: string;
  /** Whether the deletion line (`clearHeaders`, `expiryPeriod` 0) breaks the rule too; false when only the key is at fault. */
  breaksDeletion: boolean;
}

const insert = (around: fc.Arbitrary<string>, bad: fc.Arbitrary<string>) =>
  fc.tuple(around, bad, around).map(([a, b, c]) => a + b + c);

/** Random input that breaks exactly one rule of SPEC §7 (the rest of it valid). */
export const invalidCookieCaseArbitrary: fc.Arbitrary<InvalidCookieCase> = fc
  .tuple(validCookieCaseArbitrary, fc.nat())
  .chain(([base, pick]) => {
    const plain = token().filter((n) => !hasPrefix(n, '__secure-') && !hasPrefix(n, '__host-'));
    const noSecureNeeded = (o: CookieOptions): CookieOptions => ({
      ...o,
      secure: undefined,
      sameSite: o.sameSite === 'None' ? 'Lax' : o.sameSite,
      partitioned: false,
    });
    const variants: Array<fc.Arbitrary<InvalidCookieCase>> = [
      fc.oneof(insert(fc.string({ unit: fc.constantFrom(...TCHARS), maxLength: 6 }), NON_TCHAR), fc.constant('')).map((name) => ({
        ...base, name, options: noSecureNeeded(base.options), rule: 'name is not an RFC 6265 token', names: 'name', breaksDeletion: true,
      })),
      insert(avString(6).map((s) => `/${s}`), CTL_OR_SEMICOLON).map((path) => ({
        ...base, options: { ...base.options, path }, rule: 'path with a control character or ";"', names: 'path', breaksDeletion: true,
      })),
      fc.oneof(avString(8).filter((p) => !p.startsWith('/')), fc.constant('')).map((path) => ({
        ...base, options: { ...base.options, path }, rule: 'path not starting with "/"', names: 'path', breaksDeletion: true,
      })),
      insert(avString(6).map((s) => `/${s}`), NON_ASCII).map((path) => ({
        ...base, options: { ...base.options, path }, rule: 'path with a non-ASCII character', names: 'path', breaksDeletion: true,
      })),
      insert(fc.domain(), NON_ASCII).map((domain) => ({
        ...base, name: hasPrefix(base.name, '__host-') ? 'sid' : base.name, options: { ...base.options, domain },
        rule: 'domain with a non-ASCII character (not punycoded)', names: 'domain', breaksDeletion: true,
      })),
      insert(fc.domain(), CTL_OR_SEMICOLON).map((domain) => ({
        ...base, name: hasPrefix(base.name, '__host-') ? 'sid' : base.name, options: { ...base.options, domain },
        rule: 'domain with a control character or ";"', names: 'domain', breaksDeletion: true,
      })),
      fc.tuple(fc.constantFrom('__Secure-', '__secure-', '__SECURE-'), token(8)).map(([prefix, rest]) => ({
        ...base, name: prefix + rest, options: noSecureNeeded(base.options),
        rule: '__Secure- without secure', names: 'secure', breaksDeletion: true,
      })),
      fc.tuple(fc.constantFrom('__Host-', '__host-'), token(8)).map(([prefix, rest]) => ({
        ...base, name: prefix + rest, options: { ...noSecureNeeded(base.options), domain: undefined, path: '/' },
        rule: '__Host- without secure', names: 'secure', breaksDeletion: true,
      })),
      fc.tuple(fc.constantFrom('__Host-', '__HOST-'), token(8), fc.domain()).map(([prefix, rest, domain]) => ({
        ...base, name: prefix + rest, options: { ...base.options, secure: true, path: '/', domain },
        rule: '__Host- with a domain', names: 'domain', breaksDeletion: true,
      })),
      fc.tuple(fc.constantFrom('__Host-', '__host-'), token(8), pathArbitrary.filter((p) => p !== '/')).map(([prefix, rest, path]) => ({
        ...base, name: prefix + rest, options: { ...base.options, secure: true, domain: undefined, path },
        rule: '__Host- with a path other than "/"', names: 'path', breaksDeletion: true,
      })),
      fc.tuple(plain, fc.constantFrom(false, undefined)).map(([name, secure]) => ({
        ...base, name, options: { ...base.options, sameSite: 'None' as const, partitioned: false, secure },
        rule: 'SameSite=None without secure', names: 'sameSite', breaksDeletion: true,
      })),
      fc.tuple(plain, fc.constantFrom(false, undefined)).map(([name, secure]) => ({
        ...base, name, options: { ...base.options, sameSite: 'Lax' as const, partitioned: true, secure },
        rule: 'partitioned without secure', names: 'partitioned', breaksDeletion: true,
      })),
      fc.integer({ min: 1, max: 64 }).map((extra) => ({
        // An over-long name alone breaks the deletion line too; name + 40-character key only the live line.
        ...base, name: 'n'.repeat(4096 - base.key.length + extra), expiryPeriod: Math.max(1, base.expiryPeriod),
        options: noSecureNeeded(base.options), rule: 'name plus value over 4096 bytes', names: 'name plus value',
        breaksDeletion: 4096 - base.key.length + extra > 4096,
      })),
      insert(fc.stringMatching(/^[A-Za-z0-9_-]{0,20}$/), fc.oneof(NON_TCHAR, CTL_OR_SEMICOLON)).map((key) => ({
        // A key never holds these; one that does (a buggy backend, a header-injection attempt) must not be written.
        ...base, key, expiryPeriod: Math.max(1, base.expiryPeriod), rule: 'key (cookie value) with characters a cookie cannot carry',
        names: 'value', breaksDeletion: false,
      })).filter((c) => !/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/.test(c.key)),
      fc.constantFrom('lax', 'none', 'STRICT', '', 'Lax; Secure').map((sameSite) => ({
        ...base, options: { ...base.options, sameSite: sameSite as CookieOptions['sameSite'] },
        rule: 'sameSite not one of Strict, Lax, None', names: 'sameSite', breaksDeletion: true,
      })),
      fc.constantFrom('low', 'Urgent', '', 'High\r\nX: y').map((priority) => ({
        ...base, options: { ...base.options, priority: priority as CookieOptions['priority'] },
        rule: 'priority not one of Low, Medium, High', names: 'priority', breaksDeletion: true,
      })),
    ];
    return variants[pick % variants.length]!;
  });

/** A well-formed `Cookie` header (RFC 6265 §4.2.1), with SP/HTAB around the pieces as lenient clients send. */
export const wellFormedCookieHeaderArbitrary: fc.Arbitrary<{ header: string; pairs: Array<[string, string]> }> = fc
  .array(
    fc.tuple(
      fc.oneof(token(), fc.constantFrom('sid', 'SID', '__proto__', 'constructor', 'a')),
      fc.oneof(cookieOctets, cookieOctets.map((v) => `"${v}"`)),
      fc.constantFrom('', ' ', '\t', '  '),
      fc.constantFrom('', ' ', '\t'),
    ),
    { maxLength: 8 },
  )
  .map((parts) => ({
    header: parts.map(([name, value, before, after]) => `${before}${name}=${value}${after}`).join('; '),
    pairs: parts.map(([name, value]) => [name, unquote(value)] as [string, string]),
  }));

/** Strings of the characters the parser cares about, with some others: where parsers go wrong. */
export const cookieishStringArbitrary: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(';', '=', '"', ' ', '\t', 'a', 'b', 'A', '%', '\r', '\n', '\u00a0', '\0', 'é', '😀', '\uD800'),
  maxLength: 64,
});

/** Any string: arbitrary UTF-16 code units (lone surrogates too), full Unicode, or cookie-ish. */
export const anyHeaderStringArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: scalarValueArb, maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
  cookieishStringArbitrary,
);

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

function fail(rule: string, input: unknown, expected: unknown, actual: unknown): never {
  throw new Error(`${rule}\n  input:    ${JSON.stringify(input)}\n  expected: ${JSON.stringify(expected)}\n  actual:   ${JSON.stringify(actual)}`);
}

function samePairs(a: ReadonlyArray<readonly [string, string]>, b: ReadonlyArray<readonly [string, string]>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  return true;
}

/** SPEC §6: `parseCookieHeader` returns an array of string pairs for any string, and never throws. */
export function parseNeverThrows(): fc.IPropertyWithHooks<[string]> {
  return fc.property(anyHeaderStringArbitrary, (header) => {
    const pairs = parseCookieHeader(header);
    if (!Array.isArray(pairs) || !pairs.every((p) => p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string')) {
      fail('parseCookieHeader must return [name, value] string pairs', header, 'string pairs', pairs);
    }
  });
}

/** SPEC §6 in every detail (trim only SP/HTAB, empty-name pieces, one pair of quotes, case, order, duplicates). */
export function parseMatchesSpec(): fc.IPropertyWithHooks<[string]> {
  return fc.property(anyHeaderStringArbitrary, (header) => {
    const actual = parseCookieHeader(header);
    const expected = specParseCookieHeader(header);
    if (!samePairs(actual, expected)) fail('parseCookieHeader disagrees with SPEC §6', header, expected, actual);
  });
}

/**
 * `cookieValues(header, name, limit)`, the manager's targeted scan, gives exactly the first
 * `limit` values that `parseCookieHeader` has for `name` (names taken from the header itself, so
 * they match often, duplicates included).
 */
export function cookieValuesMatchParse(): fc.IPropertyWithHooks<[string, number, number]> {
  return fc.property(anyHeaderStringArbitrary, fc.nat(), fc.integer({ min: 0, max: 4 }), (header, pick, limit) => {
    const pairs = parseCookieHeader(header);
    const name = pairs.length === 0 ? 'sid' : pairs[pick % pairs.length]![0];
    const expected = pairs.filter(([n]) => n === name).map(([, v]) => v).slice(0, limit);
    const actual = cookieValues(header, name, limit);
    if (actual.length !== expected.length || actual.some((v, i) => v !== expected[i])) {
      fail(`cookieValues(header, ${JSON.stringify(name)}, ${limit}) disagrees with parseCookieHeader`, header, expected, actual);
    }
  });
}

/** A header made of known pairs parses back to exactly those pairs, in order, duplicates and case kept. */
export function parseRoundTrips(): fc.IPropertyWithHooks<[{ header: string; pairs: Array<[string, string]> }]> {
  return fc.property(wellFormedCookieHeaderArbitrary, ({ header, pairs }) => {
    const actual = parseCookieHeader(header);
    if (!samePairs(actual, pairs)) fail('parseCookieHeader must give back the pairs the header was made of', header, pairs, actual);
  });
}

/**
 * On well-formed headers, the first pair of each name agrees with the `cookie` package.
 *
 * `cookie` percent-decodes values and SPEC §6 forbids it, so `cookie` is called with an identity
 * `decode`: that compares the two on every well-formed header, `%` included, instead of only on
 * headers without `%`. `cookie` 1.x keeps surrounding quotes where SPEC §6 removes one pair, so its
 * value is unquoted before comparing.
 */
export function parseAgreesWithCookiePackage(): fc.IPropertyWithHooks<[{ header: string; pairs: Array<[string, string]> }]> {
  return fc.property(wellFormedCookieHeaderArbitrary, ({ header }) => {
    const ours = new Map<string, string>();
    for (const [name, value] of parseCookieHeader(header)) if (!ours.has(name)) ours.set(name, value);
    const theirs = cookiePackageParse(header, { decode: (raw) => raw });
    const theirNames = Object.keys(theirs);
    if (theirNames.length !== ours.size) fail('names differ from the cookie package', header, theirNames, [...ours.keys()]);
    for (const name of theirNames) {
      const expected = unquote(theirs[name] ?? '');
      if (ours.get(name) !== expected) fail(`first value of ${JSON.stringify(name)} differs from the cookie package`, header, expected, ours.get(name));
    }
  });
}

let manager: SessionManager | undefined;
/** `toCookieHeaders` and `clearHeaders` are pure: one manager over an idle memory backend serves every run. */
function headerManager(): SessionManager {
  return (manager ??= new SessionManager(new MemoryBackend()));
}

/** SPEC §7: for valid options, the exact line (attribute order, defaults, Max-Age, deletion line). */
export function setCookieLineMatchesModel(): fc.IPropertyWithHooks<[CookieCase]> {
  return fc.property(validCookieCaseArbitrary, ({ name, key, expiryPeriod, options }) => {
    const expected = modelSetCookieLine(name, key, expiryPeriod, options);
    const actual = setCookieLine(name, key, expiryPeriod, options);
    if (actual !== expected) fail('setCookieLine differs from SPEC §7', { name, key, expiryPeriod, options }, expected, actual);
  });
}

/** SPEC §5/§7: `toCookieHeaders` for modified and unmodified sessions, and `clearHeaders`, header for header. */
export function cookieHeadersMatchModel(): fc.IPropertyWithHooks<[CookieCase, boolean]> {
  return fc.property(validCookieCaseArbitrary, fc.boolean(), ({ name, key, expiryPeriod, options }, modified) => {
    const session: Session = { key, value: 'v', expiryPeriod, modified };
    const input = { name, session, options };
    const headers = headerManager().toCookieHeaders(name, session, options);
    const expected = modified
      ? [['Set-Cookie', modelSetCookieLine(name, key, expiryPeriod, options)], ['Vary', 'Cookie']]
      : [['Vary', 'Cookie']];
    if (!sameStructure(headers, expected)) fail('toCookieHeaders differs from SPEC §7', input, expected, headers);
    if (session.modified !== modified) fail('toCookieHeaders must not reset modified', input, modified, session.modified);
    const deletion = headerManager().clearHeaders(name, options);
    const expectedDeletion = [['Set-Cookie', modelSetCookieLine(name, '', 0, options)], ['Vary', 'Cookie']];
    if (!sameStructure(deletion, expectedDeletion)) fail('clearHeaders differs from SPEC §7', { name, options }, expectedDeletion, deletion);
  });
}

/**
 * Runs `emit` and returns the headers it produced, or the error it threw: written the way a
 * server writes them, so "no header" is checked as no header, not only as "it threw".
 */
function emitted(emit: () => Array<[string, string]>): { headers: Array<[string, string]>; error: unknown } {
  const headers: Array<[string, string]> = [];
  try {
    headers.push(...emit());
    return { headers, error: undefined };
  } catch (error) {
    return { headers, error };
  }
}

function checkRejected(what: string, c: InvalidCookieCase, outcome: { headers: unknown[]; error: unknown }): void {
  const { error } = outcome;
  if (!(error instanceof TypeError)) fail(`${what} must throw a TypeError for: ${c.rule}`, c, 'TypeError', error === undefined ? outcome.headers : String(error));
  if (!error.message.includes(c.names)) fail(`${what}: the TypeError must name ${c.names} (${c.rule})`, c, c.names, error.message);
  if (outcome.headers.length !== 0) fail(`${what} must produce no header (${c.rule})`, c, [], outcome.headers);
}

/** SPEC §7: every invalid option is a `TypeError` naming it, from every entry point, and no header. */
export function invalidOptionsRejected(): fc.IPropertyWithHooks<[InvalidCookieCase]> {
  return fc.property(invalidCookieCaseArbitrary, (c) => {
    const m = headerManager();
    const session: Session = { key: c.key, value: '', expiryPeriod: c.expiryPeriod, modified: true };
    checkRejected('setCookieLine', c, emitted(() => [['Set-Cookie', setCookieLine(c.name, c.key, c.expiryPeriod, c.options)]]));
    checkRejected('toCookieHeaders', c, emitted(() => m.toCookieHeaders(c.name, session, c.options)));
    const deletion = emitted(() => m.clearHeaders(c.name, c.options));
    if (c.breaksDeletion) checkRejected('clearHeaders', c, deletion);
    else if (deletion.error !== undefined) fail(`clearHeaders does not involve the key, it must not throw (${c.rule})`, c, 'headers', String(deletion.error));
  });
}

/** Every property of this file by name, for test files that loop over them (Node and Chromium). */
export const cookieProperties: Readonly<Record<string, () => fc.IProperty<any>>> = {
  'parse never throws': parseNeverThrows,
  'parse matches SPEC §6': parseMatchesSpec,
  'parse round-trips well-formed headers': parseRoundTrips,
  'cookieValues picks what parse gives for one name': cookieValuesMatchParse,
  'parse agrees with the cookie package': parseAgreesWithCookiePackage,
  'Set-Cookie line matches SPEC §7': setCookieLineMatchesModel,
  'toCookieHeaders and clearHeaders match SPEC §7': cookieHeadersMatchModel,
  'invalid options are a TypeError and no header': invalidOptionsRejected,
};

// ---------------------------------------------------------------------------------------------
// Adversarial inputs for linear time
// ---------------------------------------------------------------------------------------------

/**
 * Inputs of `size` characters (1 MiB by default) built to make a careless parser quadratic:
 * rescanning for `=` from every `;`, trimming by repeated slicing, backtracking over quotes.
 * Checking is done against {@link specParseCookieHeader}; linear time is judged by
 * {@link workGrowth} between two sizes of the same input, never by a timeout.
 */
export function adversarialCookieHeaders(size = 1 << 20): Array<{ name: string; header: string }> {
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const half = Math.floor(size / 2);
  return [
    { name: 'only ";"', header: fill(';') },
    { name: 'only "="', header: fill('=') },
    { name: 'only \'"\'', header: fill('"') },
    { name: 'only spaces', header: fill(' ') },
    { name: 'only tabs', header: fill('\t') },
    { name: '"a;a;a;...;="', header: fill('a;').slice(0, size - 1) + '=' },
    { name: '"a=a=a=..."', header: fill('a=') },
    { name: '"=;=;=;..."', header: fill('=;') },
    { name: '" ; ; ; ..."', header: fill(' ;') },
    { name: 'spaces around one letter', header: ' '.repeat(half) + 'a' + ' '.repeat(size - half - 1) },
    { name: 'spaces around "=" in one pair', header: 'a' + ' '.repeat(half) + '=' + ' '.repeat(size - half - 3) + 'b' },
    { name: 'one quoted value', header: 'a="' + fill('x').slice(0, size - 4) + '"' },
    { name: 'quote after every ";"', header: fill('";') },
    { name: 'many tiny pairs', header: fill('a=b; ') },
    { name: 'one name without "=", then "=" at the end', header: fill('a').slice(0, size - 1) + '=' },
  ];
}

/**
 * How much more time one parse of an input `factor` times larger takes than `factor` parses of the
 * small one (`small` characters, made by `adversarialCookieHeaders(size)`'s entry `name`): about 1
 * for a linear parser, about `factor` for a quadratic one. Both sides do the same number of
 * characters in the same run, so the machine's speed and load cancel out; each side is the best
 * of `trials` (noise only ever adds time), after a warm-up.
 */
export function workGrowth(parse: (header: string) => unknown, name: string, options: { small?: number; factor?: number; trials?: number } = {}): number {
  const { small = 2048, factor = 32, trials = 7 } = options;
  const pick = (size: number) => adversarialCookieHeaders(size).find((input) => input.name === name)!.header;
  const [little, large] = [pick(small), pick(small * factor)];
  const time = (run: () => void) => {
    const started = performance.now();
    run();
    return performance.now() - started;
  };
  const many = () => {
    for (let i = 0; i < factor; i++) parse(little);
  };
  const once = () => parse(large);
  many();
  once();
  let [bestMany, bestOnce] = [Infinity, Infinity];
  for (let i = 0; i < trials; i++) {
    bestMany = Math.min(bestMany, time(many));
    bestOnce = Math.min(bestOnce, time(once));
  }
  return bestOnce / Math.max(bestMany, 1e-3);
}
