/**
 * `manager-model`: the manager over a fresh backend, driven by random requests (Cookie headers made
 * of live, dead, cleared, garbage and duplicated keys, empty and over-long values, several fields)
 * and every other operation of SPEC §5, compared with the model; headers string for string (§7).
 */
import fc from 'fast-check';
import type { Backend, BackendFactory } from '../src/backend.js';
import type { CookieOptions } from '../src/cookie/set-cookie.js';
import { SessionManager, type Session } from '../src/manager.js';
import { advanceArb, optionalPeriodArb, optionalValueArb, valueArb } from './arbitraries.js';
import { AdvanceCommand, advanceToExpiryArb, GenerateCommand, initialWorld, type ModelStep } from './backend-commands.js';
import { setupCode, withFreshBackend } from './fresh-backend.js';
import {
  ClearHeadersCommand,
  COOKIE_NAME,
  CookieHeadersCommand,
  ManagerClearCommand,
  ManagerGenerateCommand,
  ManagerSetCommand,
  OfHeaderCommand,
  OfHeaderOrCreateCommand,
  RegenerateCommand,
  type CookieHeaderChoice,
  type CookiePairChoice,
  type CookieValueChoice,
  type ManagerUnderTest,
  type ManagerWorld,
  type ValidCookieSetting,
} from './manager-commands.js';
import type { ConformanceProperty, PreparedProperty } from './property.js';
import { Trace } from './trace.js';

/*
 * A garbage value that survives a trip through a Cookie header unchanged (SPEC §6): no `;`, no
 * spaces or tabs at either end, not wrapped in a pair of `"`.
 */
const cookieSafeGarbageArb = fc
  .array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!*~%=:/é😀'), { minLength: 1, maxLength: 43 })
  .map((chars) => chars.join(''));

const cookieValueArb: fc.Arbitrary<CookieValueChoice> = fc.oneof(
  { weight: 8, arbitrary: fc.nat({ max: 40 }).map((known) => ({ known })) },
  { weight: 2, arbitrary: cookieSafeGarbageArb.map((garbage) => ({ garbage })) },
  { weight: 1, arbitrary: fc.constant({ empty: true as const }) },
  { weight: 1, arbitrary: fc.constantFrom(512, 513, 4000).map((long) => ({ long })) },
);

const cookiePairArb: fc.Arbitrary<CookiePairChoice> = fc.oneof(
  { weight: 4, arbitrary: cookieValueArb.map((value) => ({ name: COOKIE_NAME, value })) },
  // Other cookies: one differing only in case (names are case-sensitive, SPEC §6), and names that
  // hold the session's as a suffix or a prefix (`xsid`, `sid2`), which a scan for `sid=` finds.
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('theme', 'SID', 'sid2', '_ga', 'xsid', 'my.sid', 'sid_'), cookieValueArb).map(([name, value]) => ({ name, value })) },
);

/** Absent, one field, or up to three fields, each of up to five pairs (often more than three candidates). */
export const cookieHeaderArb: fc.Arbitrary<CookieHeaderChoice> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ fields: null, asArray: false }) },
  { weight: 8, arbitrary: fc.record({ fields: fc.array(fc.array(cookiePairArb, { maxLength: 5 }), { minLength: 1, maxLength: 3 }), asArray: fc.boolean() }) },
);

/**
 * Valid cookie names and options (SPEC §7): generated freely, then made valid the way a user would
 * (`Secure` where a prefix, `SameSite=None` or `Partitioned` needs it; `__Host-` keeps path `/`
 * and no domain).
 */
export const validCookieSettingArb: fc.Arbitrary<ValidCookieSetting> = fc
  .tuple(
    fc.constantFrom('sid', 'session', '__Secure-sid', '__Host-sid', "a!#$%&'*+-.^_`|~9"),
    fc.option(
      fc.record(
        {
          discard: fc.boolean(),
          path: fc.constantFrom('/', '/app', '/a b/c', '/a%C3%BC'),
          domain: fc.constantFrom('example.com', '.example.org'),
          secure: fc.boolean(),
          httpOnly: fc.boolean(),
          sameSite: fc.constantFrom('Strict' as const, 'Lax' as const, 'None' as const),
          partitioned: fc.boolean(),
          priority: fc.constantFrom('Low' as const, 'Medium' as const, 'High' as const),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
  )
  .map(([name, raw]) => {
    if (raw === undefined) {
      return { name, options: name.startsWith('__') ? { secure: true } : undefined };
    }
    const options: CookieOptions = { ...raw };
    if (name.startsWith('__') || options.sameSite === 'None' || options.partitioned === true) options.secure = true;
    if (name.startsWith('__Host-')) {
      delete options.domain;
      if (options.path !== undefined) options.path = '/';
    }
    return { name, options };
  });

type ManagerStep = ModelStep<ManagerWorld, ManagerUnderTest>;

export const managerCommandArb: fc.Arbitrary<ManagerStep> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(valueArb, optionalPeriodArb).map(([value, expiry]) => new ManagerGenerateCommand(value, expiry)) },
  // A session with no value, made on the backend directly (the manager always stores one): the
  // Cookie headers that name it must read not_set (SPEC §5 ofHeader, the backend's status).
  { weight: 1, arbitrary: optionalPeriodArb.map((expiry) => new GenerateCommand(undefined, expiry)) },
  { weight: 3, arbitrary: cookieHeaderArb.map((header) => new OfHeaderCommand(header)) },
  { weight: 3, arbitrary: fc.tuple(cookieHeaderArb, valueArb, optionalPeriodArb).map(([header, value, expiry]) => new OfHeaderOrCreateCommand(header, value, expiry)) },
  { weight: 3, arbitrary: fc.tuple(fc.nat({ max: 40 }), optionalValueArb, optionalPeriodArb).map(([pick, value, expiry]) => new ManagerSetCommand(pick, value, expiry)) },
  { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 40 }), optionalValueArb, optionalPeriodArb).map(([pick, value, expiry]) => new RegenerateCommand(pick, value, expiry)) },
  { weight: 1, arbitrary: fc.nat({ max: 40 }).map((pick) => new ManagerClearCommand(pick)) },
  { weight: 2, arbitrary: fc.tuple(fc.nat({ max: 40 }), validCookieSettingArb).map(([pick, setting]) => new CookieHeadersCommand(pick, setting)) },
  { weight: 1, arbitrary: validCookieSettingArb.map((setting) => new ClearHeadersCommand(setting)) },
  { weight: 2, arbitrary: advanceArb.map((ms) => new AdvanceCommand(ms)) },
  { weight: 2, arbitrary: advanceToExpiryArb },
);

/** A sequence of requests (a plain array: replays from seed and path alone). */
export const managerCommandsArb = fc.array(managerCommandArb, { maxLength: 50, size: 'medium' });

/**
 * `manager-model` over the manager `makeManager` builds: the shipped `SessionManager` for the suite,
 * a broken one in this project's tests (to show the property bites).
 */
export function managerModelFor(makeManager: (backend: Backend) => SessionManager): ConformanceProperty {
  return { ...managerModelProperty, prepare: (factory) => prepareManagerModel(factory, makeManager) };
}

async function prepareManagerModel(factory: BackendFactory, makeManager: (backend: Backend) => SessionManager): Promise<PreparedProperty> {
  return {
    property: fc.asyncProperty(managerCommandsArb, (commands) =>
      withFreshBackend(factory, async ({ backend, clock }) => {
        const trace = new Trace('manager-model', [...setupCode(['backend'], ['SessionManager']), 'const manager = new SessionManager(backend);']);
        const world: ManagerWorld = { ...initialWorld(backend, clock.now()), sessions: [] };
        const real: ManagerUnderTest = { backend, clock, trace, name: 'backend', factory, manager: makeManager(backend), sessions: [] as Session[] };
        await fc.asyncModelRun(() => ({ model: world, real }), commands);
      }),
    ),
  };
}

export const managerModelProperty: ConformanceProperty = {
  name: 'manager-model',
  summary:
    'the session manager over the backend answers Cookie headers (live, dead, cleared, not_set, garbage, duplicated keys, xsid beside sid) and writes Set-Cookie exactly as the model says',
  rules: '§5 §6 §7',
  defaultRuns: 200,
  prepare: (factory) => prepareManagerModel(factory, (backend) => new SessionManager(backend)),
};
