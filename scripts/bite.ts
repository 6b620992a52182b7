/**
 * How reliably the suite bites: every broken fixture checked from N random seeds (default 30) with
 * its property, counting what the gallery test asserts once per CI run: caught within the default
 * runs, the message naming the broken rule, a shrunk story of at most 6 steps (`racy-*`: any), and
 * the seed and path replaying the same rule. Also how many runs a catch took (p50, p99, max) when
 * the runs are not capped at the default, so a fixture caught "just in time" shows up before it
 * turns into a flaky CI.
 *
 *   npx jiti scripts/bite.ts [N] [name-filter]
 *
 * Exits 1 if anything missed. Slow on purpose (a few minutes for N = 30 on 2 cores).
 */
import { readdirSync } from 'node:fs';
import type { BackendFactory } from '../src/backend.js';
import { checkProperty } from '../properties/check.js';
import { conformanceProperties } from '../properties/index.js';
import { realTimeProperties } from '../properties/clock-modes.js';
import { BROKEN_RULE } from '../fixtures/backends/support/broken-rules.js';

interface Fixture {
  default: BackendFactory;
  callTimeoutMs?: number;
  expectation: { verdict: 'passes' } | { verdict: 'fails'; property: string; bug: string; clock?: 'real-time' };
}

const seeds = Number(process.argv[2] ?? 30);
const filter = process.argv[3] ?? '';
const directory = new URL('../fixtures/backends/', import.meta.url);
const names = readdirSync(directory)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file.includes(filter))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();

let problems = 0;
console.log(`${seeds} seeds per broken fixture; runs to catch with no cap (p50 / p99 / max) against the default`);
for (const name of names) {
  const fixture = (await import(new URL(`${name}.ts`, directory).href)) as Fixture;
  if (fixture.expectation.verdict !== 'fails') continue;
  const wanted = fixture.expectation.property;
  // A fixture whose bug shows only in real time: its real-time property (each run waits, so N seeds take minutes).
  const property = fixture.expectation.clock === 'real-time' ? realTimeProperties.get(wanted)! : conformanceProperties.find((candidate) => candidate.name === wanted)!;
  const racy = name.startsWith('racy-');
  const rule = racy ? /SPEC §[245]/ : BROKEN_RULE[name]!;
  const runsToCatch: number[] = [];
  const notes: string[] = [];
  let longest = 0;
  for (let i = 0; i < seeds; i++) {
    const timeout = fixture.callTimeoutMs === undefined ? {} : { callTimeoutMs: fixture.callTimeoutMs };
    const report = await checkProperty(property, fixture.default, { ...timeout, runs: property.defaultRuns * 10 });
    if (report.verdict !== 'failed') {
      runsToCatch.push(Infinity);
      notes.push(`not caught in ${property.defaultRuns * 10} runs, seed ${report.seed}`);
      continue;
    }
    runsToCatch.push(report.runs);
    const failure = report.failure!;
    const first = failure.message.split('\n')[0]!;
    longest = Math.max(longest, failure.steps.length);
    if (report.runs > property.defaultRuns) notes.push(`caught only after ${report.runs} runs, seed ${report.seed}`);
    if (!rule.test(failure.message)) notes.push(`names another rule, seed ${report.seed}: ${first}`);
    if (!racy && failure.steps.length > 6) notes.push(`${failure.steps.length} steps, seed ${report.seed} path ${failure.path}`);
    const replay = await checkProperty(property, fixture.default, { ...timeout, seed: report.seed, path: failure.path });
    if (replay.failure?.message.split('\n')[0] !== first) notes.push(`replay differs, seed ${report.seed} path ${failure.path}`);
  }
  runsToCatch.sort((a, b) => a - b);
  const at = (q: number) => runsToCatch[Math.min(runsToCatch.length - 1, Math.floor(q * runsToCatch.length))];
  problems += notes.length;
  console.log(
    `${notes.length === 0 ? 'ok  ' : 'MISS'} ${name.padEnd(26)} ${property.name.padEnd(19)} runs ${at(0.5)} / ${at(0.99)} / ${runsToCatch.at(-1)} of ${property.defaultRuns}, longest story ${longest} steps`,
  );
  for (const note of notes.slice(0, 5)) console.log(`       ${note}`);
}
process.exitCode = problems === 0 ? 0 : 1;
