/**
 * `npm run stores`: the conformance suite, through `fromExpressStore` (sess/express), on the
 * express-session stores people run, and `docs/stores.md` from what it found.
 *
 * Each store runs in a child process of its own (`--child ID`) with a time limit, so that a store
 * that kills or wedges its process costs only its own results, and that crash is reported as one.
 * A child runs, over the fixture module in fixtures/express/ID.ts:
 *
 * 1. the suite with the adapter's in-process lock (`lock: 'in-process'`, the module's default
 *    export): what the store is judged by. Every property at its default runs, except key-quality:
 *    through the adapter, keys come from sess's generateSessionKey(), not from the store, so it runs
 *    once (1 run, 10,000 keys) on MemoryStore only (30,000 writes cost minutes on a networked store);
 * 2. the two concurrency properties without the lock (the module's `unlocked` export), as
 *    express-session calls a store: what fails there and not under the lock is the Store API's
 *    read-then-write, a limit of the express Store contract, not a bug of the store;
 *
 * 3. for a store whose expiry runs on a server's clock (`clock: 'server'` in the catalogue: Redis
 *    `EX`), `backend-model` in real time (`realTime`) over the module's `realTime` export, which
 *    leaves expiry to the store: what judges that expiry, which the simulated runs report as not
 *    checked;
 *
 * the first two with `Date` following the run's clock (dateFollowsClock), then the module's
 * `cleanup()` (its table, key prefix or directory goes).
 *
 *   npm run stores                          # every store, docs/stores.md rewritten
 *   npm run stores -- --only memorystore    # some stores (the report then holds only them)
 *   npm run stores -- --seed 42             # one seed for every run (default: random, printed)
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { BackendFactory } from '../src/backend.js';
import { listProperties, runWithDateFollowingClock, type PropertyReport } from '../fixtures/express/support/run-suite.js';
import { STORES, type StoreEntry } from './stores/catalogue.js';
import { writeStoreReport, type StoreOutcome } from './stores/report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** A store's whole child run may take this long; past it, the child is killed and reported so. */
const CHILD_TIME_LIMIT_MS = 240_000;
const RACE_PROPERTIES = ['linearizability', 'manager-races'];

/** One line of a child's results file. */
export type Phase = 'locked' | 'unlocked' | 'real-time';
export type ChildLine =
  | { kind: 'property'; phase: Phase; report: PropertyReport }
  | { kind: 'done'; phase: Phase; durationMs: number }
  | { kind: 'cleanup'; error?: string };

async function child(id: string, out: string, seed: number): Promise<void> {
  const entry = STORES.find((s) => s.id === id);
  if (entry === undefined) throw new Error(`unknown store ${id}`);
  const fixture = (await import(pathToFileURL(join(root, entry.fixture)).href)) as {
    default: BackendFactory;
    unlocked: BackendFactory;
    realTime?: BackendFactory;
    cleanup?: () => Promise<void>;
  };
  const write = (line: ChildLine) => appendFileSync(out, `${JSON.stringify(line)}\n`);
  const others = listProperties().map((p) => p.name).filter((name) => name !== 'key-quality');
  const phases: Array<{ phase: Phase; factory: BackendFactory; runs: Array<{ only: string[]; runs?: number; realTime?: boolean }> }> = [
    { phase: 'locked', factory: fixture.default, runs: [{ only: others }, ...(entry.keyQuality ? [{ only: ['key-quality'], runs: 1 }] : [])] },
    { phase: 'unlocked', factory: fixture.unlocked, runs: [{ only: RACE_PROPERTIES }] },
  ];
  if (entry.clock === 'server') {
    if (fixture.realTime === undefined) throw new Error(`${entry.fixture} has no realTime export: a store whose expiry runs on a server's clock needs one`);
    phases.push({ phase: 'real-time', factory: fixture.realTime, runs: [{ only: ['backend-model'], realTime: true }] });
  }
  try {
    for (const { phase, factory, runs } of phases) {
      const started = performance.now();
      for (const run of runs) {
        await runWithDateFollowingClock(factory, { seed, ...run, onResult: (report) => write({ kind: 'property', phase, report }) });
      }
      write({ kind: 'done', phase, durationMs: performance.now() - started });
    }
  } finally {
    try {
      await fixture.cleanup?.();
      write({ kind: 'cleanup' });
    } catch (error) {
      write({ kind: 'cleanup', error: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** Runs one store's child and reads back what it wrote, whatever became of it. */
function runChild(entry: StoreEntry, seed: number, scratch: string): Promise<StoreOutcome> {
  const out = join(scratch, `${entry.id}.jsonl`);
  const started = performance.now();
  return new Promise((resolve) => {
    const proc = spawn(
      process.execPath,
      [join(root, 'node_modules', 'jiti', 'lib', 'jiti-cli.mjs'), fileURLToPath(import.meta.url), '--child', entry.id, '--out', out, '--seed', String(seed)],
      // The child's temporary files (session-file-store's directory, the SQLite file) go inside
      // this run's scratch folder, removed at the end even when the child was killed.
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: scratch } },
    );
    let stderr = '';
    proc.stdout.on('data', () => undefined);
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, CHILD_TIME_LIMIT_MS);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      const lines: ChildLine[] = existsSync(out)
        ? readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ChildLine)
        : [];
      resolve({
        entry,
        seed,
        wallMs: performance.now() - started,
        lines,
        ...(code !== 0 || timedOut
          ? { crash: timedOut ? `killed after the ${CHILD_TIME_LIMIT_MS / 1000} s limit` : `exited with ${signal ?? `code ${code}`}`, stderr }
          : {}),
      });
    });
  });
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const seed = Number(argument('--seed') ?? Math.floor(Math.random() * 0x7fffffff));
  const childId = argument('--child');
  if (childId !== undefined) return child(childId, argument('--out')!, seed);

  const only = argument('--only')?.split(',');
  const unknown = only?.filter((id) => !STORES.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown store ${unknown.join(', ')}: the stores are ${STORES.map((s) => s.id).join(', ')}`);
  const chosen = STORES.filter((s) => only === undefined || only.includes(s.id));
  const scratch = mkdtempSync(join(tmpdir(), 'sess-stores-'));
  const outcomes: StoreOutcome[] = [];
  // Run times mean little without the load they were taken under (shared machines).
  const machine = `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the start, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z`;
  const started = performance.now();
  try {
    for (const entry of chosen) {
      console.log(`[stores] ${entry.id} ...`);
      const outcome = await runChild(entry, seed, scratch);
      const failed = outcome.lines.filter((l) => l.kind === 'property' && l.phase === 'locked' && l.report.verdict === 'failed').length;
      console.log(`[stores] ${entry.id}: ${outcome.crash ?? `${failed} properties failed`} (${(outcome.wallMs / 1000).toFixed(1)} s)`);
      outcomes.push(outcome);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const file = join(root, 'docs', 'stores.md');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, writeStoreReport(outcomes, { seed, totalMs: performance.now() - started, root, machine }));
  console.log(`[stores] wrote docs/stores.md (seed ${seed}, ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
