/**
 * The connection a {@link RedisBackend} opens itself (from a URL), with the fault behaviour the
 * issue asks for:
 *
 * - Redis down at start: a bounded number of attempts, each bounded by a connect timeout, then
 *   a {@link RedisBackendError} naming the URL, instead of node-redis's default of retrying
 *   forever while `connect()` never settles.
 * - Connection lost later: `disableOfflineQueue`, so calls in flight and calls made while
 *   reconnecting reject at once (a session lookup must not wait silently, and must never read as
 *   `not_found`); node-redis keeps reconnecting in the background, with capped backoff and no
 *   limit, so the backend recovers when Redis is back.
 */
import { createClient, createCluster } from 'redis';
import { describeError } from '../../error-text.js';

/** How an owned connection is opened. */
export interface ConnectOptions {
  /**
   * Milliseconds one TCP connection attempt may take; 5000 by default. The whole start (all
   * attempts, handshake included) is bounded by `connectAttempts * (connectTimeoutMs + maxReconnectDelayMs)`,
   * times the number of root nodes for a cluster.
   */
  connectTimeoutMs?: number;
  /** Attempts at start before giving up with an error naming the URL; 3 by default. */
  connectAttempts?: number;
  /** Longest wait between reconnection attempts after a lost connection; 2000 ms by default. */
  maxReconnectDelayMs?: number;
  /**
   * Called with each failure of the connection after it was first ready (connection lost, each
   * failed reconnection attempt), so that an operator sees a flapping Redis; the calls that fail
   * meanwhile reject as well. The error names Redis (password hidden) and carries node-redis's
   * error as `cause`; like every message of this backend it holds no session key or value. A
   * hook that throws has its exception dropped: it runs inside node-redis's event handler, where
   * a throw would end the process. Only for a connection the backend opens itself (a `client`
   * you pass has your own `'error'` listener).
   */
  onError?: (error: RedisBackendError) => void;
}

/** A Redis failure, saying which Redis (password hidden) and which operation. */
export class RedisBackendError extends Error {
  override readonly name = 'RedisBackendError';
  /** The Redis URL with any password replaced by `***`, or a description of the caller's client. */
  readonly redis: string;

  constructor(message: string, redis: string, options?: { cause?: unknown }) {
    super(message, options);
    this.redis = redis;
  }
}

/** What {@link redactUrl} shows for a URL it cannot parse. */
export const UNPARSABLE_URL = '(a Redis URL that could not be parsed, not shown: it may hold a password)';

/**
 * `url` as messages may show it: scheme, user name, host, port and database, with any password
 * replaced by `***` and any query or fragment dropped. Fails closed: a URL that cannot be parsed
 * (a bad port, a stray character) is not shown at all, since a password may be in it.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return UNPARSABLE_URL;
  }
  if (parsed.password !== '') parsed.password = '***';
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString();
}

/** A `url` option, checked: a TypeError (that does not echo it) unless `new URL` can read it. */
export function checkUrl(url: unknown, option = 'url'): string {
  if (typeof url !== 'string') throw new TypeError(`RedisBackend: ${option} must be a string, got ${typeof url}`);
  if (redactUrl(url) === UNPARSABLE_URL) {
    throw new TypeError(`RedisBackend: ${option} is not a URL that can be parsed (not shown: it may hold a password)`);
  }
  return url;
}

/** What a created client is. */
export type OwnedClient = OwnedSingleClient | OwnedCluster;

/** What a created single-server client is. */
export type OwnedSingleClient = ReturnType<typeof createOwnedClient>;

function createOwnedClient(url: string, connectTimeout: number, reconnectStrategy: ReconnectStrategy) {
  return createClient({ url, disableOfflineQueue: true, socket: { connectTimeout, reconnectStrategy } });
}

/** A reconnect strategy, as node-redis takes it: a delay in ms, or an Error to give up. */
type ReconnectStrategy = (retries: number, cause: Error) => number | Error;

/**
 * The start and the life of a connection this backend owns, the same for one server and a
 * cluster: `create` makes the client with the reconnect strategy given to it, `listen` attaches
 * the client's error events to `report`. At start, `attempts` failed attempts (per root node)
 * give up; once ready, it never gives up (recovery), and each failure goes to `onError`.
 */
async function connectOwned<C extends { connect(): Promise<unknown>; destroy(): void }>(
  where: string,
  shown: string,
  rootNodes: number,
  options: ConnectOptions,
  create: (connectTimeout: number, reconnectStrategy: ReconnectStrategy) => C,
  listen: (client: C, report: (error: unknown, node?: string) => void) => void,
): Promise<C> {
  const { connectTimeout, attempts, maxDelay } = checkConnectOptions(options);
  let everReady = false;
  let lastError: unknown;
  const client = create(connectTimeout, (retries, cause) => {
    lastError = cause;
    if (!everReady && retries + 1 >= attempts) return new Error(`gave up after ${attempts} attempts`);
    return Math.min(50 * 2 ** retries, maxDelay);
  });
  // node-redis reports every failed (re)connection as an 'error' event; without a listener Node
  // would crash the process. The failures reach callers as rejected calls, and onError.
  const { onError } = options;
  listen(client, (error, node) => {
    lastError = error;
    if (!everReady || onError === undefined) return;
    const at = node === undefined ? '' : ` (node ${node})`;
    try {
      onError(new RedisBackendError(`RedisBackend: the connection to ${where}${at} failed: ${describeError(error)}`, shown, { cause: error }));
    } catch {
      // See ConnectOptions.onError: a throw here would reach node-redis's emit and end the process.
    }
  });
  // connectTimeout bounds the TCP connect only: a server that accepts and never answers the
  // handshake would leave connect() pending for ever. The whole start is bounded as well.
  const deadlineMs = attempts * (connectTimeout + maxDelay) * rootNodes;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ready connection within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    await Promise.race([client.connect(), deadline]);
  } catch (error) {
    client.destroy();
    const cause = error instanceof Error && error.message.startsWith('no ready') ? error : (lastError ?? error);
    throw new RedisBackendError(
      `RedisBackend: could not connect to ${where} (${attempts} attempt${attempts === 1 ? '' : 's'}${rootNodes > 1 ? ' per root node' : ''}): ${describeError(cause)}`,
      shown,
      { cause },
    );
  } finally {
    clearTimeout(timer);
  }
  everReady = true;
  return client;
}

/**
 * Opens a client on `url`: resolves once it is ready, or rejects with a
 * {@link RedisBackendError} naming the URL after `connectAttempts` failed attempts.
 */
export async function openClient(url: string, options: ConnectOptions = {}): Promise<OwnedSingleClient> {
  const shown = redactUrl(url);
  return connectOwned(
    `Redis at ${shown}`,
    shown,
    1,
    options,
    (connectTimeout, reconnectStrategy) => createOwnedClient(url, connectTimeout, reconnectStrategy),
    (client, report) => client.on('error', (error: unknown) => report(error)),
  );
}

/** The connect options with their defaults; a RangeError naming a bad one. */
export function checkConnectOptions(options: ConnectOptions): { connectTimeout: number; attempts: number; maxDelay: number } {
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError(`RedisBackend: onError must be a function, got ${typeof options.onError}`);
  }
  return {
    connectTimeout: positiveInteger(options.connectTimeoutMs ?? 5000, 'connectTimeoutMs'),
    attempts: positiveInteger(options.connectAttempts ?? 3, 'connectAttempts'),
    maxDelay: positiveInteger(options.maxReconnectDelayMs ?? 2000, 'maxReconnectDelayMs'),
  };
}

/**
 * How long a cluster node's connection may keep failing before node-redis asks the cluster for
 * its topology again (its default is 5000 ms). After a failover the slots of the dead master
 * belong to its promoted replica; until the topology is read again, calls for those slots reject.
 */
export const TOPOLOGY_REFRESH_MS = 300;

/** `the cluster of redis://a:1, redis://b:2`: the root nodes as messages show them. */
export function describeCluster(urls: readonly string[]): string {
  return `the cluster of ${urls.map(redactUrl).join(', ')}`;
}

function createOwnedCluster(urls: readonly string[], connectTimeout: number, reconnectStrategy: ReconnectStrategy) {
  // Nodes found through the topology get `defaults`, not the root URLs: the credentials and
  // TLS of the root URLs must be repeated there.
  const first = new URL(urls[0]!);
  const withPassword = urls.map((url) => new URL(url)).find((url) => url.password !== '' || url.username !== '');
  const credentials =
    withPassword === undefined
      ? {}
      : {
          ...(withPassword.username !== '' ? { username: decodeURIComponent(withPassword.username) } : {}),
          password: decodeURIComponent(withPassword.password),
        };
  return createCluster({
    rootNodes: urls.map((url) => ({ url })),
    defaults: {
      ...credentials,
      disableOfflineQueue: true,
      socket: { connectTimeout, reconnectStrategy, ...(first.protocol === 'rediss:' ? { tls: true as const } : {}) },
    },
    topologyRefreshOnReconnectionAttemptStrategy: TOPOLOGY_REFRESH_MS,
  });
}

/** What a created cluster client is. */
export type OwnedCluster = ReturnType<typeof createOwnedCluster>;

/**
 * Opens a cluster client on `urls` (root nodes; the rest of the cluster is discovered): resolves
 * once the slot map is read and the masters are connected, or rejects with a
 * {@link RedisBackendError} after `connectAttempts` failed attempts per root node.
 */
export async function openCluster(urls: readonly string[], options: ConnectOptions = {}): Promise<OwnedCluster> {
  const shown = describeCluster(urls);
  return connectOwned(
    shown,
    shown,
    urls.length,
    options,
    (connectTimeout, reconnectStrategy) => createOwnedCluster(urls, connectTimeout, reconnectStrategy),
    (cluster, report) => {
      cluster.on('error', (error: unknown) => report(error));
      cluster.on('node-error', (error: unknown, node: { host?: unknown; port?: unknown }) => report(error, `${String(node?.host)}:${String(node?.port)}`));
    },
  );
}

/** Closes an owned client: gracefully (pending replies first) when connected, at once when not. */
export async function closeClient(client: OwnedClient): Promise<void> {
  if (client.isReady) {
    await client.close();
  } else {
    client.destroy();
  }
}


function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`RedisBackend: ${name} must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}
