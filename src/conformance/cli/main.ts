/**
 * `sess-conformance [target] [options]`: the conformance suite as a command. Arguments become
 * options (./args.ts), a run in Node or in browsers becomes a report, the report becomes text or
 * JSON and an exit code (./exit-codes.ts). The run itself is the runner's (../run/).
 */
import { describeError, firstLine, stackWithCauses } from '../../error-text.js';
import { environmentRuns } from '../../../properties/runs.js';
import type { BrowserEngine } from '../browser/engine-names.js';
import { BackendFactoryError, ConformanceUsageError } from '../errors.js';
import { loadFactoryInNode } from '../load/node.js';
import { resolveTarget } from '../load/targets.js';
import type { ConsoleReporter } from '../report/console.js';
import { formatResultLine, formatSummary, plainStyle } from '../report/text.js';
import { checkRunOptions, listProperties, runConformance, summarizeRun, type ConformanceReport, type PropertyReport } from '../run/runner.js';
import { CliUsageError, parseCommandLine, type CliOptions } from './args.js';
import { EXIT_FAILED, EXIT_INTERNAL, EXIT_PASSED, EXIT_USAGE } from './exit-codes.js';
import { HELP } from './help.js';
import { makeReporter, type CliIo } from './output.js';
import { packageVersion } from './version.js';

export type { CliIo } from './output.js';

/**
 * Runs the CLI on `argv` (without `node` and the script) and resolves the exit code. Never
 * throws: a run that cannot start is one line on stderr (exit 2); a failure of sess itself during
 * a run prints what was decided before it, then the error (exit 3).
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
    const parsed = parseCommandLine(argv);
    if (parsed === 'help') {
      io.stdout.write(HELP);
      return EXIT_PASSED;
    }
    if (parsed === 'version') {
      io.stdout.write(`${packageVersion()}\n`);
      return EXIT_PASSED;
    }
    if (parsed === 'list') return printList(io, argv.includes('--json'));
    verbose = parsed.verbose;
    // Fail fast on an unknown --only name or a --path that cannot apply, before loading anything.
    checkRunOptions(runOptionsOf(parsed));
    if (parsed.engines.length > 0) {
      if (parsed.fakeDate) throw new CliUsageError('--fake-date works in Node only (a page has no process-wide Date to fake): drop --browser or --fake-date');
      // The browser stores (IndexedDB) expire by the clock they are given: real time has nothing to add there.
      if (parsed.realTime) throw new CliUsageError('--real-time works in Node only (it is for stores whose expiry runs on a server\'s clock): drop --browser or --real-time');
      return await runInBrowsers(parsed, io);
    }
    return await runInNode(parsed, io);
  } catch (error) {
    return reportSetupError(error, io, verbose);
  }
}

/** Options for the runner from the command line (and `SESS_RUNS`, read by the runner itself in Node). */
export function runOptionsOf(options: CliOptions) {
  return {
    ...(options.runs !== undefined && { runs: options.runs }),
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.path !== undefined && { path: options.path }),
    ...(options.only !== undefined && { only: options.only }),
    ...(options.callTimeoutMs !== undefined && { callTimeoutMs: options.callTimeoutMs }),
    ...(options.requireAll && { requireAll: true }),
    ...(options.fakeDate && { fakeDate: true }),
    ...(options.realTime && { realTime: true }),
  };
}

/**
 * `--browser [engines]`: the suite in each engine in turn (the browser room runs it, ../browser/),
 * each with its own report; the exit code is the worst of them. A run the page's watchdog
 * stopped is reported with what was decided and the reason, as a Node run that stopped is.
 */
async function runInBrowsers(options: CliOptions, io: CliIo): Promise<number> {
  const { ENGINE_LABEL, runInBrowser } = await import('../browser/index.js');
  const target = resolveTarget(options.target ?? 'indexeddb', io.cwd);
  // The page has no process.env: SESS_RUNS is read here, so that it means the same in both modes.
  const runs = options.runs ?? environmentRuns();
  const runOptions = { ...runOptionsOf(options), ...(runs !== undefined && { runs }) };
  let code = EXIT_PASSED;
  for (const engine of options.engines) {
    if (options.engines.length > 1 && !options.json) io.stdout.write(`${ENGINE_LABEL[engine]}:\n`);
    const reporter = makeReporter(options, io, engine);
    let outcome: Awaited<ReturnType<typeof runInBrowser>>;
    try {
      outcome = await runInBrowser(
        { target, exportName: options.exportName, engine, runOptions, verbose: options.verbose, env: io.env, cwd: io.cwd, log: (line) => io.stderr.write(`${line}\n`) },
        { onStart: (property, index, total) => reporter.start(property, index, total), onResult: (report) => reporter.result(report) },
      );
    } finally {
      reporter.stop();
    }
    if (outcome.kind === 'stopped') io.stderr.write(`sess-conformance: ${outcome.reason}\n`);
    const report =
      outcome.kind === 'done' ? outcome.report : summarizeRun(outcome.results, options.seed ?? outcome.results[0]?.seed ?? 0, 0, options.requireAll, outcome.reason);
    code = Math.max(code, finishRun(report, options, io, reporter, engine));
  }
  return code;
}

async function runInNode(options: CliOptions, io: CliIo): Promise<number> {
  const target = resolveTarget(options.target ?? 'memory', io.cwd);
  const reporter = makeReporter(options, io);
  const factory = await loadFactoryInNode(target, options.exportName, (line) => {
    if (!options.json) reporter.note(line);
  });
  const decided: PropertyReport[] = [];
  let report: ConformanceReport;
  try {
    report = await runConformance(factory, {
      ...runOptionsOf(options),
      onStart: (property, index, total) => reporter.start(property, index, total),
      onResult: (result) => {
        decided.push(result);
        reporter.result(result);
      },
    });
  } catch (error) {
    // The factory's first call and bad options are the user's to fix (exit 2, before anything ran).
    if (decided.length === 0 && (error instanceof BackendFactoryError || error instanceof ConformanceUsageError)) throw error;
    return reportInternalError(error, decided, options, io, reporter);
  } finally {
    reporter.stop();
  }
  return finishRun(report, options, io, reporter);
}

/** Prints the end of a run (the JSON report, or findings and summary) and picks the exit code. */
export function finishRun(report: ConformanceReport, options: CliOptions, io: CliIo, reporter: ConsoleReporter, engine?: BrowserEngine): number {
  if (options.json) {
    // One JSON document per run; with several engines, one per engine, in order.
    const target = options.target ?? (engine !== undefined ? 'indexeddb' : 'memory');
    io.stdout.write(`${JSON.stringify({ target, browser: engine ?? false, ...report }, null, 2)}\n`);
  } else {
    reporter.finish(report);
  }
  return exitCodeOf(report);
}

/** 0 only for a run that checked something and found nothing (README, "Exit codes"). */
export function exitCodeOf(report: ConformanceReport): number {
  return report.verdict === 'passed' ? EXIT_PASSED : EXIT_FAILED;
}

/**
 * sess failed mid-run (a bug of the harness, never the backend's: those are failures). What was
 * decided is still worth having: it is printed, then the error, and the exit code says whose.
 */
function reportInternalError(error: unknown, decided: PropertyReport[], options: CliOptions, io: CliIo, reporter: ConsoleReporter): number {
  reporter.stop();
  const partial = summarizeRun(decided, options.seed ?? 0, 0, options.requireAll);
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ target: options.target ?? 'memory', internalError: describeError(error), ...partial }, null, 2)}\n`);
  } else if (decided.length > 0) {
    io.stdout.write(`\nDecided before sess failed:\n${decided.map((r) => `  ${formatResultLine(r, 0, plainStyle)}`).join('\n')}\n${formatSummary(partial, plainStyle)}\n`);
  }
  io.stderr.write(`sess-conformance: internal error in sess (please report it): ${firstLine(describeError(error))}\n`);
  if (options.verbose) io.stderr.write(`${stackWithCauses(error)}\n`);
  return EXIT_INTERNAL;
}

function printList(io: CliIo, json: boolean): number {
  const properties = listProperties();
  if (json) {
    io.stdout.write(`${JSON.stringify(properties, null, 2)}\n`);
    return EXIT_PASSED;
  }
  const width = Math.max(...properties.map((p) => p.name.length));
  for (const p of properties) {
    io.stdout.write(`${p.name.padEnd(width)}  ${p.summary} (SPEC ${p.rules}; ${p.defaultRuns} runs)\n`);
  }
  return EXIT_PASSED;
}

function reportSetupError(error: unknown, io: CliIo, verbose: boolean): number {
  const known = error instanceof CliUsageError || error instanceof ConformanceUsageError || error instanceof BackendFactoryError;
  const message = describeError(error);
  const line = known ? message : `unexpected error: ${message}${verbose ? '' : ' (--verbose shows the stack)'}`;
  io.stderr.write(`sess-conformance: ${line.split('\n')[0]}\n`);
  if (verbose) io.stderr.write(`${stackWithCauses(error)}\n`);
  return EXIT_USAGE;
}
