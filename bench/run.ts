/**
 * `npm run bench`: where sess stands against what users would pick instead (issue 7).
 *
 *     npm run bench                       all cases; table on stdout, figures in bench/results.json
 *     npm run bench -- --only <case>      one case (repeatable)
 *     npm run bench -- --quick            tiny budgets, for smoke checks (or BENCH_QUICK=1)
 *     npm run bench -- --json             the JSON on stdout instead of the table
 *     npm run bench -- --list             case ids
 *     npm run bench -- --markdown         the table as Markdown (for the README)
 *     npm run bench -- --from <file.json> --markdown   re-print saved results without running
 *
 * Progress goes to stderr. Exit code 0 when every case ran or was skipped, 1 when one threw, 2 on
 * a usage error. Missed targets do not change the exit code: this is a benchmark, not a test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from './case.js';
import { adversarialCookie } from './cases/adversarial-cookie.js';
import { conformanceThroughput } from './cases/conformance.js';
import { cookieParse } from './cases/cookie-parse.js';
import { indexedDb } from './cases/indexeddb.js';
import { memoryChurn, memoryFlood, memoryFootprint } from './cases/memory.js';
import { redisClusterCycle, redisCycle } from './cases/redis.js';
import { requestCycle } from './cases/request-cycle.js';
import { slowStore } from './cases/slow-store.js';
import { FULL, QUICK } from './compare.js';
import { formatMarkdown, formatTable, type BenchResults, type CaseResult } from './report.js';

/** Every case, in report order. */
export const cases: readonly BenchCase[] = [
  requestCycle,
  cookieParse,
  adversarialCookie,
  memoryFootprint,
  memoryChurn,
  memoryFlood,
  conformanceThroughput,
  slowStore,
  indexedDb,
  redisCycle,
  redisClusterCycle,
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Arguments {
  only: string[];
  quick: boolean;
  json: boolean;
  list: boolean;
  markdown: boolean;
  from: string | undefined;
  /** Where the JSON goes; undefined: nowhere (a partial or quick run). */
  output: string | undefined;
}

class UsageError extends Error {}

function parseArguments(argv: readonly string[]): Arguments {
  const parsed: Arguments = {
    only: [],
    quick: process.env['BENCH_QUICK'] === '1',
    json: false,
    list: false,
    markdown: false,
    from: undefined,
    output: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === '--quick') parsed.quick = true;
    else if (argument === '--json') parsed.json = true;
    else if (argument === '--list') parsed.list = true;
    else if (argument === '--markdown') parsed.markdown = true;
    else if (argument === '--only' || argument === '--output' || argument === '--from') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${argument} needs a value`);
      if (argument === '--only') parsed.only.push(value);
      else if (argument === '--from') parsed.from = path.resolve(value);
      else parsed.output = path.resolve(value);
    } else throw new UsageError(`unknown argument ${JSON.stringify(argument)}`);
  }
  // bench/results.json holds the figures of the README: only a full run replaces it.
  if (parsed.output === undefined && parsed.only.length === 0 && !parsed.quick) parsed.output = path.join(root, 'bench', 'results.json');
  const unknown = parsed.only.filter((id) => !cases.some((c) => c.id === id));
  if (unknown.length > 0) {
    throw new UsageError(`unknown case ${unknown.map((u) => JSON.stringify(u)).join(', ')}; cases: ${cases.map((c) => c.id).join(', ')}`);
  }
  return parsed;
}

/** Runs the selected cases; a case that throws is reported and makes the exit code 1. */
export async function runBench(args: Arguments): Promise<{ results: BenchResults; failed: string[] }> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const selected = args.only.length === 0 ? cases : cases.filter((c) => args.only.includes(c.id));
  const outcomes: CaseResult[] = [];
  const failed: string[] = [];
  for (const benchCase of selected) {
    log(`${benchCase.id}: ${benchCase.title}`);
    const started = performance.now();
    try {
      const outcome = await benchCase.run({ quick: args.quick, comparison: args.quick ? QUICK : FULL, root, log });
      const durationMs = performance.now() - started;
      if ('skipped' in outcome) {
        log(`  skipped: ${outcome.skipped}`);
        outcomes.push({ id: benchCase.id, title: benchCase.title, status: 'skipped', skipped: outcome.skipped });
      } else {
        log(`  done in ${(durationMs / 1000).toFixed(1)} s`);
        outcomes.push({ id: benchCase.id, title: benchCase.title, status: 'ran', durationMs, ...outcome });
      }
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`  FAILED: ${message}`);
      failed.push(benchCase.id);
      outcomes.push({ id: benchCase.id, title: benchCase.title, status: 'skipped', skipped: `failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  const cpus = os.cpus();
  const results: BenchResults = {
    date: new Date().toISOString(),
    quick: args.quick,
    machine: {
      node: process.version,
      platform: os.platform(),
      arch: os.arch(),
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: os.loadavg(),
    },
    cases: outcomes,
  };
  return { results, failed };
}

async function main(): Promise<number> {
  let args: Arguments;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n`);
    return 2;
  }
  if (args.list) {
    for (const c of cases) process.stdout.write(`${c.id.padEnd(20)} ${c.title}\n`);
    return 0;
  }
  if (args.from !== undefined) {
    const saved = JSON.parse(readFileSync(args.from, 'utf8')) as BenchResults;
    process.stdout.write(`${args.markdown ? formatMarkdown(saved) : formatTable(saved)}\n`);
    return 0;
  }
  const { results, failed } = await runBench(args);
  const json = `${JSON.stringify(results, null, 2)}\n`;
  if (args.json) {
    process.stdout.write(json);
  } else {
    const table = args.markdown ? formatMarkdown(results) : formatTable(results);
    if (args.output === undefined) {
      process.stdout.write(`${table}\n\n(a partial or quick run: bench/results.json left as it was; --output FILE to save)\n`);
    } else {
      writeFileSync(args.output, json);
      process.stdout.write(`${table}\n\nfigures written to ${path.relative(process.cwd(), args.output) || args.output}\n`);
    }
  }
  if (failed.length > 0) process.stderr.write(`bench: case(s) failed: ${failed.join(', ')}\n`);
  return failed.length > 0 ? 1 : 0;
}

// Run only as the entry point, so that the test can import `runBench`.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
