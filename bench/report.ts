/**
 * What a benchmark run produces (the shape of `bench/results.json`) and the table printed from it.
 */

/** One figure of a case, e.g. `{ name: 'sess median', value: 812, unit: 'ns/request' }`. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

/** A goal from issue 7 and whether this run met it. */
export interface Target {
  /** What is aimed for, in words, e.g. `'express-session / sess >= 5'`. */
  readonly goal: string;
  readonly measured: number;
  readonly met: boolean;
}

/** The outcome of one case. */
export type CaseResult =
  | {
      readonly id: string;
      readonly title: string;
      readonly status: 'ran';
      readonly durationMs: number;
      readonly figures: Figure[];
      readonly targets: Target[];
      /** How the figures were obtained, caveats: printed under the table. */
      readonly notes: string[];
      /** Raw material (per-round medians, heap samples) for whoever wants to look closer. */
      readonly detail?: unknown;
    }
  | { readonly id: string; readonly title: string; readonly status: 'skipped'; readonly skipped: string };

/** The whole run: what `bench/results.json` holds. */
export interface BenchResults {
  readonly date: string;
  readonly quick: boolean;
  readonly machine: {
    readonly node: string;
    readonly platform: string;
    readonly arch: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly loadAverage: number[];
  };
  readonly cases: CaseResult[];
}

/** A figure with three significant digits, grouped thousands for big numbers. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude === 0) return '0';
  return Number(value.toPrecision(3)).toString();
}

/** The results as a plain-text table, one block per case, targets marked met or NOT MET. */
export function formatTable(results: BenchResults): string {
  const m = results.machine;
  const lines: string[] = [
    `sess benchmarks, ${results.date}${results.quick ? ' (QUICK mode: smoke check, figures not worth quoting)' : ''}`,
    `machine: ${m.cpuModel}, ${m.cpus} cpus, ${m.memoryGiB} GiB, ${m.platform}/${m.arch}, Node ${m.node}, load ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
  ];
  const rows = results.cases.flatMap((r) =>
    r.status === 'ran'
      ? [
          ...r.figures.map((f) => [f.name, `${formatNumber(f.value)} ${f.unit}`.trimEnd()] as const),
          ...r.targets.map((t) => [`target: ${t.goal}`, `${formatNumber(t.measured)} ${t.met ? 'met' : 'NOT MET'}`] as const),
        ]
      : [],
  );
  const nameWidth = Math.max(0, ...rows.map(([name]) => name.length));
  const valueWidth = Math.max(0, ...rows.map(([, value]) => value.length));
  for (const result of results.cases) {
    lines.push('');
    if (result.status === 'skipped') {
      lines.push(`${result.id}: ${result.title}`, `  skipped: ${result.skipped}`);
      continue;
    }
    lines.push(`${result.id}: ${result.title} (${(result.durationMs / 1000).toFixed(1)} s)`);
    for (const f of result.figures) lines.push(`  ${f.name.padEnd(nameWidth)}  ${`${formatNumber(f.value)} ${f.unit}`.trimEnd().padStart(valueWidth)}`);
    for (const t of result.targets) {
      lines.push(`  ${`target: ${t.goal}`.padEnd(nameWidth)}  ${`${formatNumber(t.measured)} ${t.met ? 'met' : 'NOT MET'}`.padStart(valueWidth)}`);
    }
  }
  const notes = results.cases.flatMap((r) => (r.status === 'ran' ? r.notes.map((n) => `- ${r.id}: ${n}`) : []));
  if (notes.length > 0) lines.push('', 'notes:', ...notes);
  return lines.join('\n');
}

/** The results as a Markdown table (for the README): one row per figure and per target. */
export function formatMarkdown(results: BenchResults): string {
  const m = results.machine;
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    `Measured ${results.date.slice(0, 10)} on ${m.cpuModel} (${m.cpus} cpus, ${m.memoryGiB} GiB, shared with other jobs), ${m.platform}/${m.arch}, Node ${m.node}${results.quick ? ' — QUICK mode, not worth quoting' : ''}.`,
    '',
    '| case | figure | value | target |',
    '| --- | --- | ---: | --- |',
  ];
  for (const r of results.cases) {
    if (r.status === 'skipped') {
      lines.push(`| ${r.id} | skipped: ${cell(r.skipped)} | | |`);
      continue;
    }
    for (const f of r.figures) lines.push(`| ${r.id} | ${cell(f.name)} | ${`${formatNumber(f.value)} ${f.unit}`.trimEnd()} | |`);
    for (const t of r.targets) lines.push(`| ${r.id} | ${cell(t.goal)} | ${formatNumber(t.measured)} | ${t.met ? 'met' : '**not met**'} |`);
  }
  return lines.join('\n');
}
