/**
 * Case 1: one request's session work on memory — read the `Cookie` header, find the session,
 * store a new value, produce `Set-Cookie` — in sess, in express-session 1.19 with its
 * MemoryStore, and in a hand-written floor.
 */
import session from 'express-session';
import { MemoryBackend } from '../../src/backends/memory.js';
import { parseCookieHeader } from '../../src/cookie/parse.js';
import type { HeaderPair } from '../../src/cookie/set-cookie.js';
import { SessionManager } from '../../src/manager.js';
import { target, type BenchCase } from '../case.js';
import { compare, find, pairedRatio, type ComparisonOptions } from '../compare.js';
import { cookieHeader, expressSessionSide, WEEK_SECONDS } from '../express-driver.js';

/** Sessions in each store; requests go round them. */
const SESSIONS = 1000;
/** Requests per tinybench iteration: one timer reading per batch. */
const BATCH = 32;

/** sess over MemoryBackend. */
async function sessSide() {
  const backend = new MemoryBackend();
  const sessions = new SessionManager(backend);
  const headers: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const fresh = await sessions.generate('visits=0');
    headers.push(cookieHeader('sid', fresh.key));
  }
  async function request(cookie: string, visits: number): Promise<HeaderPair[]> {
    const found = await sessions.ofHeader('sid', cookie);
    if (found.status !== 'ok') throw new Error(`sess lost a session: ${found.status}`);
    await sessions.set(found.session, { value: `visits=${visits}` });
    return sessions.toCookieHeaders('sid', found.session);
  }
  return { headers, request };
}

/**
 * The floor: the least any cookie session can do — find the cookie with `indexOf`, one `Map`
 * lookup and update, one string built. Async like every request handler, no validation at all.
 */
function floorSide() {
  const store = new Map<string, { value: string; expiresAt: number }>();
  const headers: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const key = `k${String(i).padStart(39, '0')}`;
    store.set(key, { value: 'visits=0', expiresAt: Date.now() + WEEK_SECONDS * 1000 });
    headers.push(cookieHeader('sid', key));
  }
  async function request(cookie: string, visits: number): Promise<HeaderPair[]> {
    const at = cookie.indexOf('; sid=') + 6;
    const end = cookie.indexOf(';', at);
    const key = cookie.slice(at, end === -1 ? cookie.length : end);
    const record = store.get(key);
    const now = Date.now();
    if (record === undefined || record.expiresAt < now) throw new Error('floor lost a session');
    record.value = `visits=${visits}`;
    record.expiresAt = now + WEEK_SECONDS * 1000;
    return [
      ['Set-Cookie', `sid=${key}; Path=/; Max-Age=${WEEK_SECONDS}; HttpOnly; SameSite=Lax`],
      ['Vary', 'Cookie'],
    ];
  }
  return { headers, request };
}

export const requestCycle: BenchCase = {
  id: 'request-cycle',
  title: 'request cycle on memory: parse Cookie, find, set, Set-Cookie',
  async run({ comparison, log }) {
    const express = await expressSessionSide(new session.MemoryStore(), SESSIONS);
    const sess = await sessSide();
    const floor = floorSide();

    // Check once that every side does the whole job before timing it.
    const expressResponse = await express.request(express.headers[0], (req) => {
      req.session!['visits'] = 1;
    });
    const expressCookie = expressResponse.getHeader('set-cookie');
    if (!Array.isArray(expressCookie) || !String(expressCookie[0]).startsWith('connect.sid=')) {
      throw new Error(`express-session did not load and resave the session: Set-Cookie ${JSON.stringify(expressCookie)}`);
    }
    const sessHeaders = await sess.request(sess.headers[0]!, 1);
    if (sessHeaders[0]?.[0] !== 'Set-Cookie') throw new Error(`sess gave no Set-Cookie: ${JSON.stringify(sessHeaders)}`);
    log(`  express-session: ${String(expressCookie[0])}`);
    log(`  sess:            ${sessHeaders[0][1]}`);

    let n = 0;
    const result = await compare(
      [
        {
          name: 'sess',
          batch: BATCH,
          run: async () => {
            for (let i = 0; i < BATCH; i++, n++) await sess.request(sess.headers[n % SESSIONS]!, n);
          },
        },
        {
          name: 'express-session',
          batch: BATCH,
          run: async () => {
            for (let i = 0; i < BATCH; i++, n++) {
              const visits = n;
              await express.request(express.headers[n % SESSIONS], (req) => {
                req.session!['visits'] = visits;
              });
            }
          },
        },
        {
          name: 'floor',
          batch: BATCH,
          run: async () => {
            for (let i = 0; i < BATCH; i++, n++) await floor.request(floor.headers[n % SESSIONS]!, n);
          },
        },
      ],
      comparison,
    );
    const speedup = pairedRatio(result, 'express-session', 'sess');
    const overFloor = pairedRatio(result, 'sess', 'floor');
    const parts = await sessParts(sess.headers, comparison);
    return {
      figures: [
        ...result.contenders.map((c) => ({ name: `${c.name} median`, value: c.medianNs, unit: 'ns/request' })),
        { name: 'express-session / sess', value: speedup, unit: 'x' },
        { name: 'sess / floor', value: overFloor, unit: 'x' },
        ...parts.contenders.map((c) => ({ name: `sess part: ${c.name}`, value: c.medianNs, unit: 'ns' })),
      ],
      targets: [
        target('sess >= 5x faster than express-session (express-session / sess >= 5)', speedup, '>=', 5),
        target('sess within 2x of the floor (sess / floor <= 2)', overFloor, '<=', 2),
      ],
      notes: [
        `${SESSIONS} sessions per store, a 10-cookie header, ${BATCH} sequential requests per sample; express-session: resave false, saveUninitialized false, signed cookie, MemoryStore (which defers every callback with setImmediate); floor: indexOf + Map + template string in an async function. sess ${find(result, 'sess').opsPerSecond.toFixed(0)} requests/s.`,
      ],
      detail: { cycle: result, parts },
    };
  },
};

/**
 * Where sess's time goes, for whoever works on closing the gap to the floor: each step of the
 * cycle alone, on a backend and manager of their own.
 */
async function sessParts(headers: readonly string[], comparison: ComparisonOptions) {
  const backend = new MemoryBackend();
  const sessions = new SessionManager(backend);
  const keys: string[] = [];
  for (let i = 0; i < SESSIONS; i++) keys.push(await backend.generate({ value: 'visits=0' }));
  const ownHeaders = keys.map((key, i) => headers[i]!.replace(/sid=[^;]*/, `sid=${key}`));
  const session = await sessions.generate('visits=0');
  let n = 0;
  let sink = 0;
  const parts = await compare(
    [
      {
        name: 'parseCookieHeader (10 cookies)',
        batch: BATCH,
        run: () => {
          for (let i = 0; i < BATCH; i++, n++) sink += parseCookieHeader(ownHeaders[n % SESSIONS]!).length;
        },
      },
      {
        name: 'ofHeader (parse + backend.get)',
        batch: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++, n++) await sessions.ofHeader('sid', ownHeaders[n % SESSIONS]);
        },
      },
      {
        name: 'backend.get',
        batch: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++, n++) await backend.get(keys[n % SESSIONS]!);
        },
      },
      {
        name: 'manager.set (value)',
        batch: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++, n++) await sessions.set(session, { value: `visits=${n}` });
        },
      },
      {
        name: 'toCookieHeaders',
        batch: BATCH,
        run: () => {
          for (let i = 0; i < BATCH; i++, n++) sink += sessions.toCookieHeaders('sid', session).length;
        },
      },
    ],
    comparison,
  );
  if (sink === -1) throw new Error('unreachable: keeps the results observable');
  return parts;
}
