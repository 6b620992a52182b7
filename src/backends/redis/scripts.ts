/**
 * The Lua scripts that make `generate`, `set`, `touch` and `sweep` one round trip each and
 * atomic (SPEC §4: "check liveness and write in one step, never read-then-write").
 *
 * Every script takes the clock instant as an argument (`now`, ms by the backend's injected clock)
 * instead of reading Redis's own `TIME`: expiry is data, checked against the injected clock
 * (SPEC §4). Instants are passed and stored as the text JavaScript prints for them and compared
 * with `tonumber` (a double, as in JavaScript): Lua's own number-to-text would round to 14 digits.
 *
 * The native TTL (`PEXPIRE`, relative, in ms) is `period + margin`: it only reclaims memory, later
 * than the logical expiry. Relative rather than `PEXPIREAT`: an absolute instant would be read on
 * Redis's wall clock, which neither a `ManualClock` nor an application host with a skewed clock
 * shares; a relative TTL lands `margin` after the logical expiry whenever the clocks run at the
 * same rate.
 */
import { defineScript } from 'redis';

/** A script with its SHA1, as node-redis computes it. */
export interface LuaScript {
  readonly name: string;
  readonly SCRIPT: string;
  readonly SHA1: string;
}

function script(name: string, source: string): LuaScript {
  // defineScript is used for its SHA1 only: the scripts are run by runScript below, so that they
  // also work on a client the caller created without them in its `scripts` option.
  const { SHA1 } = defineScript({ SCRIPT: source, NUMBER_OF_KEYS: 1, parseCommand() {}, transformReply: () => null as never });
  return { name, SCRIPT: source, SHA1 };
}

/**
 * `generate`: KEYS[1] record; ARGV expiresAt, ttlMs[, value]. Writes only if the key is free (a
 * fresh key never overwrites a record, SPEC §2). Returns 1 if written, 0 if the key was taken.
 */
export const GENERATE = script(
  'generate',
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if #ARGV >= 3 then
  redis.call('HSET', KEYS[1], 'expiresAt', ARGV[1], 'value', ARGV[3])
else
  redis.call('HSET', KEYS[1], 'expiresAt', ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`,
);

/**
 * `set` and `touch`: KEYS[1] record; ARGV now, expiresAt, ttlMs[, value]. Only a live record is
 * updated (SPEC §4: never revive); a dead one is deleted on the way (reclaimed early). With a
 * value it is replaced; without, the value (or its absence) is left as it is (`touch`).
 * Returns 1 if updated, 0 if the record was missing or dead.
 */
export const RESTART = script(
  'restart',
  `
local stored = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if stored == nil then return 0 end
if tonumber(ARGV[1]) > stored then
  redis.call('DEL', KEYS[1])
  return 0
end
if #ARGV >= 4 then
  redis.call('HSET', KEYS[1], 'expiresAt', ARGV[2], 'value', ARGV[4])
else
  redis.call('HSET', KEYS[1], 'expiresAt', ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`,
);

/**
 * `sweep`, one SCAN batch: KEYS the batch; ARGV now. Deletes the records that are dead by the
 * clock; anything else under the prefix (not a hash, no numeric expiresAt) is left alone.
 * Returns how many were deleted.
 */
export const SWEEP_BATCH = script(
  'sweep',
  `
local now = tonumber(ARGV[1])
local dropped = 0
for _, key in ipairs(KEYS) do
  if redis.call('TYPE', key).ok == 'hash' then
    local stored = tonumber(redis.call('HGET', key, 'expiresAt'))
    if stored ~= nil and now > stored then
      redis.call('DEL', key)
      dropped = dropped + 1
    end
  end
end
return dropped
`,
);

/** What the backend needs from a node-redis client: one way to send a command. */
export interface RedisCommandSender {
  sendCommand(args: string[]): Promise<unknown>;
}

/** Sends one command and resolves its raw reply (to the node that owns the script's key, on a cluster). */
export type SendCommand = (args: string[]) => Promise<unknown>;

/**
 * Runs a script with `EVALSHA`; when Redis answers `NOSCRIPT` (first use, its script cache was
 * flushed by a restart or `SCRIPT FLUSH`, or, on a cluster, a node that never ran it: a replica
 * just promoted by a failover, a node added since), sends it once with `EVAL`, which also caches
 * it. `send` routes both to the same node. `onReload` is told when that happened (a `WAIT` sent
 * behind the `EVALSHA` does not cover the `EVAL`). Written here rather than with the client's
 * `scripts` option (which does the same) so that it works on any client, including one the
 * caller created without our scripts, and so that a cluster routes it by our key (node-redis#2811).
 */
export async function runScript(
  send: SendCommand,
  lua: LuaScript,
  keys: readonly string[],
  args: readonly string[],
  onReload?: () => void,
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await send(['EVALSHA', lua.SHA1, ...tail]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    onReload?.();
    return await send(['EVAL', lua.SCRIPT, ...tail]);
  }
}
