/**
 * Our `Set-Cookie` lines as a user agent no one here wrote takes them: `tough-cookie`'s
 * `CookieJar` (with `prefixSecurity: 'strict'`), held against a small model of what RFC 6265bis
 * says a user agent then sends back (issue 8).
 *
 * Node only (tough-cookie is a Node-side client); the Chromium end-to-end test checks the same
 * lines in a real browser.
 */
import * as fc from 'fast-check';
import { CookieJar } from 'tough-cookie';
import { MemoryBackend } from '../src/backends/memory.js';
import { parseCookieHeader } from '../src/cookie/parse.js';
import { setCookieLine, type CookieOptions } from '../src/cookie/set-cookie.js';
import { SessionManager } from '../src/manager.js';
import { sameStructure } from '../models/linearizability.js';
import { makeValid, modelSetCookieLine } from './cookie.js';

/** Where our responses come from: always HTTPS, so that `Secure` cookies can be stored at all. */
export const RESPONSE_URL = 'https://www.example.com/app/login';
const RESPONSE_HOST = 'www.example.com';

/** tough-cookie reads the time itself (`Date.now()`, `new Date()`): the test moves it. */
export interface JarClock {
  set(ms: number): void;
}

/** One stored cookie as RFC 6265bis §5.7 keeps it: identity is (name, domain, path). */
interface ModelCookie {
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** `undefined`: a browser-session cookie (no `Max-Age`). */
  expiresAt: number | undefined;
}

/** RFC 6265bis §5.1.3 domain matching (hosts here are names, never IP addresses). */
function domainMatch(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

/** RFC 6265bis §5.1.4 path matching. */
function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** What a user agent stores from our lines and sends back, for one cookie name. */
export class CookieJarModel {
  readonly #cookies = new Map<string, ModelCookie>();

  /** A `Set-Cookie` of ours received from {@link RESPONSE_URL} at `now`. */
  receive(key: string, expiryPeriod: number, options: CookieOptions, now: number): void {
    const domain = options.domain?.toLowerCase().replace(/^\./, '');
    const path = options.path ?? '/';
    const id = `${domain ?? RESPONSE_HOST};${path}`;
    // Max-Age=0: "expiry-time = earliest representable date": the old cookie is evicted (§5.7).
    if (expiryPeriod === 0) {
      this.#cookies.delete(id);
      return;
    }
    this.#cookies.set(id, {
      value: key,
      domain: domain ?? RESPONSE_HOST,
      hostOnly: domain === undefined,
      path,
      secure: options.secure === true,
      expiresAt: options.discard ? undefined : now + expiryPeriod * 1000,
    });
  }

  /** The values the user agent sends to `url` at `now`, sorted (order is not what is checked). */
  send(url: string, now: number): string[] {
    const { protocol, hostname, pathname } = new URL(url);
    const values: string[] = [];
    for (const c of this.#cookies.values()) {
      if (c.hostOnly ? hostname !== c.domain : !domainMatch(hostname, c.domain)) continue;
      if (!pathMatch(pathname, c.path)) continue;
      if (c.secure && protocol !== 'https:') continue;
      // An expiry-time not in the future is expired (tough-cookie and Chromium alike).
      if (c.expiresAt !== undefined && c.expiresAt <= now) continue;
      values.push(c.value);
    }
    return values.sort();
  }
}

const REQUEST_URLS = [
  'https://www.example.com/',
  'https://www.example.com/app',
  'https://www.example.com/app/',
  'https://www.example.com/app/admin/users',
  'https://www.example.com/application',
  'https://www.example.com/other',
  'http://www.example.com/app/admin',
  'http://www.example.com/',
  'https://api.example.com/app',
  'https://example.com/',
  'https://www.example.org/app',
];

type JarStep =
  | { kind: 'session'; key: string; expiryPeriod: number; options: CookieOptions }
  | { kind: 'clear'; options: CookieOptions }
  | { kind: 'advance'; ms: number }
  /** To the latest cookie's expiry instant, plus `offset` ms (or 1 ms on, when that is not ahead). */
  | { kind: 'advance-to-expiry'; offset: -1 | 0 | 1 }
  | { kind: 'request' };

function describeStep(step: JarStep): string {
  switch (step.kind) {
    case 'session':
      return `toCookieHeaders(key ${step.key.slice(0, 6)}…, expiryPeriod ${step.expiryPeriod}, ${JSON.stringify(step.options)})`;
    case 'clear':
      return `clearHeaders(${JSON.stringify(step.options)})`;
    case 'advance':
      return `advance ${step.ms} ms`;
    case 'advance-to-expiry':
      return `advance to the latest Max-Age instant ${step.offset < 0 ? '- 1 ms' : step.offset > 0 ? '+ 1 ms' : 'exactly'}`;
    case 'request':
      return 'request every URL';
  }
}

const jarOptions = (name: string) =>
  fc
    .record(
      {
        discard: fc.boolean(),
        path: fc.constantFrom('/', '/app', '/app/', '/app/admin', '/other'),
        domain: fc.constantFrom('example.com', '.example.com', 'www.example.com', 'WWW.Example.com'),
        secure: fc.boolean(),
        httpOnly: fc.boolean(),
        sameSite: fc.constantFrom('Strict' as const, 'Lax' as const, 'None' as const),
        partitioned: fc.boolean(),
        priority: fc.constantFrom('Low' as const, 'Medium' as const, 'High' as const),
      },
      { requiredKeys: [] },
    )
    .map((options) => makeValid(name, options));

const jarSteps = (name: string): fc.Arbitrary<JarStep[]> =>
  fc.array(
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('session' as const),
          key: fc.stringMatching(/^[A-Za-z0-9_-]{22,40}$/),
          // Short lifetimes, so that time steps land before, on and after expiry instants.
          expiryPeriod: fc.constantFrom(0, 1, 2, 60),
          options: jarOptions(name),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), options: jarOptions(name) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1, 999, 1000, 1001, 60_000) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance-to-expiry' as const), offset: fc.constantFrom(-1 as const, 0 as const, 1 as const) }) },
      { weight: 3, arbitrary: fc.constant({ kind: 'request' as const }) },
    ),
    { maxLength: 16 },
  );

/** What the jar sends to `url`: the values of cookie `name`, sorted. */
async function jarSends(jar: CookieJar, name: string, url: string): Promise<string[]> {
  const header = await jar.getCookieString(url);
  return parseCookieHeader(header)
    .filter(([n]) => n === name)
    .map(([, value]) => value)
    .sort();
}

/**
 * For random sequences of our headers (random valid options, live and deletion lines), time
 * moving across `Max-Age` instants, and requests to URLs inside and outside Path/Domain scope:
 * what tough-cookie sends back equals the model's. Every one of our lines must be accepted.
 */
export function jarAgreesWithModel(clock: JarClock): fc.IAsyncPropertyWithHooks<[[string, JarStep[]]]> {
  const manager = new SessionManager(new MemoryBackend());
  return fc.asyncProperty(
    fc.constantFrom('sid', '__Secure-sid', '__Host-sid').chain((name) => fc.tuple(fc.constant(name), jarSteps(name))),
    async ([name, steps]) => {
      let now = Date.UTC(2030, 0, 1);
      clock.set(now);
      const jar = new CookieJar(undefined, { prefixSecurity: 'strict' });
      const model = new CookieJarModel();
      let latestExpiry: number | undefined;
      const done: string[] = [];
      for (const step of steps) {
        done.push(describeStep(step));
        const where = () => `after:\n  ${done.join('\n  ')}`;
        if (step.kind === 'advance') {
          now += step.ms;
          clock.set(now);
        } else if (step.kind === 'advance-to-expiry') {
          const target = latestExpiry === undefined ? now + 1 : latestExpiry + step.offset;
          now = Math.max(target, now + 1);
          clock.set(now);
        } else if (step.kind === 'request') {
          // A copy, because tough-cookie moves `lastAccessed` on every read and computes Max-Age
          // from it: reading would push expiry back (RFC 6265bis fixes expiry-time when the cookie
          // is received). Reads of the copy all happen at one instant, so they cannot disturb each other.
          const probe = await jar.clone();
          for (const url of REQUEST_URLS) {
            const actual = await jarSends(probe, name, url);
            const expected = model.send(url, now);
            if (!sameStructure(actual, expected)) {
              throw new Error(`${name} sent to ${url}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}\n${where()}`);
            }
          }
        } else {
          const headers =
            step.kind === 'session'
              ? manager.toCookieHeaders(name, { key: step.key, value: '', expiryPeriod: step.expiryPeriod, modified: true }, step.options)
              : manager.clearHeaders(name, step.options);
          const line = headers.find(([header]) => header === 'Set-Cookie')![1];
          try {
            await jar.setCookie(line, RESPONSE_URL, { now: new Date(now) });
          } catch (error) {
            throw new Error(`tough-cookie refused our line ${JSON.stringify(line)}: ${String(error)}\n${where()}`);
          }
          if (step.kind === 'session') {
            model.receive(step.key, step.expiryPeriod, step.options, now);
            if (step.expiryPeriod > 0 && !step.options.discard) latestExpiry = now + step.expiryPeriod * 1000;
          }
          else model.receive('', 0, step.options, now);
        }
      }
    },
  );
}

/**
 * `__Host-` / `__Secure-` (as tough-cookie spells them, case-sensitively): for options drawn
 * freely, the jar accepts the cookie exactly when our validation lets the line through. A line we
 * refuse is written anyway, without validation, to show that the jar would have refused it too.
 */
export function prefixesAcceptedExactlyWhenValid(): fc.IAsyncPropertyWithHooks<[string, { secure: boolean; domain: string | undefined; path: string | undefined }]> {
  return fc.asyncProperty(
    fc.constantFrom('__Host-sid', '__Secure-sid'),
    fc.record({
      secure: fc.boolean(),
      domain: fc.constantFrom(undefined, 'example.com', 'www.example.com'),
      path: fc.constantFrom(undefined, '/', '/app', '/app/'),
    }),
    async (name, options) => {
      const key = 'k'.repeat(40);
      let line: string;
      let ours: 'accepted' | 'refused';
      try {
        line = setCookieLine(name, key, 3600, options);
        ours = 'accepted';
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        line = modelSetCookieLine(name, key, 3600, options);
        ours = 'refused';
      }
      const jar = new CookieJar(undefined, { prefixSecurity: 'strict' });
      let theirs: 'accepted' | 'refused';
      try {
        theirs = (await jar.setCookie(line, RESPONSE_URL)) === undefined ? 'refused' : 'accepted';
      } catch {
        theirs = 'refused';
      }
      if (ours !== theirs) {
        throw new Error(`${JSON.stringify(line)}: our validation ${ours} it, tough-cookie ${theirs} it`);
      }
      if (theirs === 'accepted') {
        const sent = await jar.getCookieString(`https://www.example.com${options.path ?? '/'}`);
        if (!parseCookieHeader(sent).some(([n, v]) => n === name && v === key)) {
          throw new Error(`${JSON.stringify(line)} accepted but not sent back: ${JSON.stringify(sent)}`);
        }
      }
    },
  );
}
