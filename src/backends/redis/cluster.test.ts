/**
 * RedisBackend on a real Redis Cluster (issue 17): three masters with one replica each on ports
 * 17101-17106, started by this file (scripts/redis-cluster.ts) and stopped, every process by its
 * pid, when it ends, pass or fail. In order:
 *
 * 1. what is specific to a cluster: keys spread over every master, `size()`/`sweep()` walking
 *    all of them, no `CROSSSLOT`, scripts reloaded on nodes that lack them, the factory reading
 *    `REDIS_CLUSTER_NODES`;
 * 2. the conformance suite, 5 runs per property to keep `npm test` within its budget, and
 *    without key-quality (10,000 generated keys, 43 s here; key making is the same code as on
 *    one server, where conformance.test.ts runs it). `SESS_CLUSTER_FULL=1` runs every property
 *    with its own default runs (`SESS_CLUSTER_RUNS=N` sets the runs);
 * 3. failover, twice: a master is cut from its replica and 100 ms later killed (SIGKILL, by its
 *    pid) under a load of reads and writes; its replica takes over, the backend reconnects by
 *    itself, and every call meanwhile rejects or times out under the manager's `timeoutMs`, never
 *    `not_found` for a session that exists. Measured and printed (`[cluster failover]`): the
 *    outage, and the acknowledged writes lost without and with `waitForReplicas` (Redis
 *    replicates asynchronously); then WAIT's cost per write.
 */
import { randomUUID } from 'node:crypto';
import { createClient, createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendFactory } from '../../backend.js';
import { ManualClock } from '../../clock.js';
import { describeConformance } from '../../conformance/vitest.js';
import { conformanceProperties } from '../../../properties/index.js';
import { SessionManager, TimeoutError } from '../../manager.js';
import { roleOf, startLocalCluster, waitForHealthyCluster, waitUntil, type LocalCluster } from '../../../scripts/redis-cluster.js';
import { createRedisBackendFactory, RedisBackend, RedisBackendError, redisBackendFactory, type RedisBackendOptions } from '../redis.js';
import { DEFAULT_KEY_PREFIX, namespacePrefix } from './layout.js';

const BASE_PORT = 17101;
const START = 1_700_000_000_000;
const full = process.env['SESS_CLUSTER_FULL'] === '1';
const runsOption = Number(process.env['SESS_CLUSTER_RUNS'] ?? (full ? 0 : 5));
const properties = conformanceProperties.map((property) => property.name).filter((name) => full || name !== 'key-quality');

let cluster: LocalCluster;
const opened: RedisBackend[] = [];

beforeAll(async () => {
  cluster = await startLocalCluster({ basePort: BASE_PORT });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(opened.splice(0).map((backend) => backend.close()));
  await cluster?.stop();
});

function clusterOptions(): RedisBackendOptions['cluster'] {
  return { rootNodes: cluster.urls.map((url) => ({ url })) };
}

async function open(options: Partial<RedisBackendOptions> = {}): Promise<RedisBackend> {
  const backend = await RedisBackend.connect({
    cluster: clusterOptions(),
    clock: new ManualClock(START),
    namespace: `test-cluster-${randomUUID()}`,
    dropNamespaceOnClose: true,
    maxReconnectDelayMs: 100,
    ...options,
  });
  opened.push(backend);
  return backend;
}

/** An admin connection to one node. */
async function nodeClient(port: number) {
  const client = createClient({ url: `redis://127.0.0.1:${port}` });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** The port of the master that owns `key`'s slot now, read from a live node's CLUSTER SHARDS. */
async function masterPortOf(key: string, askPort: number): Promise<number> {
  const client = await nodeClient(askPort);
  try {
    const slot = Number(await client.sendCommand(['CLUSTER', 'KEYSLOT', key]));
    const slots = (await client.sendCommand(['CLUSTER', 'SLOTS'])) as Array<[number, number, [string, number, ...unknown[]]]>;
    const range = slots.find(([from, to]) => from <= slot && slot <= to);
    if (range === undefined) throw new Error(`no node serves slot ${slot}`);
    return Number(range[2][1]);
  } finally {
    client.destroy();
  }
}

function recordKey(backend: RedisBackend, key: string): string {
  return namespacePrefix(DEFAULT_KEY_PREFIX, backend.namespace) + key;
}

describe('on a Redis Cluster', () => {
  it('spreads sessions over every master, and size()/sweep() count and drop them on all of them', async () => {
    const clock = new ManualClock(START);
    const backend = await open({ clock, scanCount: 20 });
    const keys: string[] = [];
    for (let i = 0; i < 90; i++) keys.push(await backend.generate({ value: `v${i}`, expiry: i % 3 === 0 ? 1 : 100 }));
    const masters = new Set(await Promise.all(keys.slice(0, 30).map((key) => masterPortOf(recordKey(backend, key), BASE_PORT))));
    expect(masters.size).toBe(3);
    expect(await backend.size()).toBe(90);
    clock.advance(1_001);
    expect(await backend.sweep()).toBe(30);
    expect(await backend.size()).toBe(60);
    for (const [i, key] of keys.entries()) {
      expect(await backend.get(key)).toEqual(i % 3 === 0 ? { status: 'not_found' } : { status: 'ok', value: `v${i}`, period: 98 });
    }
  });

  it('sends each operation once, to the right master (no MOVED redirect, no fan-out): one round trip', async () => {
    const backend = await open();
    const warm = await backend.generate({ value: 'w' });
    await backend.set(warm, 'w'); // scripts cached on the masters that will be asked
    const keys = await Promise.all(Array.from({ length: 30 }, () => backend.generate({ value: 'v' })));
    for (const key of keys) await backend.set(key, 'w'); // every master has both scripts now
    const admins = await Promise.all(cluster.nodes.map((node) => nodeClient(node.port)));
    try {
      await Promise.all(admins.map((admin) => admin.configResetStat()));
      for (const key of keys) {
        await backend.get(key);
        await backend.set(key, 'x');
        await backend.touch(key);
        await backend.clear(key);
      }
      const totals: Record<string, { calls: number; rejected: number }> = {};
      // Masters only: a replica counts the writes replicated to it too.
      for (const [i, admin] of admins.entries()) {
        if ((await roleOf(cluster.nodes[i]!.port)) !== 'master') continue;
        for (const line of String(await admin.info('commandstats')).split(/\r?\n/)) {
          const match = /^cmdstat_(\w+):calls=(\d+),.*rejected_calls=(\d+)/.exec(line);
          if (match === null) continue;
          const total = (totals[match[1]!] ??= { calls: 0, rejected: 0 });
          total.calls += Number(match[2]);
          total.rejected += Number(match[3]);
        }
      }
      expect(totals['hmget']).toEqual({ calls: keys.length, rejected: 0 });
      expect(totals['evalsha']).toEqual({ calls: 2 * keys.length, rejected: 0 });
      expect(totals['del']).toEqual({ calls: keys.length, rejected: 0 });
      expect(totals['eval']).toBeUndefined();
    } finally {
      for (const admin of admins) admin.destroy();
    }
  });

  it('keeps namespaces apart, and drops its own namespace on close without CROSSSLOT', async () => {
    const base = `test-cluster-ns-${randomUUID()}`;
    const a = await open({ namespace: base });
    const b = await open({ namespace: `${base}:b`, dropNamespaceOnClose: false });
    const inA = await Promise.all(Array.from({ length: 20 }, () => a.generate({ value: 'a' })));
    const inB = await b.generate({ value: 'b' });
    expect(await b.get(inA[0]!)).toEqual({ status: 'not_found' });
    expect(await a.size()).toBe(20);
    await a.close();
    const again = await open({ namespace: base, dropNamespaceOnClose: false });
    expect(await again.size()).toBe(0);
    expect(await b.get(inB)).toMatchObject({ status: 'ok', value: 'b' });
    await b.clear(inB);
  });

  it('reloads its scripts on nodes that do not have them (SCRIPT FLUSH on every node)', async () => {
    const backend = await open();
    const key = await backend.generate({ value: 'v' });
    for (const node of cluster.nodes) {
      const client = await nodeClient(node.port);
      await client.scriptFlush();
      client.destroy();
    }
    expect(await backend.set(key, 'after flush')).toBe('ok');
    expect(await backend.touch(key)).toBe('ok');
    const other = await backend.generate({ value: 'new' });
    expect(await backend.get(other)).toMatchObject({ status: 'ok', value: 'new' });
    expect(await backend.get(key)).toMatchObject({ status: 'ok', value: 'after flush' });
  });

  it("works on a caller's own createCluster client, and leaves it open on close()", async () => {
    const client = createCluster({ rootNodes: [{ url: cluster.urls[0]! }] });
    client.on('error', () => {});
    await client.connect();
    try {
      const backend = new RedisBackend({ client, clock: new ManualClock(START), namespace: `test-cluster-${randomUUID()}`, dropNamespaceOnClose: true });
      const keys = await Promise.all(Array.from({ length: 10 }, () => backend.generate({ value: 'mine' })));
      for (const key of keys) expect(await backend.get(key)).toMatchObject({ status: 'ok', value: 'mine' });
      expect(await backend.size()).toBe(10);
      await backend.close();
      expect(await client.sendCommand(undefined, true, ['PING'])).toBe('PONG');
    } finally {
      client.destroy();
    }
  });

  it('the conformance factory takes the cluster from REDIS_CLUSTER_NODES', async () => {
    const saved = process.env['REDIS_CLUSTER_NODES'];
    process.env['REDIS_CLUSTER_NODES'] = ` ${cluster.urls[1]}, ${cluster.urls[4]} `;
    try {
      const backend = await redisBackendFactory({ clock: new ManualClock(START), namespace: `test-cluster-${randomUUID()}` });
      opened.push(backend as RedisBackend);
      expect(await backend.get(await backend.generate({ value: 'env' }))).toMatchObject({ status: 'ok', value: 'env' });
      process.env['REDIS_CLUSTER_NODES'] = 'redis://:pw@host:99999';
      await expect(async () => redisBackendFactory({ clock: new ManualClock(START), namespace: 'x' })).rejects.toThrow(
        /REDIS_CLUSTER_NODES entry is not a URL that can be parsed/,
      );
    } finally {
      if (saved === undefined) delete process.env['REDIS_CLUSTER_NODES'];
      else process.env['REDIS_CLUSTER_NODES'] = saved;
    }
  });

  it('refuses a bad cluster or waitForReplicas option at once', () => {
    expect(() => new RedisBackend({ cluster: { rootNodes: [] } })).toThrow(/cluster.rootNodes must be a non-empty array/);
    expect(() => new RedisBackend({ cluster: { rootNodes: [{ url: 'nope' }] } })).toThrow(/rootNodes\[0\].url is not a URL/);
    expect(() => new RedisBackend({ cluster: clusterOptions(), url: cluster.urls[0] })).toThrow(/give one of/);
    expect(() => new RedisBackend({ cluster: clusterOptions(), waitForReplicas: { replicas: 0, timeoutMs: 10 } })).toThrow(
      /waitForReplicas.replicas must be a whole number >= 1, got 0/,
    );
  });
});

// The cluster's ports are known once beforeAll has run: the factory is made at the first call.
const conformanceFactory: BackendFactory = (context) =>
  createRedisBackendFactory({ cluster: clusterOptions(), dropNamespaceOnClose: true })(context);

describeConformance('RedisBackend on a Redis Cluster', conformanceFactory, {
  notChecked: 'fail',
  only: properties,
  ...(runsOption > 0 && { runs: runsOption }),
});

/** What a call under load ended as. */
type Outcome = 'ok' | 'rejected' | 'timed-out' | 'wrong';

describe('failover', () => {
  /** Figures, printed at the end for the README. */
  const figures: Record<string, unknown> = {};

  afterAll(() => {
    console.log(`[cluster failover] ${JSON.stringify(figures)}`);
  });

  /**
   * Kills the master of `probeKey` while `writers` loops generate sessions (and `readers` read
   * and update existing ones) through `backend`; returns what happened.
   */
  async function failover(backend: RedisBackend, options: { label: string; writers: number; cutReplicaLinkMs?: number }) {
    const manager = new SessionManager(backend, { timeoutMs: 1_000 });
    // A replica can take over only once its first sync is done (RECIPE.md): every link up first.
    await waitForHealthyCluster(cluster.nodes.map((node) => node.port));
    // Sessions that exist before the kill, made with a WAIT so that they are surely on the replica.
    const safe = await open({ namespace: backend.namespace, dropNamespaceOnClose: false, waitForReplicas: { replicas: 1, timeoutMs: 2_000 } });
    const existing = await Promise.all(Array.from({ length: 30 }, (_, i) => safe.generate({ value: `existing ${i}` })));
    // The outage is timed on a session of the master about to die, by a backend without WAIT (with
    // WAIT, writes there fail until the shard has a replica again, which it has not yet).
    const probe = existing[0]!;
    const prober = await open({ namespace: backend.namespace, dropNamespaceOnClose: false });
    const victimPort = await masterPortOf(recordKey(backend, probe), BASE_PORT);
    const victim = cluster.nodes.find((node) => node.port === victimPort)!;

    const outcomes: Record<Outcome, number> = { ok: 0, rejected: 0, 'timed-out': 0, wrong: 0 };
    const wrong: string[] = [];
    const acknowledged: Array<{ key: string; value: string; at: number }> = [];
    let running = true;
    let killedAt = Infinity;
    const classify = (error: unknown): Outcome => {
      if (error instanceof TimeoutError) return 'timed-out';
      if (error instanceof RedisBackendError) return 'rejected';
      wrong.push(`unexpected error: ${String(error)}`);
      return 'wrong';
    };
    const writer = async (w: number) => {
      for (let i = 0; running; i++) {
        const value = `w${w}-${i}`;
        try {
          const session = await manager.generate(value);
          acknowledged.push({ key: session.key, value, at: performance.now() });
          outcomes.ok++;
        } catch (error) {
          outcomes[classify(error)]++;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    };
    const reader = async () => {
      for (let i = 0; running; i++) {
        const index = i % existing.length;
        try {
          const lookup = await manager.ofKey(existing[index]!);
          // SPEC §4: a failure is never not_found; an existing session reads as itself.
          if (lookup.status !== 'ok' || lookup.session.value !== `existing ${index}`) {
            wrong.push(`session ${index} read as ${JSON.stringify(lookup.status === 'ok' ? lookup.session.value : lookup.status)}`);
            outcomes.wrong++;
          } else {
            outcomes.ok++;
          }
        } catch (error) {
          outcomes[classify(error)]++;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    };
    const load = [...Array.from({ length: options.writers }, (_, w) => writer(w)), reader(), reader()];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = { ...outcomes };
    if (options.cutReplicaLinkMs !== undefined) {
      // A partition between master and replica shortly before the master dies: writes the master
      // acknowledges meanwhile never reach the replica that will take over. Made by a password
      // the replica does not know (connections already open, ours included, stay authenticated),
      // then cutting the replica's link: it reconnects at once and is refused until the end.
      const master = await nodeClient(victimPort);
      await master.configSet('requirepass', `partition-${randomUUID()}`);
      await master.sendCommand(['CLIENT', 'KILL', 'TYPE', 'replica']);
      master.destroy();
      await new Promise((resolve) => setTimeout(resolve, options.cutReplicaLinkMs));
    }
    killedAt = performance.now();
    await victim.kill();
    // The outage: until a write on the dead master's slots succeeds again through the backend.
    let recoveredAt = NaN;
    await waitUntil(`a write on ${options.label}'s slots after the kill`, 20_000, async () => {
      try {
        const ok = (await prober.touch(probe)) === 'ok';
        if (ok) recoveredAt = performance.now();
        return ok;
      } catch {
        return false;
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    running = false;
    await Promise.all(load);
    // What was acknowledged and is gone now.
    let lost = 0;
    for (let from = 0; from < acknowledged.length; from += 200) {
      const lookups = await Promise.all(acknowledged.slice(from, from + 200).map(({ key }) => prober.get(key)));
      lookups.forEach((lookup, i) => {
        const { value } = acknowledged[from + i]!;
        if (lookup.status !== 'ok' || lookup.value !== value) lost++;
      });
    }
    // Bring the killed node back: it rejoins as a replica of the one that took over.
    await victim.restart();
    await waitForHealthyCluster(cluster.nodes.map((node) => node.port));
    await safe.close();
    await prober.close();
    return {
      outageMs: Math.round(recoveredAt - killedAt),
      acknowledged: acknowledged.length,
      acknowledgedBeforeKill: acknowledged.filter((write) => write.at < killedAt).length,
      lost,
      outcomes,
      before,
      wrong,
    };
  }

  it('without WAIT: the replica takes over, the backend reconnects by itself, calls meanwhile reject or time out (never not_found); acknowledged writes lost, measured', async () => {
    // The master is cut from its replica 100 ms before it dies (a partition, then a crash): the
    // case where asynchronous replication loses writes. SESS_FAILOVER_ROUNDS=N adds N rounds with
    // a healthy link, for figures.
    const plainRounds = Math.max(0, Number(process.env['SESS_FAILOVER_ROUNDS'] ?? 0));
    const results = [];
    for (let round = 0; round <= plainRounds; round++) {
      const reported: RedisBackendError[] = [];
      const backend = await open({ onError: (error) => reported.push(error) });
      const result = await failover(backend, {
        label: `master ${round + 1}`,
        writers: 8,
        ...(round === 0 && { cutReplicaLinkMs: 100 }),
      });
      results.push({ ...result, onErrorReports: reported.length });
      expect(result.wrong).toEqual([]);
      expect(result.acknowledged).toBeGreaterThan(0);
      expect(result.outcomes.rejected + result.outcomes['timed-out']).toBeGreaterThan(0); // there was an outage
      expect(result.outcomes.ok).toBeGreaterThan(result.before.ok); // and calls succeeded after it
      expect(reported.length).toBeGreaterThan(0); // the operator saw it
      expect(reported.every((error) => error.message.includes('the connection to the cluster of'))).toBe(true);
      await backend.close();
    }
    figures['withoutWaitLinkCut'] = results[0];
    if (plainRounds > 0) {
      const plain = results.slice(1);
      figures['withoutWaitHealthyLink'] = {
        rounds: plain.length,
        outageMs: plain.map((result) => result.outageMs),
        lost: plain.reduce((sum, result) => sum + result.lost, 0),
        acknowledged: plain.reduce((sum, result) => sum + result.acknowledged, 0),
      };
    }
  }, 600_000);

  it('with waitForReplicas, the same cut link: no acknowledged write is lost', async () => {
    const backend = await open({ waitForReplicas: { replicas: 1, timeoutMs: 500 } });
    const result = await failover(backend, { label: 'a master cut from its replica, under WAIT', writers: 8, cutReplicaLinkMs: 100 });
    figures['withWaitLinkCut'] = result;
    expect(result.wrong).toEqual([]);
    expect(result.acknowledged).toBeGreaterThan(0);
    expect(result.lost).toBe(0);
  });

  it("WAIT's cost: the same sequential sets, without and with waitForReplicas", async () => {
    const plain = await open();
    const waiting = await open({ waitForReplicas: { replicas: 1, timeoutMs: 1_000 } });
    const timeSets = async (backend: RedisBackend) => {
      const key = await backend.generate({ value: 'v' });
      const started = performance.now();
      for (let i = 0; i < 300; i++) expect(await backend.set(key, `v${i}`)).toBe('ok');
      return (performance.now() - started) / 300;
    };
    await timeSets(plain); // warm up both paths
    await timeSets(waiting);
    const withoutMs = await timeSets(plain);
    const withMs = await timeSets(waiting);
    figures['setLatencyMs'] = { withoutWait: Number(withoutMs.toFixed(3)), withWait: Number(withMs.toFixed(3)) };
    expect(withMs).toBeGreaterThan(0);
  });
});
