#!/usr/bin/env node
/**
 * `npm run mutation`: Stryker on the core files, group by group (stryker.config.mjs), then one
 * summary of them all in reports/mutation/summary.md: the score per file and overall, the wall
 * time of each group, every surviving or uncovered mutant with its place and replacement, and the
 * mutants left out of the score with the reason given in the source. Exits non-zero when a file,
 * or the whole, scores under 90 %, or when a Stryker run fails.
 *
 *   npm run mutation                     every group
 *   npm run mutation -- --group core     one group (the summary then covers only its files)
 *   npm run mutation -- --summary        only the summary, from the reports already written
 *
 * Mutants in code that runs at module load ("static") are not run in the main pass (each would
 * re-run every test of its group); they get a pass of their own afterwards, Stryker run again with
 * `mutate` narrowed to exactly their places, so they are scored like the rest.
 *
 * Score as Stryker counts it: (killed + timed out) / (killed + timed out + survived + no coverage).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATION_GROUPS } from '../stryker.config.mjs';

const THRESHOLD = 90;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reports = join(root, 'reports/mutation');
const args = process.argv.slice(2);
const only = args.includes('--group') ? args[args.indexOf('--group') + 1] : undefined;
if (only !== undefined && !(only in MUTATION_GROUPS)) {
  console.error(`--group: no group ${only}; groups: ${Object.keys(MUTATION_GROUPS).join(', ')}`);
  process.exit(2);
}
const groups = only === undefined ? Object.keys(MUTATION_GROUPS) : [only];
const reportOf = (group, pass) => join(reports, `${group}${pass === 'static' ? '-static' : ''}.json`);
const timesPath = join(reports, 'times.json');
const readJson = (path, absent) => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : absent);
const times = readJson(timesPath, {});

/** One Stryker run; returns its wall time in seconds. */
function stryker(group, env = {}) {
  const started = Date.now();
  const result = spawnSync('npx', ['stryker', 'run'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SESS_MUTATION_GROUP: group, ...env },
  });
  if (result.status !== 0) {
    console.error(`stryker failed on group ${group} (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
  return (Date.now() - started) / 1000;
}

const isStatic = (mutant) => mutant.status === 'Ignored' && /static/i.test(mutant.statusReason ?? '');

if (!args.includes('--summary')) {
  mkdirSync(reports, { recursive: true });
  for (const group of groups) {
    rmSync(reportOf(group, 'static'), { force: true });
    times[group] = { main: stryker(group) };
    const ranges = [];
    for (const [file, { mutants }] of Object.entries(readJson(reportOf(group)).files)) {
      for (const { location: { start, end } } of mutants.filter(isStatic)) {
        // A `mutate` range's lines count from 1 as the report's do, its columns from 0 (the report's from 1).
        ranges.push(`${file}:${start.line}:${start.column - 1}-${end.line}:${end.column - 1}`);
      }
    }
    if (ranges.length > 0) {
      console.log(`\n${group}: ${ranges.length} static mutant(s), each run against every test of the group\n`);
      times[group].static = stryker(group, { SESS_MUTATION_STATIC: JSON.stringify(ranges) });
    }
  }
  writeFileSync(timesPath, `${JSON.stringify(times, null, 2)}\n`);
}

// One report of every group: the static pass's verdicts replace the main pass's "Ignored".
const files = {};
for (const group of groups) {
  if (!existsSync(reportOf(group))) {
    console.error(`no report for group ${group}: run npm run mutation${only ? ` -- --group ${group}` : ''} first`);
    process.exit(1);
  }
  const main = readJson(reportOf(group)).files;
  const again = readJson(reportOf(group, 'static'), { files: {} }).files;
  const place = ({ mutatorName, replacement, location: { start, end } }) =>
    `${mutatorName} ${start.line}:${start.column}-${end.line}:${end.column} ${replacement}`;
  for (const [file, entry] of Object.entries(main)) {
    const rerun = new Map((again[file]?.mutants ?? []).map((mutant) => [place(mutant), mutant]));
    files[file] = {
      group,
      source: entry.source,
      mutants: entry.mutants.map((mutant) => (isStatic(mutant) && rerun.has(place(mutant)) ? { ...rerun.get(place(mutant)), staticPass: true } : mutant)),
    };
  }
}

const detected = new Set(['Killed', 'Timeout']);
const undetected = new Set(['Survived', 'NoCoverage']);
const rows = [];
const open = [];
const left = [];
const totals = { detected: 0, undetected: 0, ignored: 0, errors: 0, static: 0 };
for (const [file, { group, source, mutants }] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
  const lines = source.split('\n');
  const counts = { detected: 0, undetected: 0, ignored: 0, errors: 0, static: 0 };
  for (const mutant of mutants) {
    const where = `${file}:${mutant.location.start.line}:${mutant.location.start.column}`;
    const code = lines[mutant.location.start.line - 1]?.trim() ?? '';
    const what = `${where} ${mutant.mutatorName}: \`${code.slice(0, 100)}\` -> \`${String(mutant.replacement ?? '').slice(0, 80)}\``;
    if (mutant.staticPass) counts.static++;
    if (detected.has(mutant.status)) counts.detected++;
    else if (undetected.has(mutant.status)) {
      counts.undetected++;
      open.push(`- ${mutant.status}${mutant.staticPass ? ' (static)' : ''}: ${what}`);
    } else if (mutant.status === 'Ignored') {
      counts.ignored++;
      left.push(`- ${what} (${mutant.statusReason ?? 'ignored'})`);
    } else {
      counts.errors++;
      open.push(`- ${mutant.status}: ${what} (${mutant.statusReason ?? ''})`);
    }
  }
  for (const key of Object.keys(totals)) totals[key] += counts[key];
  rows.push({ file, group, ...counts });
}

const score = ({ detected: d, undetected: u }) => (d + u === 0 ? 100 : (100 * d) / (d + u));
const format = (row) =>
  `| ${row.file} | ${row.group} | ${score(row).toFixed(1)} | ${row.detected} | ${row.undetected} | ${row.static} | ${row.ignored} | ${row.errors} |`;
const minutes = (seconds) => `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
const timeLines = groups.map((group) => {
  const t = times[group] ?? {};
  return `- ${group}: ${t.main === undefined ? 'not timed' : minutes(t.main)}${t.static === undefined ? '' : ` + ${minutes(t.static)} for its static mutants`}`;
});
const wall = groups.reduce((sum, group) => sum + (times[group]?.main ?? 0) + (times[group]?.static ?? 0), 0);
const failing = rows.filter((row) => score(row) < THRESHOLD);
const text = [
  '# Mutation score',
  '',
  'Score = (killed + timed out) / (killed + timed out + survived + no coverage). Each group runs only its own tests',
  '(stryker.config.mjs), so a score is what those tests alone catch.',
  '',
  '| file | group | score % | killed or timed out | survived or not covered | static, in their own pass | left out | errors |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(format),
  format({ file: '**all files**', group: '', ...totals }),
  '',
  `Wall time ${minutes(wall)}:`,
  ...timeLines,
  '',
  `## Survived, not covered or in error (${open.length})`,
  '',
  ...(open.length === 0 ? ['none'] : open),
  '',
  `## Left out of the score (${left.length}): disabled in the source with a reason`,
  '',
  ...(left.length === 0 ? ['none'] : left),
  '',
].join('\n');
writeFileSync(join(reports, 'summary.md'), text);
console.log(text);
console.log(`summary written to ${join(reports, 'summary.md')}`);
if (failing.length > 0 || score(totals) < THRESHOLD) {
  console.error(`under ${THRESHOLD} %: ${failing.map((row) => row.file).join(', ') || 'all files'}`);
  process.exit(1);
}
