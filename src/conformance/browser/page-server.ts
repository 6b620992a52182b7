/**
 * The local server a run's page comes from: the page, the bundle and its map on 127.0.0.1 (an
 * origin, so IndexedDB works; a file: URL has none), and the endpoint the page posts its messages
 * to. Posting over HTTP works the same in every engine, whatever its automation protocol offers.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle } from './bundle.js';

/** Where the page posts: one JSON message per request, in order (the page chains them). */
const POST_PATH = '/__sess/post';

/**
 * The page's first script: `__sessPost`, and (for engines whose automation protocol has no console
 * or error events, WebKit's classic WebDriver) `console.*` and uncaught errors forwarded as
 * `{ type: 'console' }` and `{ type: 'pageerror' }` messages. An error or rejection some handler
 * already dealt with (`preventDefault()`) is not forwarded: the check waits for every listener.
 */
function firstScript(captureConsole: boolean): string {
  // A synchronous request: the message has reached the server when the call returns. With fetch,
  // WebKit sends nothing until its main thread is free again, so a backend that then loops forever
  // swallowed the message saying which property it hung in.
  const post = `globalThis.__sessPost = (message) => new Promise((resolve, reject) => {
  const request = new XMLHttpRequest();
  request.open('POST', ${JSON.stringify(POST_PATH)}, false);
  request.send(JSON.stringify(message));
  if (request.status >= 200 && request.status < 300) resolve();
  else reject(new Error('the run server answered ' + request.status));
});`;
  if (!captureConsole) return post;
  return `${post}
(() => {
  const send = (message) => { globalThis.__sessPost(message).catch(() => {}); };
  const text = (value) => {
    if (typeof value === 'string') return value;
    if (value instanceof Error) return String(value.stack || value);
    try { return JSON.stringify(value) ?? String(value); } catch { return String(value); }
  };
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    const original = console[level].bind(console);
    console[level] = (...args) => { original(...args); send({ type: 'console', level, text: args.map(text).join(' ') }); };
  }
  const uncaught = (event, error, fallback) => setTimeout(() => {
    if (event.defaultPrevented) return;
    send({ type: 'pageerror', message: error instanceof Error ? error.message : String(error ?? fallback), stack: error instanceof Error ? String(error.stack) : '' });
  });
  addEventListener('error', (event) => uncaught(event, event.error, event.message));
  addEventListener('unhandledrejection', (event) => uncaught(event, event.reason, 'a promise rejected with no reason'));
})();`;
}

/** A running page server. */
export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `bundle` on 127.0.0.1 (a free port) and hands every message the page posts to `onMessage`.
 * The page is cross-origin isolated (COOP/COEP), which gives it fine-grained `performance.now()`
 * (5 µs in Chromium instead of 100 µs) for the benchmarks and changes nothing else here.
 */
export async function servePage(bundle: Bundle, options: { captureConsole: boolean; onMessage: (message: unknown) => void }): Promise<PageServer> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>sess-conformance</title>' +
    `<script>${firstScript(options.captureConsole)}</script><script type="module" src="/bundle.js"></script>`;
  const code = `${bundle.code}\n//# sourceMappingURL=/bundle.js.map\n`;
  const map = JSON.stringify({ version: 3, ...bundle.map });
  const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (request.method === 'POST' && path === POST_PATH) {
      void readBody(request).then(
        (body) => {
          let message: unknown;
          try {
            message = JSON.parse(body);
          } catch {
            response.writeHead(400).end();
            return;
          }
          options.onMessage(message);
          response.writeHead(204).end();
        },
        () => response.writeHead(400).end(),
      );
    } else if (path === '/') response.writeHead(200, { ...isolation, 'content-type': 'text/html; charset=utf-8' }).end(html);
    else if (path === '/bundle.js') response.writeHead(200, { ...isolation, 'content-type': 'text/javascript; charset=utf-8' }).end(code);
    else if (path === '/bundle.js.map') response.writeHead(200, { ...isolation, 'content-type': 'application/json' }).end(map);
    else if (path === '/favicon.ico') response.writeHead(204).end();
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        // A hung page may keep a post open: do not wait for it.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
