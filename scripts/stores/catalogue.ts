/**
 * The stores `npm run stores` checks: their packages, the fixture that adapts each
 * (fixtures/express/), and whose clock decides their expiry.
 */

export interface StoreEntry {
  /** The fixture's file name in fixtures/express/, and `--only`'s name for it. */
  readonly id: string;
  /** The npm package of the store, and of its drivers (versions are read from node_modules). */
  readonly packages: readonly string[];
  /** Where a package sits when it is not at node_modules/<name> (a store's own copy of a driver). */
  readonly packagePaths?: Readonly<Record<string, string>>;
  readonly fixture: string;
  /** What it keeps sessions in. */
  readonly medium: string;
  /**
   * `date`: the store computes instants with JavaScript's Date, which follows the run's clock, so its
   * own expiry is checked. `server`: a server's clock decides (Redis `EX`), which no simulated clock
   * moves: the simulated runs judge expiry from the cookie and report the store's own as not checked;
   * `backend-model` then runs in real time over the fixture's `realTime` export to check it.
   */
  readonly clock: 'date' | 'server';
  /** For `clock: 'server'`: what a real-time pass does not tell apart (the tolerance's share). */
  readonly realTimeNote?: string;
  /**
   * Whether `key-quality` runs on it. Through the adapter every key comes from sess's
   * `generateSessionKey()`, never from the store, so it checks the adapter: run once, on the
   * in-process MemoryStore, rather than as 10,000 writes (minutes) on every networked store.
   */
  readonly keyQuality?: boolean;
  /** What the adapter's own tests showed on the real package, that the suite's runs do not reach. */
  readonly notes?: readonly string[];
}

export const STORES: readonly StoreEntry[] = [
  { id: 'memory-store', packages: ['express-session'], fixture: 'fixtures/express/memory-store.ts', medium: "express-session's MemoryStore (this process)", clock: 'date', keyQuality: true },
  { id: 'memorystore', packages: ['memorystore'], fixture: 'fixtures/express/memorystore.ts', medium: 'an LRU cache in this process', clock: 'date' },
  {
    id: 'connect-redis',
    packages: ['connect-redis', 'redis'],
    fixture: 'fixtures/express/connect-redis.ts',
    medium: 'the local Redis, a key prefix of its own',
    clock: 'server',
    realTimeNote:
      'connect-redis sets `EX` to `Math.ceil` of the seconds left, so a session may outlive its cookie by under a second: the tolerance accepts that, so a pass here does not tell it apart from an exact expiry.',
  },
  { id: 'connect-pg-simple', packages: ['connect-pg-simple', 'pg'], fixture: 'fixtures/express/connect-pg-simple.ts', medium: 'the local PostgreSQL, a table of its own', clock: 'date' },
  {
    id: 'express-mysql-session',
    packages: ['express-mysql-session', 'mysql2'],
    packagePaths: { mysql2: 'node_modules/express-mysql-session/node_modules/mysql2' },
    fixture: 'fixtures/express/express-mysql-session.ts',
    medium: 'the local MariaDB, a table of its own',
    clock: 'date',
  },
  { id: 'session-file-store', packages: ['session-file-store'], fixture: 'fixtures/express/session-file-store.ts', medium: 'JSON files in a directory of its own', clock: 'date' },
  {
    id: 'connect-session-knex',
    packages: ['connect-session-knex', 'knex', 'pg'],
    fixture: 'fixtures/express/connect-session-knex.ts',
    medium: 'a PostgreSQL table of its own (knex over pg)',
    clock: 'date',
    notes: [
      'When its database fails, `get`, `set` and `destroy` pass the error to the callback *and* rethrow it from the `async` method: ' +
        'express-session ignores what a store returns, so that rejection is unhandled, and Node >= 15 exits on it. `touch` has no ' +
        '`try` at all: a failed write never calls back (the request hangs) and rejects unhandled. The suite never makes its database ' +
        "fail, so this is not among the findings below; src/express/backend.test.ts shows the rethrow on the real package (the adapter " +
        'names it `rejected-after-callback`) and the silent touch on a store written like it (`rejected-without-callback`).',
    ],
  },
];
