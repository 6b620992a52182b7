/**
 * The counter example end to end in a real Chromium (issue 8): what the browser does with our
 * `Set-Cookie` lines, read back from the browser's own cookie store, and what the server then
 * sees. Playwright (`playwright-core`) drives Debian's Chromium (RECIPE.md); the server's sessions
 * run on a `ManualClock`, so expiry is tested without waiting.
 */
import { access, mkdir, readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as fc from 'fast-check';
import { chromium, type Browser, type BrowserContext, type Cookie, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { CHROMIUM_ARGS, chromiumPath } from '../src/conformance/browser/binaries.js';
import { SESSION_KEY_PATTERN } from '../src/keys.js';
import { parseCookieHeader } from '../src/cookie/parse.js';
import { COOKIE_NAME, SESSION_PERIOD, startExampleServer, type ExampleServer } from './counter.js';

const CHROMIUM = chromiumPath(process.env);
/** Under the gitignored `test-results/`, at the repository root whatever the working directory. */
const SCREENSHOT_DIR = fileURLToPath(new URL('../test-results/e2e/', import.meta.url));
const SCREENSHOT = `${SCREENSHOT_DIR}counter.png`;
/** Real Chromium on a shared 2-core machine: generous, but bounded. */
const STEP_TIMEOUT = 30_000;

let browser: Browser;
let server: ExampleServer;
const clock = new ManualClock(Date.UTC(2026, 0, 1));
/** The browser of the user whose session the steps follow. */
let alice: BrowserContext;
let page: Page;
/** The keys Alice's cookie held, in order. */
const keys: string[] = [];

beforeAll(async () => {
  await access(CHROMIUM).catch(() => {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  });
  server = await startExampleServer({ clock });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
  alice = await browser.newContext();
  page = await alice.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The session cookies the browser holds for the example's origin. */
async function sessionCookies(context: BrowserContext): Promise<Cookie[]> {
  return (await context.cookies(server.url)).filter((c) => c.name === COOKIE_NAME);
}

async function onlySessionCookie(context: BrowserContext): Promise<Cookie> {
  const cookies = await sessionCookies(context);
  expect(cookies).toHaveLength(1);
  return cookies[0]!;
}

async function shown(p: Page): Promise<{ visits: number; user: string }> {
  return { visits: Number(await p.textContent('#visits')), user: (await p.textContent('#user')) ?? '' };
}

/** A raw request outside the browser, with exactly the `Cookie` header given. */
async function rawVisit(cookieHeader: string): Promise<{ visits: number; user: string; setCookie: string | null; vary: string | null }> {
  const response = await fetch(server.url, { headers: { cookie: cookieHeader } });
  const html = await response.text();
  expect(response.status).toBe(200);
  return {
    visits: Number(/id="visits">(\d+)</.exec(html)?.[1]),
    user: /id="user">([^<]*)</.exec(html)?.[1] ?? '',
    setCookie: response.headers.get('set-cookie'),
    vary: response.headers.get('vary'),
  };
}

/** Clicks what leads to another page and waits until that page is there. */
async function clickAndNavigate(p: Page, selector: string): Promise<void> {
  await Promise.all([p.waitForEvent('framenavigated', { predicate: (frame) => frame === p.mainFrame() }), p.click(selector)]);
  await p.waitForLoadState('domcontentloaded');
}

function keyOf(setCookie: string | null): string | undefined {
  return setCookie === null ? undefined : parseCookieHeader(setCookie.split(';')[0]!)[0]?.[1];
}

describe('counter example in Chromium', () => {
  test('first visit: a session cookie with the intended attributes', async () => {
    const before = Date.now();
    await page.goto(server.url);
    expect(await shown(page)).toEqual({ visits: 1, user: 'anonymous' });
    const cookie = await onlySessionCookie(alice);
    expect(cookie.value).toMatch(SESSION_KEY_PATTERN);
    expect(cookie).toMatchObject({ domain: '127.0.0.1', path: '/', httpOnly: true, secure: false, sameSite: 'Lax' });
    // Max-Age=3600 became an expiry one hour from the browser's now (seconds since the epoch).
    expect(cookie.expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) + SESSION_PERIOD - 5);
    expect(cookie.expires).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + SESSION_PERIOD + 5);
    // HttpOnly: the page's scripts cannot see it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // The server holds the same session.
    expect(await server.backend.get(cookie.value)).toMatchObject({ status: 'ok', period: SESSION_PERIOD });
    keys.push(cookie.value);
  }, STEP_TIMEOUT);

  test('reloads keep the count and the key', async () => {
    for (let visit = 2; visit <= 4; visit++) {
      await page.reload();
      expect(await shown(page)).toEqual({ visits: visit, user: 'anonymous' });
    }
    expect((await onlySessionCookie(alice)).value).toBe(keys.at(-1));
  }, STEP_TIMEOUT);

  test('login moves the session to a new key; the old key replayed raw no longer works', async () => {
    const oldKey = keys.at(-1)!;
    await page.fill('#user-input', 'alice');
    await clickAndNavigate(page, '#login');
    // regenerate kept the count (4), then the redirect to / counted a fifth visit.
    expect(await shown(page)).toEqual({ visits: 5, user: 'alice' });
    const newKey = (await onlySessionCookie(alice)).value;
    expect(newKey).toMatch(SESSION_KEY_PATTERN);
    expect(newKey).not.toBe(oldKey);
    keys.push(newKey);
    expect(await server.backend.get(oldKey)).toEqual({ status: 'not_found' });

    // The control: the live key, sent raw, is Alice's session (sixth visit).
    const live = await rawVisit(`${COOKIE_NAME}=${newKey}`);
    expect(live).toMatchObject({ visits: 6, user: 'alice', vary: 'Cookie' });
    // The old key, sent raw: a brand-new anonymous session under yet another key, never the old one.
    const replay = await rawVisit(`${COOKIE_NAME}=${oldKey}`);
    expect(replay).toMatchObject({ visits: 1, user: 'anonymous', vary: 'Cookie' });
    expect(keyOf(replay.setCookie)).toMatch(SESSION_KEY_PATTERN);
    expect([oldKey, newKey]).not.toContain(keyOf(replay.setCookie));

    await page.reload();
    expect(await shown(page)).toEqual({ visits: 7, user: 'alice' });
  }, STEP_TIMEOUT);

  test('a cross-site POST does not carry the SameSite=Lax cookie: a forged logout clears nothing', async () => {
    const key = keys.at(-1)!;
    const attacker = await alice.newPage();
    // A page of another site, served by Playwright itself, that posts to the example's logout.
    await attacker.route('http://attacker.test/', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<form method="post" action="${server.url}logout"><button id="win">You won a prize</button></form>`,
      }),
    );
    await attacker.goto('http://attacker.test/');
    await attacker.click('#win');
    await attacker.waitForSelector('#logged-out');
    await attacker.close();
    // The server got no cookie with that request, so Alice's session is untouched.
    expect(await server.backend.get(key)).toMatchObject({ status: 'ok' });
    // The response's deletion line still reached the browser (top-level navigation): the user is
    // logged out of this browser, but the session itself was not the attacker's to clear.
    expect(await sessionCookies(alice)).toEqual([]);
    // Put Alice's cookie back as it was, to go on with her session.
    await alice.addCookies([{ name: COOKIE_NAME, value: key, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
    await page.reload();
    expect(await shown(page)).toEqual({ visits: 8, user: 'alice' });
  }, STEP_TIMEOUT);

  test('a forged or garbage cookie never yields someone else\'s session', async () => {
    const victimKey = keys.at(-1)!;
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const forged = [
      'garbage',
      victimKey.slice(0, -1) + flip(victimKey.at(-1)!),
      flip(victimKey[0]!) + victimKey.slice(1),
      victimKey.toLowerCase() === victimKey ? victimKey.toUpperCase() : victimKey.toLowerCase(),
      victimKey.slice(0, 22),
      `${victimKey}x`,
      `x${victimKey}`,
      'A'.repeat(40),
      'x'.repeat(600),
      encodeURIComponent(victimKey).replace(/[A-Za-z]/, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    ].filter((value) => value !== victimKey);
    const mallory = await browser.newContext();
    const malloryPage = await mallory.newPage();
    for (const value of forged) {
      await mallory.clearCookies();
      await mallory.addCookies([{ name: COOKIE_NAME, value, url: server.url }]);
      await malloryPage.goto(server.url);
      expect(await shown(malloryPage), `forged cookie ${value}`).toEqual({ visits: 1, user: 'anonymous' });
      const issued = (await onlySessionCookie(mallory)).value;
      expect(issued, 'a client-supplied key is never adopted').not.toBe(value);
      expect(issued).not.toBe(victimKey);
    }
    await mallory.close();

    // The same with raw requests and random headers built around the victim's key.
    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 50 });
    const nearVictim = fc.oneof(
      fc.tuple(fc.nat({ max: victimKey.length - 1 }), fc.constantFrom(...'ABCabc019_-')).map(([i, c]) => victimKey.slice(0, i) + c + victimKey.slice(i + 1)),
      fc.nat({ max: victimKey.length - 1 }).map((n) => victimKey.slice(0, n)),
      printable.map((s) => victimKey + s),
      printable,
    ).filter((value) => value !== victimKey && value.trim() !== victimKey && value !== `"${victimKey}"`);
    const header = fc
      .array(fc.tuple(fc.constantFrom(COOKIE_NAME, 'SID', ` ${COOKIE_NAME}`, 'other'), nearVictim), { minLength: 1, maxLength: 4 })
      .map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('; '))
      // Only headers that do not really carry the victim's key (as SPEC §6 parses it).
      .filter((h) => !parseCookieHeader(h).some(([, v]) => v === victimKey));
    await fc.assert(
      fc.asyncProperty(header, async (cookieHeader) => {
        const visit = await rawVisit(cookieHeader);
        expect(visit.user).toBe('anonymous');
        expect(visit.visits).toBe(1);
        expect(keyOf(visit.setCookie)).not.toBe(victimKey);
      }),
      { numRuns: 100 },
    );

    // Alice still has her own session, untouched by all of that.
    await page.reload();
    expect(await shown(page)).toEqual({ visits: 9, user: 'alice' });
  }, 60_000);

  test('a session is live at its expiry instant and starts over just after', async () => {
    const key = keys.at(-1)!;
    // Every visit restarts the lifetime; exactly SESSION_PERIOD later it is still live (SPEC §1).
    clock.advance(SESSION_PERIOD * 1000);
    await page.reload();
    expect(await shown(page)).toEqual({ visits: 10, user: 'alice' });
    expect((await onlySessionCookie(alice)).value).toBe(key);
    // One millisecond past the expiry instant. The browser still sends the key (its own clock has
    // hardly moved), but the server's session is dead: a fresh anonymous one, under a new key.
    clock.advance(SESSION_PERIOD * 1000 + 1);
    expect(await server.backend.get(key)).toEqual({ status: 'not_found' });
    await page.reload();
    expect(await shown(page)).toEqual({ visits: 1, user: 'anonymous' });
    const fresh = (await onlySessionCookie(alice)).value;
    expect(fresh).not.toBe(key);
    keys.push(fresh);
  }, STEP_TIMEOUT);

  test('logout deletes the cookie in the browser and the session on the server', async () => {
    await page.fill('#user-input', 'alice');
    await clickAndNavigate(page, '#login');
    expect(await shown(page)).toEqual({ visits: 2, user: 'alice' });
    const key = (await onlySessionCookie(alice)).value;
    expect(await server.backend.get(key)).toMatchObject({ status: 'ok' });

    await page.click('#logout');
    await page.waitForSelector('#logged-out');
    expect(await sessionCookies(alice)).toEqual([]);
    expect(await server.backend.get(key)).toEqual({ status: 'not_found' });
    // The old key replayed raw is nobody's session.
    expect(await rawVisit(`${COOKIE_NAME}=${key}`)).toMatchObject({ visits: 1, user: 'anonymous' });

    // Counting again starts a new session under a new key.
    await clickAndNavigate(page, '#again');
    expect(await shown(page)).toEqual({ visits: 1, user: 'anonymous' });
    expect((await onlySessionCookie(alice)).value).not.toBe(key);
  }, STEP_TIMEOUT);

  test('a screenshot of the page at the end of the flow is saved', async () => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(1000);
    // A PNG: the eight-byte signature.
    expect([...(await readFile(SCREENSHOT)).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  }, STEP_TIMEOUT);
});
