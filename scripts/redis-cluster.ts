/**
 * Throw-away Redis servers for the tests: one standalone server (with a password, for the
 * no-secret test) or a Redis Cluster of three masters with one replica each, on loopback ports,
 * started and stopped by the tests themselves (RECIPE.md "A local Redis Cluster"). The machine's
 * own Redis on 6379 is left alone.
 *
 * Every server is a child process of the test (`--daemonize no`), so its pid is known without a
 * pidfile; `stop()` kills each by that pid, waits for it to exit and removes its folder. The same
 * happens, synchronously, if the test process exits without calling `stop()` (a crashed run).
 * A node killed on purpose (a failover test) keeps its folder, so that `restart()` brings it back
 * with its cluster configuration: it rejoins as a replica of the node that took over.
 *
 * As a command, for trying things by hand:
 *
 *     npx jiti scripts/redis-cluster.ts 17101     # starts a cluster on 17101-17106, Ctrl-C stops it
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

/** One redis-server this module started (the process may have been killed and restarted). */
export interface RedisNode {
  readonly port: number;
  /** The pid of the process running now (or last). */
  readonly pid: number;
  readonly dir: string;
  /** Kills the process (SIGKILL: a crash, as in a failover test) and waits for it to exit; keeps the folder. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and folder (after `kill()`). */
  restart(): Promise<void>;
  /** Kills the process if it runs and removes the folder. */
  remove(): Promise<void>;
}

/** Processes running and folders not yet removed, for the exit handler. */
const running = new Map<number, ChildProcess>();
const folders = new Set<string>();

// A test process that ends without stop() (a crash, a timeout) must not leave servers behind.
process.once('exit', () => {
  for (const pid of running.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Resolves once something accepts TCP connections on `port`, or rejects after `timeoutMs`. */
async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with code ${child.exitCode} at start`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not listen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Refuses a port that something already listens on (a server left over, or someone else's). */
async function assertFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', () =>
      reject(new Error(`port ${port} is in use (check with ss -ltnp; a redis-server left from an earlier run?)`)),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** Starts `redis-server` on `port` with `args` added, in a fresh folder, without persistence. */
export async function startRedisNode(port: number, args: readonly string[] = []): Promise<RedisNode> {
  await assertFree(port);
  const dir = mkdtempSync(join(tmpdir(), `sess-redis-${port}-`));
  folders.add(dir);
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...args],
      { stdio: 'ignore' },
    );
    const started = child;
    // Without a listener, a failed spawn (ENOENT) would be an uncaught 'error' event.
    started.once('error', () => {});
    if (started.pid === undefined) throw new Error('could not start redis-server (is it installed? apt-get install redis-server)');
    running.set(started.pid, started);
    exited = new Promise<void>((resolve) => {
      started.once('exit', () => {
        running.delete(started.pid!);
        resolve();
      });
    });
    await waitForPort(port, 5_000, started);
  };
  const kill = async () => {
    if (child.pid === undefined) return; // never started
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    await exited;
  };
  const node: RedisNode = {
    port,
    get pid() {
      return child.pid!;
    },
    dir,
    kill,
    async restart() {
      await kill();
      await launch();
    },
    async remove() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
      folders.delete(dir);
    },
  };
  try {
    await launch();
  } catch (error) {
    if (child! !== undefined) await kill();
    rmSync(dir, { recursive: true, force: true });
    folders.delete(dir);
    throw error;
  }
  return node;
}

/** A running local cluster. */
export interface LocalCluster {
  /** Every node, masters first as created (`nodes[i]` for i < masters is a master at start). */
  readonly nodes: readonly RedisNode[];
  /** `redis://127.0.0.1:P` of every node, for `rootNodes` or `REDIS_CLUSTER_NODES`. */
  readonly urls: readonly string[];
  /** Kills every node still running (by its pid) and removes their folders. Idempotent. */
  stop(): Promise<void>;
}

/** What one node says about itself. */
async function nodeInfo(port: number, section: string): Promise<Record<string, string>> {
  const client = createClient({ url: `redis://127.0.0.1:${port}` });
  client.on('error', () => {});
  await client.connect();
  try {
    const text = section === 'cluster' ? await client.clusterInfo() : await client.info(section);
    const fields: Record<string, string> = {};
    for (const line of String(text).split(/\r?\n/)) {
      const at = line.indexOf(':');
      if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trim();
    }
    return fields;
  } finally {
    client.destroy();
  }
}

/** Polls `check` every 50 ms until it holds, or throws `what` after `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet (a node still starting)
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The role a node has now, from `INFO replication`: `'master'` or `'slave'`. */
export async function roleOf(port: number): Promise<string | undefined> {
  return (await nodeInfo(port, 'replication'))['role'];
}

/**
 * Waits until every node reports `cluster_state:ok` and every replica `master_link_status:up`
 * (a replica whose first sync is not done cannot be promoted: RECIPE.md).
 */
export async function waitForHealthyCluster(ports: readonly number[], timeoutMs = 20_000): Promise<void> {
  await waitUntil('cluster_state:ok on every node, and every replica in sync', timeoutMs, async () => {
    for (const port of ports) {
      if ((await nodeInfo(port, 'cluster'))['cluster_state'] !== 'ok') return false;
      const replication = await nodeInfo(port, 'replication');
      if (replication['role'] === 'slave' && replication['master_link_status'] !== 'up') return false;
    }
    return true;
  });
}

/**
 * Starts `masters` masters with one replica each on `basePort`, `basePort + 1`, ... (and the
 * cluster bus on each port + 10000), with a node timeout of `nodeTimeoutMs` so that a failover
 * takes about a second or two; resolves once the cluster is healthy.
 */
export async function startLocalCluster(options: { basePort: number; masters?: number; nodeTimeoutMs?: number }): Promise<LocalCluster> {
  const { basePort, masters = 3, nodeTimeoutMs = 1000 } = options;
  const ports = Array.from({ length: masters * 2 }, (_, i) => basePort + i);
  const nodes: RedisNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.remove()));
  };
  try {
    for (const port of ports) await Promise.all([assertFree(port), assertFree(port + 10_000)]);
    nodes.push(
      ...(await Promise.all(
        ports.map((port) =>
          startRedisNode(port, [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', 'nodes.conf',
            '--cluster-node-timeout', String(nodeTimeoutMs),
            // A replica promotes itself however long its link was down (tests kill masters at will).
            '--cluster-replica-validity-factor', '0',
            // A replica's sync starts at once (Redis 7 waits 5 s for more replicas by default).
            '--repl-diskless-sync-delay', '0',
          ]),
        ),
      )),
    );
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0) {
      throw new Error(`redis-cli --cluster create failed (${create.status}): ${(create.stdout + create.stderr).slice(-1000)}`);
    }
    await waitForHealthyCluster(ports);
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, urls: ports.map((port) => `redis://127.0.0.1:${port}`), stop };
}

// As a command: start a cluster and keep it until Ctrl-C.
if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const basePort = Number(process.argv[2] ?? 17101);
  const cluster = await startLocalCluster({ basePort });
  console.log(`REDIS_CLUSTER_NODES=${cluster.urls.join(',')}`);
  process.once('SIGINT', () => void cluster.stop().then(() => process.exit(0)));
}
