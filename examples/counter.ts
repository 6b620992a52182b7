/**
 * The counter example (the OCaml original ships one): a `node:http` server where a session counts
 * your visits, a login moves the session to a new key (`regenerate`, against session fixation),
 * and a logout clears it on the server and deletes the cookie in the browser.
 *
 *     npm run example            # prints the URL; PORT=8080 npm run example for a fixed port
 *
 * An application writes `from 'sess'`; the example imports the sources so that it runs from a
 * checkout without a build.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryBackend, SessionManager, systemClock, type Clock, type CookieOptions, type HeaderPair } from '../src/index.js';

/** The session cookie's name. */
export const COOKIE_NAME = 'sid';
/** Lifetime of a session, in seconds, restarted on every visit. */
export const SESSION_PERIOD = 3600;
/** SPEC §7 defaults (Path=/, HttpOnly, SameSite=Lax, Max-Age): right for a plain-HTTP loopback server. */
const COOKIE_OPTIONS: CookieOptions = {};

/** What the session holds, as JSON: the session value is a string (SPEC §3). */
interface CounterState {
  visits: number;
  user: string | null;
}

const FRESH: CounterState = { visits: 0, user: null };

/** A running example server. */
export interface ExampleServer {
  /** Base URL, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  readonly sessions: SessionManager;
  readonly backend: MemoryBackend;
  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void>;
}

/**
 * Starts the counter on 127.0.0.1. `port` 0 (the default) takes a free ephemeral port; `clock`
 * lets tests move the sessions' time (a `ManualClock`) while the browser keeps its own.
 */
export async function startExampleServer(options: { clock?: Clock; port?: number } = {}): Promise<ExampleServer> {
  const backend = new MemoryBackend({ clock: options.clock ?? systemClock, defaultPeriod: SESSION_PERIOD });
  const sessions = new SessionManager(backend);
  const server = createServer((request, response) => {
    handle(sessions, request, response).catch((error: unknown) => {
      console.error(error);
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Internal error\n');
    });
  });
  await new Promise<void>((done, failed) => {
    server.once('error', failed);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    sessions,
    backend,
    close: () =>
      new Promise<void>((done, failed) => {
        server.close((error) => (error ? failed(error) : done()));
        server.closeAllConnections();
      }),
  };
}

async function handle(sessions: SessionManager, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const cookie = request.headers.cookie;

  if (request.method === 'GET' && path === '/') {
    const session = await sessions.ofHeaderOrCreate(COOKIE_NAME, JSON.stringify(FRESH), cookie);
    const state = readState(session.value);
    state.visits += 1;
    // SPEC §4: `set` never revives a session that died since the lookup; start a new one then.
    const current =
      (await sessions.set(session, { value: JSON.stringify(state) })) === 'ok'
        ? session
        : await sessions.generate(JSON.stringify({ ...FRESH, visits: 1 }));
    send(response, 200, sessions.toCookieHeaders(COOKIE_NAME, current, COOKIE_OPTIONS), page(readState(current.value)));
    return;
  }

  if (request.method === 'POST' && path === '/login') {
    const user = new URLSearchParams(await readBody(request)).get('user')?.trim() ?? '';
    if (user === '' || user.length > 64) {
      send(response, 400, [], 'A user name of 1 to 64 characters, please.\n', 'text/plain');
      return;
    }
    const session = await sessions.ofHeaderOrCreate(COOKIE_NAME, JSON.stringify(FRESH), cookie);
    // A new key on every change of privilege: a key planted before login is worthless after it.
    const loggedIn = await sessions.regenerate(session, { value: JSON.stringify({ ...readState(session.value), user }) });
    redirectHome(response, sessions.toCookieHeaders(COOKIE_NAME, loggedIn, COOKIE_OPTIONS));
    return;
  }

  if (request.method === 'POST' && path === '/logout') {
    const found = await sessions.ofHeader(COOKIE_NAME, cookie);
    let headers: HeaderPair[];
    if (found.status === 'ok') {
      await sessions.clear(found.session);
      // A cleared session has expiryPeriod 0: its headers are the deletion line (SPEC §7).
      headers = sessions.toCookieHeaders(COOKIE_NAME, found.session, COOKIE_OPTIONS);
    } else {
      headers = sessions.clearHeaders(COOKIE_NAME, COOKIE_OPTIONS);
    }
    // A page rather than a redirect to `/`: a visit there would start a new session at once.
    send(response, 200, headers, loggedOutPage());
    return;
  }

  // Anything else (favicon.ico included) never touches sessions.
  send(response, 404, [], 'Not found\n', 'text/plain');
}

function readState(value: string): CounterState {
  try {
    const parsed = JSON.parse(value) as Partial<CounterState>;
    return {
      visits: Number.isSafeInteger(parsed.visits) ? parsed.visits! : 0,
      user: typeof parsed.user === 'string' ? parsed.user : null,
    };
  } catch {
    return { ...FRESH };
  }
}

async function readBody(request: IncomingMessage, limit = 4096): Promise<string> {
  let body = '';
  for await (const chunk of request) {
    body += String(chunk);
    if (body.length > limit) throw new RangeError(`request body over ${limit} characters`);
  }
  return body;
}

function send(response: ServerResponse, status: number, headers: HeaderPair[], body: string, type = 'text/html'): void {
  for (const [name, value] of headers) response.appendHeader(name, value);
  response.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store' });
  response.end(body);
}

function redirectHome(response: ServerResponse, headers: HeaderPair[]): void {
  for (const [name, value] of headers) response.appendHeader(name, value);
  response.writeHead(303, { Location: '/', 'Cache-Control': 'no-store' });
  response.end();
}

function page(state: CounterState): string {
  const who = state.user === null ? 'anonymous' : escapeHtml(state.user);
  const form =
    state.user === null
      ? `<form method="post" action="/login"><label>Name <input name="user" id="user-input" required></label> <button id="login">Log in</button></form>`
      : `<form method="post" action="/logout"><button id="logout">Log out</button></form>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>sess counter</title>
<style>body { font: 18px system-ui, sans-serif; margin: 3em; } b { font-size: 2em; }</style></head>
<body>
<h1>sess counter</h1>
<p>Visits in this session: <b id="visits">${state.visits}</b></p>
<p>Signed in as: <span id="user">${who}</span></p>
${form}
</body>
</html>
`;
}

function loggedOutPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>sess counter: logged out</title>
<style>body { font: 18px system-ui, sans-serif; margin: 3em; }</style></head>
<body>
<h1 id="logged-out">Logged out</h1>
<p>The session is gone from the server and the cookie from your browser.</p>
<p><a id="again" href="/">Start counting again</a></p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// `npm run example`: started as a program (not imported by a test), serve until interrupted.
if (process.argv[1] !== undefined && process.argv.slice(1).some((arg) => resolve(arg) === fileURLToPath(import.meta.url))) {
  const server = await startExampleServer({ port: Number(process.env.PORT ?? 0) });
  console.log(`sess counter example: ${server.url}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
