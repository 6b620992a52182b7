/**
 * Sessions in Redis, shared by every process and machine that reaches the same server: the
 * `sess/redis` entry point. Node-only (it opens TCP connections).
 *
 * Client: `redis` (node-redis) 6.x rather than ioredis. node-redis is the client the Redis
 * project itself maintains and recommends for new projects (ioredis's README says it is in
 * best-effort maintenance); scripts are first-class in it (`defineScript`, EVALSHA with a
 * NOSCRIPT reload, which ./redis/scripts.ts follows); and it is the client connect-redis 9 runs
 * on, so a benchmark against express-session + connect-redis compares the stores over the same
 * client.
 *
 * Layout and fields: see ./redis/layout.ts. Round trips: one per operation (`get` is one
 * `HMGET`, `clear` one `DEL`, `generate`/`set`/`touch` one `EVALSHA` each; the first use of a
 * script after Redis starts costs one more, `NOSCRIPT` then `EVAL`), plus one `WAIT` per write
 * with `waitForReplicas`. One server or a Redis Cluster: see ./redis/route.ts.
 */
import type { Backend, BackendFactory, ExpiryOptions, GenerateOptions, Lookup } from '../backend.js';
import { systemClock, type Clock } from '../clock.js';
import { generateSessionKey } from '../keys.js';
import { checkPeriod, expiresAt, isLive, ONE_WEEK, remainingPeriod } from '../period.js';
import { checkValueArgument, lifetimeFor } from './arguments.js';
import { describeError } from '../error-text.js';
import {
  checkConnectOptions,
  checkUrl,
  closeClient,
  describeCluster,
  openClient,
  openCluster,
  redactUrl,
  RedisBackendError,
  type ConnectOptions,
  type OwnedClient,
} from './redis/connection.js';
import { DEFAULT_KEY_PREFIX, EXPIRES_AT_FIELD, namespacePrefix, scanPatternFor, VALUE_FIELD } from './redis/layout.js';
import { keyFingerprint, replyShape } from './redis/redaction.js';
import { clusterRoute, isClusterClient, singleNodeRoute, type RedisClusterCommandSender, type Route } from './redis/route.js';
import { GENERATE, RESTART, runScript, SWEEP_BATCH, type LuaScript, type RedisCommandSender } from './redis/scripts.js';

export { RedisBackendError } from './redis/connection.js';
export type { ConnectOptions } from './redis/connection.js';
export type { RedisCommandSender } from './redis/scripts.js';
export type { RedisClusterCommandSender } from './redis/route.js';

/** The Redis URL used when neither `client`, `url` nor `REDIS_URL` says otherwise. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Keys `generate` draws before giving up. 240 random bits never collide in practice; the bound
 * turns a store that answers "taken" every time (or a broken random source) into an error
 * instead of a loop that writes for ever.
 */
export const GENERATE_ATTEMPTS = 8;

/** Where a Redis Cluster is: node-redis's `createCluster` shape, root nodes by URL. */
export interface RedisClusterOptions {
  /**
   * Some nodes of the cluster (any of them; the rest is discovered from them), e.g.
   * `[{ url: 'redis://10.0.0.1:6379' }, { url: 'redis://10.0.0.2:6379' }]`. A password in a URL
   * is used on every node.
   */
  rootNodes: ReadonlyArray<{ url: string }>;
}

/** `WAIT` after every write: see {@link RedisBackendOptions.waitForReplicas}. */
export interface WaitForReplicas {
  /** Replicas that must have acknowledged the write; at least 1. */
  replicas: number;
  /** Longest wait for them, in ms (at least 1); the write rejects if fewer answered in time. */
  timeoutMs: number;
}

/** Options of {@link RedisBackend}. */
export interface RedisBackendOptions extends ConnectOptions {
  /**
   * A connected node-redis client to use (it stays yours: `close()` leaves it open): a
   * `createClient` client, or a `createCluster` client for a Redis Cluster. Use one without a
   * `keyPrefix` option and without a type mapping; its offline-queue and reconnect settings
   * decide what happens while Redis is unreachable (see the README).
   */
  client?: RedisCommandSender | RedisClusterCommandSender;
  /**
   * Where to connect when no `client` or `cluster` is given; `redis://127.0.0.1:6379` by default.
   * One that `new URL` cannot parse is a `TypeError` at once, which does not show it (it may
   * hold a password).
   */
  url?: string;
  /**
   * A Redis Cluster to connect to instead of `url`: every operation is one single-key command or
   * script, routed to its slot's master; `size()` and `sweep()` walk every master.
   */
  cluster?: RedisClusterOptions;
  /**
   * After every write (`generate`, `set`, `touch`, `clear`), `WAIT` until this many replicas
   * have it, and reject if fewer did within `timeoutMs` (the write was made on the master but
   * may be lost if it fails now). Redis replicates asynchronously: without this, a write that
   * was acknowledged can be lost when its master fails over (README: measured). Costs one more
   * round trip per write, plus the replica's acknowledgement. Off by default.
   */
  waitForReplicas?: WaitForReplicas;
  /** Source of time for expiry; `systemClock` by default. */
  clock?: Clock;
  /** Default lifetime in seconds; one week by default. */
  defaultPeriod?: number;
  /** Keeps this backend's sessions apart from others' on the same Redis; `'default'` by default. */
  namespace?: string;
  /** First part of every key; `'sess-ts:'` by default. */
  keyPrefix?: string;
  /**
   * Seconds that Redis keeps a record after its logical expiry before its native TTL deletes it
   * (memory reclaiming only; expiry itself is checked against the clock). Covers clock skew between
   * application hosts. 300 by default.
   */
  reclaimMarginSeconds?: number;
  /** Keys asked for per `SCAN` step in `size()` and `sweep()`; 1000 by default. */
  scanCount?: number;
  /**
   * Delete every record of this namespace on `close()`. For throw-away namespaces (conformance
   * runs, tests) on a shared Redis; never for real sessions. False by default.
   */
  dropNamespaceOnClose?: boolean;
}

/**
 * Sessions in Redis. One round trip per operation, atomic per key (Lua scripts for the writes
 * that must check liveness); expiry is data checked against the injected clock (SPEC §4).
 *
 * @example
 * const backend = await RedisBackend.connect({ url: 'redis://127.0.0.1:6379', namespace: 'shop' });
 * const sessions = new SessionManager(backend);
 * // ... on shutdown:
 * await backend.close();
 */
export class RedisBackend implements Backend {
  readonly namespace: string;
  readonly #clock: Clock;
  #defaultPeriod: number;
  readonly #prefix: string;
  readonly #reclaimMarginMs: number;
  readonly #scanCount: number;
  readonly #dropNamespaceOnClose: boolean;
  /** Which Redis, for messages (password hidden). */
  readonly #shown: string;
  /** The way to the data, once connected; a rejected promise if connecting failed. */
  readonly #route: Promise<Route>;
  readonly #wait: WaitForReplicas | undefined;
  /** Set when this backend opened the client itself, so that `close()` closes it. */
  #owned: OwnedClient | undefined;
  /** Set by the first close(): from then on, operations reject. */
  #closing: Promise<void> | undefined;

  /**
   * Starts connecting at once when given a `url` (or nothing); operations wait for the
   * connection, and reject with a {@link RedisBackendError} naming the URL if it cannot be made.
   * {@link RedisBackend.connect} does the same but settles only once connected.
   */
  constructor(options: RedisBackendOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#defaultPeriod = checkPeriod(options.defaultPeriod ?? ONE_WEEK, 'defaultPeriod');
    this.namespace = options.namespace ?? 'default';
    if (typeof this.namespace !== 'string') {
      throw new TypeError(`RedisBackend: namespace must be a string, got ${typeof this.namespace}`);
    }
    const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    if (typeof keyPrefix !== 'string') {
      throw new TypeError(`RedisBackend: keyPrefix must be a string, got ${typeof keyPrefix}`);
    }
    this.#prefix = namespacePrefix(keyPrefix, this.namespace);
    this.#reclaimMarginMs = checkPeriod(options.reclaimMarginSeconds ?? 300, 'reclaimMarginSeconds') * 1000;
    if (this.#reclaimMarginMs === 0) {
      throw new RangeError('reclaimMarginSeconds must be at least 1: a native TTL of 0 would delete live sessions');
    }
    this.#dropNamespaceOnClose = options.dropNamespaceOnClose ?? false;
    this.#scanCount = options.scanCount ?? 1000;
    if (!Number.isInteger(this.#scanCount) || this.#scanCount < 1) {
      throw new RangeError(`RedisBackend: scanCount must be a whole number >= 1, got ${String(this.#scanCount)}`);
    }
    this.#wait = checkWait(options.waitForReplicas);
    const given = [options.client, options.url, options.cluster].filter((option) => option !== undefined).length;
    if (given > 1) throw new TypeError('RedisBackend: give one of `client`, `url` and `cluster`, not several');
    if (options.client !== undefined) {
      const client = options.client;
      this.#shown = describeClient(client);
      this.#route = Promise.resolve(isClusterClient(client) ? clusterRoute(client) : singleNodeRoute(client));
    } else if (options.cluster !== undefined) {
      const urls = checkRootNodes(options.cluster);
      this.#shown = describeCluster(urls);
      checkConnectOptions(options);
      this.#route = openCluster(urls, options).then((cluster) => {
        this.#owned = cluster;
        return clusterRoute(cluster as unknown as RedisClusterCommandSender);
      });
    } else {
      const url = checkUrl(options.url ?? DEFAULT_REDIS_URL);
      this.#shown = redactUrl(url);
      checkConnectOptions(options);
      this.#route = openClient(url, options).then((client) => {
        // close() waits for this, so a client that comes up after close() is still closed.
        this.#owned = client;
        return singleNodeRoute(client);
      });
    }
    // The failure is reported to every operation that awaits it; not unhandled meanwhile.
    this.#route.catch(() => {});
  }

  /** Creates a backend and waits until it is connected: a Redis that is down fails here, naming the URL. */
  static async connect(options: RedisBackendOptions = {}): Promise<RedisBackend> {
    const backend = new RedisBackend(options);
    await backend.#route;
    return backend;
  }

  defaultPeriod(): number {
    return this.#defaultPeriod;
  }

  /** Changes the default period used from now on (the original's `set_default_period`). */
  setDefaultPeriod(period: number): void {
    this.#defaultPeriod = checkPeriod(period, 'period');
  }

  async generate(options: GenerateOptions = {}): Promise<string> {
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    const value = options.value;
    if (value !== undefined) checkValueArgument(value, 'generate');
    const now = this.#clock.now();
    const args = [String(expiresAt(now, period)), String(this.#nativeTtlMs(period))];
    if (value !== undefined) args.push(value);
    // 240 random bits make a taken key unthinkable; retrying makes "never overwrite"
    // unconditional (SPEC §2), and the bound keeps a misbehaving store from looping for ever.
    for (let attempt = 0; attempt < GENERATE_ATTEMPTS; attempt++) {
      const key = generateSessionKey();
      const written = await this.#write('generate', this.#recordKey(key), GENERATE, args);
      if (integer(written, this.#shown) === 1) return key;
    }
    throw new RedisBackendError(
      `RedisBackend: generate found ${GENERATE_ATTEMPTS} fresh keys in a row already taken on Redis at ${this.#shown}; nothing was written (a broken random source, or a client or proxy that rewrites replies?)`,
      this.#shown,
    );
  }

  async get(key: string): Promise<Lookup> {
    const now = this.#clock.now();
    const recordKey = this.#recordKey(key);
    const reply = await this.#run('get', (route) => route.forKey(recordKey)(['HMGET', recordKey, EXPIRES_AT_FIELD, VALUE_FIELD]));
    const [stored, value] = fields(reply, this.#shown);
    // SPEC §4, in the original's order: missing or expired -> not_found; no value -> not_set.
    if (stored === null) return { status: 'not_found' };
    const expiry = this.#parseExpiresAt(stored, key);
    if (!isLive(expiry, now)) return { status: 'not_found' };
    if (value === null) return { status: 'not_set' };
    return { status: 'ok', value, period: remainingPeriod(expiry, now) };
  }

  async set(key: string, value: string, options: ExpiryOptions = {}): Promise<'ok' | 'not_found'> {
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    checkValueArgument(value, 'set');
    return this.#restart('set', key, period, value);
  }

  async touch(key: string, options: ExpiryOptions = {}): Promise<'ok' | 'not_found'> {
    const period = lifetimeFor(options.expiry, this.#defaultPeriod);
    return this.#restart('touch', key, period, undefined);
  }

  async clear(key: string): Promise<void> {
    const recordKey = this.#recordKey(key);
    await this.#run('clear', async (route) => {
      await route.forKey(recordKey)(['DEL', recordKey]);
      await this.#waitForReplicas('clear', route, recordKey);
    });
  }

  /**
   * Records of this namespace held in Redis, live or dead: one `SCAN` walk, counted batch by
   * batch (memory stays at one batch of `scanCount` keys, whatever the namespace holds). SCAN
   * may return a key twice if Redis resizes its key table during the walk, so under heavy
   * deletion the count can be a little high; it is exact on a keyspace that is not shrinking.
   */
  async size(): Promise<number> {
    let count = 0;
    await this.#scan('size', async (batch) => {
      count += batch.length;
    });
    return count;
  }

  /** Deletes this namespace's records that are dead by the clock; resolves how many went. */
  async sweep(): Promise<number> {
    const now = String(this.#clock.now());
    let dropped = 0;
    await this.#scan('sweep', async (batch, node, route) => {
      if (batch.length === 0) return;
      if (!route.cluster) {
        dropped += integer(await runScript((args) => node.sendCommand(args), SWEEP_BATCH, batch, [now]), this.#shown);
        return;
      }
      // A script's keys must share a slot on a cluster (CROSSSLOT otherwise), and a batch's
      // keys are spread over the node's slots: one script per key, sent together (pipelined).
      const counts = await Promise.all(batch.map((key) => runScript(route.forKey(key), SWEEP_BATCH, [key], [now])));
      for (const count of counts) dropped += integer(count, this.#shown);
    });
    return dropped;
  }

  /**
   * Releases the connection this backend opened (a `client` given in the options is left open),
   * after deleting the namespace's records if `dropNamespaceOnClose` is set. Afterwards every
   * operation rejects.
   */
  async close(): Promise<void> {
    this.#closing ??= this.#release();
    return this.#closing;
  }

  async #release(): Promise<void> {
    // A backend that never connected has nothing to drop and nothing to close.
    const connected = await this.#route.then(
      () => true,
      () => false,
    );
    try {
      if (connected && this.#dropNamespaceOnClose) {
        await this.#scan('close', async (batch, node, route) => {
          if (batch.length === 0) return;
          if (route.cluster) await Promise.all(batch.map((key) => route.forKey(key)(['UNLINK', key])));
          else await node.sendCommand(['UNLINK', ...batch]);
        });
      }
    } finally {
      const owned = this.#owned;
      if (owned !== undefined) await closeClient(owned);
    }
  }

  /** SPEC §4: set and touch check liveness and write in one step (one script). */
  async #restart(operation: 'set' | 'touch', key: string, period: number, value: string | undefined) {
    const now = this.#clock.now();
    const args = [String(now), String(expiresAt(now, period)), String(this.#nativeTtlMs(period))];
    if (value !== undefined) args.push(value);
    const updated = await this.#write(operation, this.#recordKey(key), RESTART, args);
    return integer(updated, this.#shown) === 1 ? 'ok' : 'not_found';
  }

  /** One write script on `recordKey` (one round trip), then `WAIT` if asked for. */
  async #write(operation: string, recordKey: string, lua: LuaScript, args: string[]): Promise<unknown> {
    return this.#run(operation, async (route) => {
      const reply = await runScript(route.forKey(recordKey), lua, [recordKey], args);
      await this.#waitForReplicas(operation, route, recordKey);
      return reply;
    });
  }

  /**
   * `waitForReplicas`: WAIT on the connection the write of `recordKey` went over. Fewer replicas
   * than asked within the timeout is an error: the write is on the master only, and a failover
   * now would lose it, so it is not acknowledged as done.
   */
  async #waitForReplicas(operation: string, route: Route, recordKey: string): Promise<void> {
    const wait = this.#wait;
    if (wait === undefined) return;
    const acknowledged = integer(await route.waitAfter(recordKey)(['WAIT', String(wait.replicas), String(wait.timeoutMs)]), this.#shown, 'WAIT');
    if (acknowledged < wait.replicas) {
      throw new RedisBackendError(
        `RedisBackend: ${operation} was made on the master but only ${acknowledged} of ${wait.replicas} replica(s) acknowledged it within ${wait.timeoutMs} ms on Redis at ${this.#shown}: it is lost if that master fails now`,
        this.#shown,
      );
    }
  }

  /**
   * Walks this namespace's keys with SCAN (never KEYS: it would block Redis on a big keyspace),
   * on every master of a cluster in turn.
   */
  async #scan(operation: string, onBatch: (keys: string[], node: RedisCommandSender, route: Route) => Promise<void>) {
    await this.#run(operation, async (route) => {
      const match = scanPatternFor(this.#prefix);
      for (const node of await route.masters()) {
        let cursor = '0';
        do {
          const reply = await node.sendCommand(['SCAN', cursor, 'MATCH', match, 'COUNT', String(this.#scanCount)]);
          const [next, keys] = scanReply(reply, this.#shown);
          await onBatch(keys, node, route);
          cursor = next;
        } while (cursor !== '0');
      }
    });
  }

  /** Runs one Redis exchange; any failure becomes a RedisBackendError naming Redis and the operation. */
  async #run<T>(operation: string, exchange: (route: Route) => Promise<T>): Promise<T> {
    if (this.#closing !== undefined && operation !== 'close') {
      throw new RedisBackendError(`RedisBackend: ${operation} after close() (Redis at ${this.#shown})`, this.#shown);
    }
    const route = await this.#route;
    try {
      return await exchange(route);
    } catch (error) {
      if (error instanceof RedisBackendError) throw error;
      throw new RedisBackendError(
        `RedisBackend: ${operation} failed on Redis at ${this.#shown}: ${describeError(error)}`,
        this.#shown,
        { cause: error },
      );
    }
  }

  #recordKey(key: string): string {
    // Any string may arrive as a key (SPEC §2); a non-string is simply a key no record has.
    return this.#prefix + (typeof key === 'string' ? key : '\u0000not-a-string');
  }

  /** Native TTL: the logical period plus the margin, so Redis never deletes a live session. */
  #nativeTtlMs(period: number): number {
    return period * 1000 + this.#reclaimMarginMs;
  }


  #parseExpiresAt(stored: string, key: string): number {
    const expiry = Number(stored);
    if (stored === '' || !Number.isFinite(expiry)) {
      // Named by fingerprint: the key is the session's bearer credential (SPEC §2, ASVS V7).
      throw new RedisBackendError(
        `RedisBackend: the record of session ${keyFingerprint(key)} in namespace ${JSON.stringify(this.namespace)} on Redis at ${this.#shown} has a corrupt ${EXPIRES_AT_FIELD} (not a number: ${replyShape(stored)})`,
        this.#shown,
      );
    }
    return expiry;
  }
}

/** Options of {@link redisBackendFactory}: everything but what the factory context decides. */
export type RedisFactoryOptions = Omit<RedisBackendOptions, 'clock' | 'namespace' | 'client'>;

/**
 * The cluster named by `REDIS_CLUSTER_NODES`: a comma-separated list of node URLs
 * (`redis://127.0.0.1:7001,redis://127.0.0.1:7002`), or `undefined` when it is unset or empty.
 */
export function clusterFromEnvironment(env: Record<string, string | undefined> = process.env): RedisClusterOptions | undefined {
  const list = env['REDIS_CLUSTER_NODES']?.trim();
  if (list === undefined || list === '') return undefined;
  const rootNodes = list
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '')
    .map((url) => ({ url: checkUrl(url, 'REDIS_CLUSTER_NODES entry') }));
  return { rootNodes };
}

/**
 * Makes a {@link BackendFactory} over Redis: each call opens its own connection with the
 * context's clock and namespace, and resolves once connected. Where: `options.cluster` or
 * `options.url` if given, else the cluster in `REDIS_CLUSTER_NODES` (comma-separated node URLs),
 * else `REDIS_URL`, else `redis://127.0.0.1:6379`. A factory is what `sess-conformance` checks;
 * an application constructs {@link RedisBackend} itself.
 */
export function createRedisBackendFactory(options: RedisFactoryOptions = {}): BackendFactory {
  return ({ clock, namespace }) => {
    if (options.cluster !== undefined || options.url !== undefined) return RedisBackend.connect({ ...options, clock, namespace });
    const cluster = clusterFromEnvironment();
    if (cluster !== undefined) return RedisBackend.connect({ ...options, cluster, clock, namespace });
    return RedisBackend.connect({ ...options, url: process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL, clock, namespace });
  };
}

/**
 * The {@link BackendFactory} `sess-conformance redis` runs: the Redis Cluster in
 * `REDIS_CLUSTER_NODES` (comma-separated node URLs) if set, else Redis at `REDIS_URL` (default
 * `redis://127.0.0.1:6379`). Each backend it makes deletes its (throw-away) namespace's records
 * when closed, so that a conformance run leaves nothing behind in a shared Redis.
 */
export const redisBackendFactory: BackendFactory = createRedisBackendFactory({ dropNamespaceOnClose: true });

export default redisBackendFactory;

function describeClient(client: RedisCommandSender | RedisClusterCommandSender): string {
  if (isClusterClient(client)) {
    const rootNodes = (client as { _options?: { rootNodes?: unknown } })._options?.rootNodes;
    const urls = Array.isArray(rootNodes) ? rootNodes.map((node: { url?: unknown }) => node?.url).filter((url) => typeof url === 'string') : [];
    return urls.length > 0 ? describeCluster(urls) : 'the Redis Cluster client given to RedisBackend';
  }
  const url = (client as { options?: { url?: unknown } }).options?.url;
  return typeof url === 'string' ? redactUrl(url) : 'the Redis client given to RedisBackend';
}

function checkRootNodes(cluster: RedisClusterOptions): string[] {
  const rootNodes = (cluster as Partial<RedisClusterOptions> | null)?.rootNodes;
  if (!Array.isArray(rootNodes) || rootNodes.length === 0) {
    throw new TypeError('RedisBackend: cluster.rootNodes must be a non-empty array of { url }');
  }
  return rootNodes.map((node: { url?: unknown } | null, i) => checkUrl(node?.url, `cluster.rootNodes[${i}].url`));
}

function checkWait(wait: WaitForReplicas | undefined): WaitForReplicas | undefined {
  if (wait === undefined) return undefined;
  const { replicas, timeoutMs } = (wait ?? {}) as Partial<WaitForReplicas>;
  for (const [name, value] of [['replicas', replicas], ['timeoutMs', timeoutMs]] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new RangeError(`RedisBackend: waitForReplicas.${name} must be a whole number >= 1, got ${String(value)}`);
    }
  }
  return { replicas: replicas!, timeoutMs: timeoutMs! };
}

/** HMGET's reply: two fields, each a string or null. */
function fields(reply: unknown, shown: string): [string | null, string | null] {
  if (Array.isArray(reply) && reply.length === 2 && reply.every((field) => field === null || typeof field === 'string')) {
    return reply as [string | null, string | null];
  }
  throw unexpected('HMGET', reply, shown);
}

function scanReply(reply: unknown, shown: string): [string, string[]] {
  if (Array.isArray(reply) && reply.length === 2) {
    const [cursor, keys] = reply as unknown[];
    if (typeof cursor === 'string' && Array.isArray(keys) && keys.every((key) => typeof key === 'string')) {
      return [cursor, keys as string[]];
    }
  }
  throw unexpected('SCAN', reply, shown);
}

function integer(reply: unknown, shown: string, command = 'EVALSHA'): number {
  if (typeof reply === 'number' && Number.isInteger(reply)) return reply;
  throw unexpected(command, reply, shown);
}

function unexpected(command: string, reply: unknown, shown: string): RedisBackendError {
  return new RedisBackendError(
    `RedisBackend: unexpected ${command} reply from Redis at ${shown} (a client with a type mapping or key prefix?): ${replyShape(reply)}`,
    shown,
  );
}
