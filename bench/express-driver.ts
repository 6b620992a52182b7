/**
 * Driving express-session without a server: the request and response surface its middleware
 * and on-headers touch, and nothing more. Shared by the memory and Redis request-cycle cases.
 */
import { createRequire } from 'node:module';
import session from 'express-session';

export const WEEK_SECONDS = 604_800;
const SECRET = 'bench secret: not a secret';

/** A browser's typical `Cookie` header around the session cookie. */
export function cookieHeader(name: string, value: string): string {
  return [
    '_ga=GA1.2.1234567890.1700000000',
    '_gid=GA1.2.987654321.1700000000',
    'theme=dark',
    'lang=en-GB',
    `${name}=${value}`,
    'consent=%7B%22analytics%22%3Atrue%7D',
    'tz=Europe%2FLondon',
    'seen_banner=1',
    'ab_bucket=42',
    'csrftoken=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0',
  ].join('; ');
}

/** The response surface express-session and on-headers touch, and nothing more. */
export class MinimalResponse {
  statusCode = 200;
  _header: boolean = false;
  readonly headers = new Map<string, unknown>();
  readonly #done: () => void;

  constructor(done: () => void) {
    this.#done = done;
  }
  setHeader(name: string, value: unknown): this {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  getHeader(name: string): unknown {
    return this.headers.get(name.toLowerCase());
  }
  writeHead(statusCode: number): this {
    this.statusCode = statusCode;
    this._header = true;
    return this;
  }
  // Node's ServerResponse writes the head on the first write or end; express-session calls this.
  _implicitHeader(): void {
    this.writeHead(this.statusCode);
  }
  write(): boolean {
    return true;
  }
  end(): this {
    if (!this._header) this._implicitHeader();
    this.#done();
    return this;
  }
}

export interface MinimalRequest {
  headers: { cookie?: string };
  url: string;
  originalUrl: string;
  method: string;
  session?: session.Session & Record<string, unknown>;
  sessionID?: string;
}

/** express-session over `store` with `sessions` sessions in it, driven without a server; the Cookie header of each. */
export async function expressSessionSide(store: session.Store, sessions: number) {
  const middleware = session({
    secret: SECRET,
    store,
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: WEEK_SECONDS * 1000, httpOnly: true, sameSite: 'lax', path: '/' },
  });
  // cookie-signature is express-session's own dependency: take exactly the copy it uses.
  const signature = createRequire(createRequire(import.meta.url).resolve('express-session'))('cookie-signature') as {
    sign(value: string, secret: string): string;
  };

  /** One request: load the session named by `cookie`, run `handle`, end the response (save, Set-Cookie). */
  function request(cookie: string | undefined, handle: (req: MinimalRequest) => void): Promise<MinimalResponse> {
    return new Promise((resolve, reject) => {
      const req: MinimalRequest = { headers: cookie === undefined ? {} : { cookie }, url: '/', originalUrl: '/', method: 'GET' };
      const res = new MinimalResponse(() => resolve(res));
      (middleware as unknown as (req: unknown, res: unknown, next: (err?: unknown) => void) => void)(req, res, (err) => {
        if (err) return reject(err);
        handle(req);
        res.end();
      });
    });
  }

  const headers: string[] = [];
  for (let i = 0; i < sessions; i++) {
    let id = '';
    const res = await request(undefined, (req) => {
      req.session!['visits'] = 0;
      id = req.sessionID!;
    });
    if (res.getHeader('set-cookie') === undefined) throw new Error('express-session set no cookie on a new session');
    // As setcookie() in express-session: 's:' + signature, serialized (percent-encoded) by `cookie`.
    headers.push(cookieHeader('connect.sid', encodeURIComponent(`s:${signature.sign(id, SECRET)}`)));
  }
  return { headers, request, store };
}

