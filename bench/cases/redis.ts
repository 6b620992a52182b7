/**
 * Case 8: the request cycle over Redis — sess with RedisBackend against express-session with
 * connect-redis 9 — on the same server and the same node-redis client, plus the round trips
 * each makes per request (MONITOR) and the commands Redis executes for it (INFO commandstats).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'redis';
import { SessionManager } from '../../src/manager.js';
import type { BenchCase } from '../case.js';
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
      const express = await expressSessionSide(new RedisStore({ client, prefix: expressPrefix }), SESSIONS);
      const expressRequest = async (i: number) => {
        const res = await express.request(express.headers[i % SESSIONS], (req) => {
          // A count never stored before, so the session is modified and resaved.
          req.session!['visits'] = ++visits;
        });
        if (res.getHeader('set-cookie') === undefined) throw new Error('express-session + connect-redis sent no Set-Cookie');
        return res;
      };
      // Both sides once, untimed: also loads sess's Lua scripts into Redis (the first EVALSHA of a
      // fresh server costs a NOSCRIPT and an EVAL).
      await sessRequest(0);
      await expressRequest(0);

      const runs = quick ? 20 : 500;
      const sessCommands = await commandsPerRequest(client, runs, sessRequest);
      const expressCommands = await commandsPerRequest(client, runs, expressRequest);
      const sessTrips = await roundTripsPerRequest(client, runs, sessRequest);
      const expressTrips = await roundTripsPerRequest(client, runs, expressRequest);

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
      const speedup = pairedRatio(result, 'express-session + connect-redis', 'sess');
      const describe = (c: { perCommand: Record<string, number> }) =>
        Object.entries(c.perCommand)
          .map(([command, calls]) => `${command} ${calls.toFixed(2)}`)
          .join(', ');
      return {
        figures: [
          ...result.contenders.map((c) => ({ name: `${c.name} median`, value: c.medianNs / 1000, unit: 'µs/request' })),
          { name: 'express-session + connect-redis / sess', value: speedup, unit: 'x' },
          { name: 'sess: round trips per request (2 backend calls)', value: sessTrips.perRequest, unit: '' },
          { name: 'express-session + connect-redis: round trips per request', value: expressTrips.perRequest, unit: '' },
          { name: 'sess: commands executed per request (INFO commandstats, incl. inside Lua)', value: sessCommands.perRequest, unit: '' },
          { name: 'express-session + connect-redis: commands executed per request', value: expressCommands.perRequest, unit: '' },
        ],
        targets: [
          target('at least as fast as express-session + connect-redis (ratio >= 1)', speedup, '>=', 1),
          // ofHeader -> get, set -> set: two backend calls, each one round trip.
          target('one round trip per backend call (round trips per request <= 2)', sessTrips.perRequest, '<=', 2),
        ],
        notes: [
          `same node-redis client for both, ${REDIS_URL}; sess ${find(result, 'sess').opsPerSecond.toFixed(0)} requests/s.`,
          `round trips per request over ${runs} requests (MONITOR, this connection only): sess ${describe(sessTrips)}; express-session + connect-redis ${describe(expressTrips)}.`,
          `commands executed per request (server-wide INFO commandstats deltas, which count the commands a Lua script runs and other clients' traffic): sess ${describe(sessCommands)}; express-session + connect-redis ${describe(expressCommands)}.`,
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
