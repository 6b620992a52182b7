/**
 * How the backend reaches the node that holds a key: one Redis server, or a Redis Cluster where
 * each key lives on the master that owns its hash slot.
 *
 * On a cluster every operation is one single-key command or one single-key script (SPEC §4's
 * one step), sent with that key as the routing key, so it lands on one slot's master: no
 * multi-key `MGET`/`DEL` that would fail with `CROSSSLOT` (connect-redis#360). Only `size()`,
 * `sweep()` and the namespace drop on `close()` touch many keys: they `SCAN` each master in turn
 * and then act key by key.
 */
import type { RedisCommandSender, SendCommand } from './scripts.js';

/** What the backend needs from a node-redis cluster client (`createCluster`). */
export interface RedisClusterCommandSender {
  /** Sends `args` to the master owning `firstKey`'s slot (node-redis follows MOVED/ASK). */
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  /** The masters known now. */
  readonly masters: readonly unknown[];
  /** The connection to one of {@link masters}. */
  nodeClient(node: never): RedisCommandSender | Promise<RedisCommandSender>;
  /** The connection to the master owning `key`'s slot (for `WAIT`, which must follow the write on it). */
  getNodeClientForKey?(key: string, isReadonly?: boolean): Promise<RedisCommandSender>;
}

/** The way to the data. */
export interface Route {
  /** Whether this is a cluster: commands with several keys must not cross slots. */
  readonly cluster: boolean;
  /** A sender for commands whose only key is `key`. */
  forKey(key: string): SendCommand;
  /**
   * A sender for `WAIT` after a write of `key`: on the very connection the write went over (WAIT
   * counts the replicas that acknowledged that connection's writes). On a cluster, node-redis
   * would fan a keyless WAIT out to every master (its command table says all_shards), so it
   * goes to the key's master directly.
   */
  waitAfter(key: string): SendCommand;
  /** One sender per master, for `SCAN` (each master holds its own part of the keyspace). */
  masters(): Promise<RedisCommandSender[]>;
}

/** Whether `client` is a cluster client (duck-typed, so that any node-redis 6.x build works). */
export function isClusterClient(client: unknown): client is RedisClusterCommandSender {
  const candidate = client as Partial<RedisClusterCommandSender> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    Array.isArray(candidate.masters) &&
    typeof candidate.nodeClient === 'function' &&
    typeof candidate.sendCommand === 'function'
  );
}

export function singleNodeRoute(client: RedisCommandSender): Route {
  const send: SendCommand = (args) => client.sendCommand(args);
  return {
    cluster: false,
    forKey: () => send,
    waitAfter: () => send,
    masters: async () => [client],
  };
}

export function clusterRoute(cluster: RedisClusterCommandSender): Route {
  return {
    cluster: true,
    // Writes and reads alike go to the slot's master: reads from a replica could miss the last
    // write (replication is asynchronous) and break linearizability (SPEC §4).
    forKey: (key) => (args) => cluster.sendCommand(key, false, args),
    waitAfter: (key) => async (args) => {
      if (cluster.getNodeClientForKey === undefined) {
        throw new TypeError('this cluster client has no getNodeClientForKey (node-redis >= 6 has it): waitForReplicas needs it');
      }
      return (await cluster.getNodeClientForKey(key, false)).sendCommand(args);
    },
    masters: () => Promise.all(cluster.masters.map((node) => cluster.nodeClient(node as never))),
  };
}
