#!/usr/bin/env node
/**
 * The second half of `npm run mutation`: reads Stryker's JSON report (reports/mutation/mutation.json)
 * and writes reports/mutation/summary.md: the score per file and overall, every surviving or
 * uncovered mutant with its place and replacement, and the mutants left out of the score (those
 * disabled in the source with their reason, and the static ones). Prints the same text and exits
 * non-zero when a file, or the whole, scores under 90 %.
 *
 * Score as Stryker counts it: (killed + timed out) / (killed + timed out + survived + no coverage).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const THRESHOLD = 90;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reportPath = join(root, process.argv[2] ?? 'reports/mutation/mutation.json');
const summaryPath = join(dirname(reportPath), 'summary.md');

const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const detected = new Set(['Killed', 'Timeout']);
const undetected = new Set(['Survived', 'NoCoverage']);

const rows = [];
const open = [];
const left = [];
let totals = { detected: 0, undetected: 0, ignored: 0, errors: 0 };
for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const lines = source.split('\n');
  const counts = { detected: 0, undetected: 0, ignored: 0, errors: 0 };
  for (const mutant of mutants) {
    const where = `${file}:${mutant.location.start.line}:${mutant.location.start.column}`;
    const code = lines[mutant.location.start.line - 1]?.trim() ?? '';
    const what = `${where} ${mutant.mutatorName}: \`${code.slice(0, 100)}\` -> \`${String(mutant.replacement ?? '').slice(0, 80)}\``;
    if (detected.has(mutant.status)) counts.detected++;
    else if (undetected.has(mutant.status)) {
      counts.undetected++;
      open.push(`- ${mutant.status}: ${what}`);
    } else if (mutant.status === 'Ignored') {
      counts.ignored++;
      left.push(`- ${what} (${mutant.statusReason ?? 'ignored'})`);
    } else counts.errors++;
  }
  for (const key of Object.keys(totals)) totals[key] += counts[key];
  rows.push({ file, ...counts });
}

const score = ({ detected: d, undetected: u }) => (d + u === 0 ? 100 : (100 * d) / (d + u));
const format = (row) =>
  `| ${row.file} | ${score(row).toFixed(2)} | ${row.detected} | ${row.undetected} | ${row.ignored} | ${row.errors} |`;
const failing = rows.filter((row) => score(row) < THRESHOLD);
const text = [
  '# Mutation score',
  '',
  `Stryker ${report.schemaVersion ? `report schema ${report.schemaVersion}` : ''}; score = (killed + timed out) / (killed + timed out + survived + no coverage).`,
  '',
  '| file | score % | killed or timed out | survived or not covered | left out | errors |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(format),
  format({ file: '**all files**', ...totals }),
  '',
  `## Survived or not covered (${open.length})`,
  '',
  ...(open.length === 0 ? ['none'] : open),
  '',
  `## Left out of the score (${left.length}): disabled in the source with a reason, or static`,
  '',
  ...(left.length === 0 ? ['none'] : left),
  '',
].join('\n');
writeFileSync(summaryPath, text);
console.log(text);
console.log(`summary written to ${summaryPath}`);
if (failing.length > 0 || score(totals) < THRESHOLD) {
  console.error(`under ${THRESHOLD} %: ${failing.map((row) => row.file).join(', ') || 'all files'}`);
  process.exit(1);
}
