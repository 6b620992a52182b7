/**
 * Case 8: the request cycle over Redis — sess with RedisBackend against express-session with
 * connect-redis 9 — on the same server and the same node-redis client, plus the round trips
 * each makes per request (MONITOR) and the commands Redis executes for it (INFO commandstats).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'redis';
import type session from 'express-session';
import type { Backend } from '../../src/backend.js';
import { SessionManager } from '../../src/manager.js';
import type { BenchCase, CaseContext } from '../case.js';
import { target } from '../case.js';
import { compare, find, pairedRatio } from '../compare.js';
import { expressSessionSide, cookieHeader } from '../express-driver.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const SESSIONS = 200;
const BATCH = 8;

/** What the command counting needs of a client. */
interface InfoClient {
  info(section: string): Promise<unknown>;
}

/** Connects `client`; resolves why not when Redis cannot be reached within two seconds. */
async function unreachable(client: {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  connect(): Promise<unknown>;
  ping(): Promise<unknown>;
  destroy(): void;
}): Promise<string | undefined> {
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    client.destroy();
    return `Redis unreachable at ${REDIS_URL}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Total calls per command, from INFO commandstats. */
async function commandCounts(client: InfoClient): Promise<Map<string, number>> {
  const info = String(await client.info('commandstats'));
  const counts = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts.set(match[1]!, Number(match[2]));
  return counts;
}

/**
 * Commands sent per request by `cycle`, from INFO commandstats before and after `runs` requests.
 * The counts are server-wide: other clients of the same Redis add noise, so the per-command
 * breakdown is kept to show what was ours.
 */
async function commandsPerRequest(client: InfoClient, runs: number, cycle: (i: number) => Promise<unknown>) {
  const before = await commandCounts(client);
  for (let i = 0; i < runs; i++) await cycle(i);
  const after = await commandCounts(client);
  const perCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, calls] of after) {
    // The two INFO calls themselves are not the request's.
    const delta = calls - (before.get(command) ?? 0) - (command === 'info' ? 1 : 0);
    if (delta <= 0) continue;
    perCommand[command] = delta / runs;
    total += delta;
  }
  return { perRequest: total / runs, perCommand };
}

/** What the round-trip counting needs of a client. */
interface MonitorableClient {
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(): {
    on(event: 'error', listener: (error: unknown) => void): unknown;
    connect(): Promise<unknown>;
    monitor(listener: (line: string) => void): Promise<void>;
    destroy(): void;
  };
}

/**
 * Round trips per request made by `cycle` on `client`: MONITOR, on a second connection, shows
 * each command with the address of the connection that sent it (commands run inside a Lua
 * script show as `lua`), so this counts exactly what this client sent, whatever else the shared
 * server is doing. ECHO markers bracket the requests.
 */
async function roundTripsPerRequest(client: MonitorableClient, runs: number, cycle: (i: number) => Promise<unknown>) {
  const info = String(await client.sendCommand(['CLIENT', 'INFO']));
  const address = /(?:^|\s)addr=(\S+)/.exec(info)?.[1];
  if (address === undefined) throw new Error(`CLIENT INFO gave no addr: ${info}`);
  const tag = `sess-bench-${process.pid}-${Date.now()}`;
  const perCommand: Record<string, number> = {};
  let counting = false;
  let count = 0;
  let sawEnd!: () => void;
  const ended = new Promise<void>((resolve) => (sawEnd = resolve));
  const monitor = client.duplicate();
  monitor.on('error', () => {});
  await monitor.connect();
  try {
    await monitor.monitor((line) => {
      if (!line.includes(` ${address}]`)) return;
      if (line.includes(`"${tag}-start"`)) counting = true;
      else if (line.includes(`"${tag}-end"`)) {
        counting = false;
        sawEnd();
      } else if (counting) {
        count++;
        const command = /\] "([^"]+)"/.exec(line)?.[1]?.toLowerCase() ?? '?';
        perCommand[command] = (perCommand[command] ?? 0) + 1;
      }
    });
    await client.sendCommand(['ECHO', `${tag}-start`]);
    for (let i = 0; i < runs; i++) await cycle(i);
    await client.sendCommand(['ECHO', `${tag}-end`]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      ended,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('MONITOR never showed the end marker')), 10_000))),
    ]).finally(() => clearTimeout(timer));
  } finally {
    monitor.destroy();
  }
  for (const command of Object.keys(perCommand)) perCommand[command] = perCommand[command]! / runs;
  return { perRequest: count / runs, perCommand };
}

/** The request both sides serve, over the same Redis (one server or a cluster). */
async function requestCycles(backend: Backend, store: session.Store) {
  const sessions = new SessionManager(backend);
  let visits = 0;
  const sessHeaders: string[] = [];
  for (let i = 0; i < SESSIONS; i++) sessHeaders.push(cookieHeader('sid', (await sessions.generate('visits=0')).key));
  const sessRequest = async (i: number) => {
    const found = await sessions.ofHeader('sid', sessHeaders[i % SESSIONS]);
    if (found.status !== 'ok') throw new Error(`sess lost a session in Redis: ${found.status}`);
    await sessions.set(found.session, { value: `visits=${++visits}` });
    return sessions.toCookieHeaders('sid', found.session);
  };
  const express = await expressSessionSide(store, SESSIONS);
  const expressRequest = async (i: number) => {
    const res = await express.request(express.headers[i % SESSIONS], (req) => {
      // A count never stored before, so the session is modified and resaved.
      req.session!['visits'] = ++visits;
    });
    if (res.getHeader('set-cookie') === undefined) throw new Error('express-session + connect-redis sent no Set-Cookie');
    return res;
  };
  return { sessRequest, expressRequest };
}

/** Both sides timed, BATCH requests per sample, paired. */
async function timeCycles(
  comparison: CaseContext['comparison'],
  sessRequest: (i: number) => Promise<unknown>,
  expressRequest: (i: number) => Promise<unknown>,
) {
  let n = 0;
  const result = await compare(
    [
      {
        name: 'sess',
        batch: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) await sessRequest(n++);
        },
      },
      {
        name: 'express-session + connect-redis',
        batch: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) await expressRequest(n++);
        },
      },
    ],
    { ...comparison, iterations: Math.min(comparison.iterations ?? 16, 16) },
  );
  return { result, speedup: pairedRatio(result, 'express-session + connect-redis', 'sess') };
}

/** The figures and targets both cases report: medians, the ratio, round trips per request. */
function cycleReport(
  { result, speedup }: Awaited<ReturnType<typeof timeCycles>>,
  sessTrips: { perRequest: number },
  expressTrips: { perRequest: number },
  counted: string,
) {
  return {
    figures: [
      ...result.contenders.map((c) => ({ name: `${c.name} median`, value: c.medianNs / 1000, unit: 'µs/request' })),
      { name: 'express-session + connect-redis / sess', value: speedup, unit: 'x' },
      { name: `sess: ${counted} per request (2 backend calls)`, value: sessTrips.perRequest, unit: '' },
      { name: `express-session + connect-redis: ${counted} per request`, value: expressTrips.perRequest, unit: '' },
    ],
    targets: [
      target('at least as fast as express-session + connect-redis (ratio >= 1)', speedup, '>=', 1),
      // ofHeader -> get, set -> set: two backend calls, each one round trip.
      target(`one round trip per backend call (${counted} per request <= 2)`, sessTrips.perRequest, '<=', 2),
    ],
  };
}

/** `hmget 1.00, evalsha 1.00`. */
function describeCommands(counts: { perCommand: Record<string, number> }): string {
  return Object.entries(counts.perCommand)
    .map(([command, calls]) => `${command} ${calls.toFixed(2)}`)
    .join(', ');
}

export const redisCycle: BenchCase = {
  id: 'redis',
  title: 'request cycle on Redis: sess RedisBackend vs express-session + connect-redis',
  async run({ comparison, root, quick }) {
    if (!existsSync(path.join(root, 'src', 'backends', 'redis.ts'))) return { skipped: 'src/backends/redis.ts (RedisBackend) does not exist yet' };
    const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 2000, reconnectStrategy: false } });
    const why = await unreachable(client);
    if (why !== undefined) return { skipped: why };
    const { RedisBackend } = await import('../../src/backends/redis.js');
    const { RedisStore } = await import('connect-redis');
    const namespace = `bench-${process.pid}-${Date.now()}`;
    const backend = new RedisBackend({ client, namespace });
    const expressPrefix = `bench-connect-redis-${process.pid}-${Date.now()}:`;
    try {
      const { sessRequest, expressRequest } = await requestCycles(backend, new RedisStore({ client, prefix: expressPrefix }));
      // Both sides once, untimed: also loads sess's Lua scripts into Redis (the first EVALSHA of a
      // fresh server costs a NOSCRIPT and an EVAL).
      await sessRequest(0);
      await expressRequest(0);

      const runs = quick ? 20 : 500;
      const sessCommands = await commandsPerRequest(client, runs, sessRequest);
      const expressCommands = await commandsPerRequest(client, runs, expressRequest);
      const sessTrips = await roundTripsPerRequest(client, runs, sessRequest);
      const expressTrips = await roundTripsPerRequest(client, runs, expressRequest);

      const timed = await timeCycles(comparison, sessRequest, expressRequest);
      const { result } = timed;
      const report = cycleReport(timed, sessTrips, expressTrips, 'round trips');
      return {
        figures: [
          ...report.figures,
          { name: 'sess: commands executed per request (INFO commandstats, incl. inside Lua)', value: sessCommands.perRequest, unit: '' },
          { name: 'express-session + connect-redis: commands executed per request', value: expressCommands.perRequest, unit: '' },
        ],
        targets: report.targets,
        notes: [
          `same node-redis client for both, ${REDIS_URL}; sess ${find(result, 'sess').opsPerSecond.toFixed(0)} requests/s.`,
          `round trips per request over ${runs} requests (MONITOR, this connection only): sess ${describeCommands(sessTrips)}; express-session + connect-redis ${describeCommands(expressTrips)}.`,
          `commands executed per request (server-wide INFO commandstats deltas, which count the commands a Lua script runs and other clients' traffic): sess ${describeCommands(sessCommands)}; express-session + connect-redis ${describeCommands(expressCommands)}.`,
        ],
        detail: { comparison: result, sessTrips, expressTrips, sessCommands, expressCommands },
      };
    } finally {
      // Leave nothing behind on the shared server.
      for await (const keys of client.scanIterator({ MATCH: `${expressPrefix}*`, COUNT: 500 })) {
        if (keys.length > 0) await client.del(keys);
      }
      const { namespacePrefix, DEFAULT_KEY_PREFIX } = await import('../../src/backends/redis/layout.js');
      for await (const keys of client.scanIterator({ MATCH: `${namespacePrefix(DEFAULT_KEY_PREFIX, namespace)}*`, COUNT: 500 })) {
        if (keys.length > 0) await client.del(keys);
      }
      await backend.close();
      client.destroy();
    }
  },
};

/** Ports of the bench's own cluster: apart from the tests' (17101-17106, 17120). */
const CLUSTER_BASE_PORT = 17151;

/**
 * Commands sent per request by `cycle`, counted with MONITOR on every master of a cluster the
 * bench started itself (so all traffic is the bench's): each line not run by a Lua script is one
 * command a client sent. Replication and cluster-bus traffic do not show in MONITOR.
 */
async function clusterCommandsPerRequest(masterPorts: readonly number[], runs: number, cycle: (i: number) => Promise<unknown>) {
  const perCommand: Record<string, number> = {};
  let count = 0;
  const monitors = await Promise.all(
    masterPorts.map(async (port) => {
      const monitor = createClient({ url: `redis://127.0.0.1:${port}` });
      monitor.on('error', () => {});
      await monitor.connect();
      await monitor.monitor((line) => {
        if (/\[\d+ lua\]/.test(line)) return;
        const command = /\] "([^"]+)"/.exec(line)?.[1]?.toLowerCase() ?? '?';
        if (command === 'ping' || command === 'replconf' || command === 'info') return;
        count++;
        perCommand[command] = (perCommand[command] ?? 0) + 1;
      });
      return monitor;
    }),
  );
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    count = 0;
    for (const command of Object.keys(perCommand)) delete perCommand[command];
    for (let i = 0; i < runs; i++) await cycle(i);
    // MONITOR lines arrive shortly after the replies.
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    for (const monitor of monitors) monitor.destroy();
  }
  for (const command of Object.keys(perCommand)) perCommand[command] = perCommand[command]! / runs;
  return { perRequest: count / runs, perCommand };
}

export const redisClusterCycle: BenchCase = {
  id: 'redis-cluster',
  title: 'request cycle on a Redis Cluster (3 masters + 3 replicas): sess RedisBackend vs express-session + connect-redis',
  async run({ comparison, quick }) {
    const { startLocalCluster } = await import('../../scripts/redis-cluster.js');
    let cluster: Awaited<ReturnType<typeof startLocalCluster>>;
    try {
      cluster = await startLocalCluster({ basePort: CLUSTER_BASE_PORT });
    } catch (error) {
      return { skipped: `could not start a local Redis Cluster on ${CLUSTER_BASE_PORT}-${CLUSTER_BASE_PORT + 5}: ${error instanceof Error ? error.message : String(error)}` };
    }
    const { createCluster } = await import('redis');
    const client = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })) });
    client.on('error', () => {});
    try {
      await client.connect();
      const { RedisBackend } = await import('../../src/backends/redis.js');
      const { RedisStore } = await import('connect-redis');
      const backend = new RedisBackend({ client, namespace: 'bench' });
      const store = new RedisStore({ client: client as never, prefix: 'bench-connect-redis:' });
      const { sessRequest, expressRequest } = await requestCycles(backend, store);
      // connect-redis's multi-key calls on a cluster (connect-redis#360): what an operator meets.
      // node-redis 6 splits multi-key commands by slot on a cluster client; older clients got
      // CROSSSLOT here.
      const crossSlot = async (call: () => Promise<string>) => {
        try {
          return `works (${await call()})`;
        } catch (error) {
          return `fails: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
        }
      };
      const storeAll = await crossSlot(
        () => new Promise((resolve, reject) => store.all((error, all) => (error ? reject(error) : resolve(`${Object.keys(all ?? {}).length} sessions of ${SESSIONS}`)))),
      );
      // Every master has both scripts once each side has run a few requests.
      for (let i = 0; i < 30; i++) {
        await sessRequest(i);
        await expressRequest(i);
      }
      const masterPorts = (await Promise.all(
        cluster.nodes.map(async (node) => {
          const admin = createClient({ url: `redis://127.0.0.1:${node.port}` });
          admin.on('error', () => {});
          await admin.connect();
          const role = /role:(\w+)/.exec(String(await admin.info('replication')))?.[1];
          admin.destroy();
          return role === 'master' ? node.port : undefined;
        }),
      )).filter((port): port is number => port !== undefined);
      const runs = quick ? 20 : 500;
      const sessTrips = await clusterCommandsPerRequest(masterPorts, runs, sessRequest);
      const expressTrips = await clusterCommandsPerRequest(masterPorts, runs, expressRequest);

      const timed = await timeCycles(comparison, sessRequest, expressRequest);
      const { result } = timed;
      const storeClear = await crossSlot(async () => {
        await new Promise<void>((resolve, reject) => store.clear((error) => (error ? reject(error) : resolve())));
        const left = await new Promise<number>((resolve, reject) => store.length((error, length) => (error ? reject(error) : resolve(length ?? -1))));
        return `${left} left`;
      });
      await backend.close();
      return {
        ...cycleReport(timed, sessTrips, expressTrips, 'commands sent'),
        notes: [
          `one createCluster client shared by both, a cluster of 3 masters + 3 replicas on 127.0.0.1:${CLUSTER_BASE_PORT}-${CLUSTER_BASE_PORT + 5} started for the case; sess ${find(result, 'sess').opsPerSecond.toFixed(0)} requests/s.`,
          `commands sent per request over ${runs} requests (MONITOR on every master, Lua-internal commands left out): sess ${describeCommands(sessTrips)}; express-session + connect-redis ${describeCommands(expressTrips)}.`,
          `connect-redis on the cluster (node-redis 6.3): store.all() ${storeAll}; store.clear() ${storeClear}.`,
        ],
        detail: { comparison: result, sessTrips, expressTrips, storeAll, storeClear },
      };
    } finally {
      client.destroy();
      await cluster.stop();
    }
  },
};
