/**
 * `sess-conformance [target] [options]`: the conformance suite as a command (issue 4).
 *
 * Exit codes: 0 every property held (or was not checked); 1 a property failed; 2 the run could
 * not start (usage, missing file, no factory export, a factory that throws, --browser without
 * its tools), with a one-line message saying what to fix.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BackendFactoryError, ConformanceUsageError } from './errors.js';
import { ansiStyle, plainStyle, type ReplayTarget } from './format.js';
import { ConsoleReporter, type OutputStream } from './reporter.js';
import { listProperties, runConformance, selectProperties, type ConformanceReport } from './runner.js';
import { resolveTarget, BUILTIN_BACKENDS } from './targets.js';

/** What the CLI talks to; the real process by default, something else in tests. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** The parsed command line. */
export interface CliOptions {
  target: string | undefined;
  runs: number | undefined;
  seed: number | undefined;
  path: string | undefined;
  only: string[] | undefined;
  exportName: string | undefined;
  json: boolean;
  browser: boolean;
  verbose: boolean;
}

/** The run could not start; exit 2 with this message. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export const EXIT_PASSED = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const HELP = `Usage: sess-conformance [target] [options]

Checks a session storage backend against the sess conformance suite (SPEC §8).

target
  a module path (.ts .mts .cts .js .mjs .cjs, ESM or CommonJS) whose default export
  is a BackendFactory; or a built-in backend: ${BUILTIN_BACKENDS.map((b) => b.name).join(', ')}.
  No target checks memory (with --browser: indexeddb).

options
  --runs N        runs (sequences) per property, instead of each property's default
  --seed N        fast-check seed (random by default; every failure prints its own)
  --path P        replay path of one failure (with --seed and one --only name)
  --only A,B      run only these properties (see --list)
  --export NAME   take the factory from this export instead of the default one
  --browser       run the suite in Chromium, the module bundled for the browser
                  (needs rolldown and playwright-core; CHROMIUM_PATH or /usr/bin/chromium)
  --json          print the report as JSON on stdout, and nothing else
  --list          list the properties and what each checks
  --verbose       show stack traces and the page's console (--browser)
  -h, --help      this help
  -v, --version   the version of sess

exit codes
  0 every property held   1 a property failed   2 the run could not start

environment
  SESS_RUNS                  runs per property when --runs is not given
  CHROMIUM_PATH              the Chromium that --browser launches
  SESS_CONFORMANCE_TIMEOUT   seconds the page may stay silent before --browser
                             calls the run hung (default 300)

example
  npx sess-conformance ./my-store.ts
  npx sess-conformance ./my-store.ts --only backend-model --seed 42 --path 3:0:1
`;

/**
 * Runs the CLI on `argv` (without `node` and the script) and resolves the exit code. Never
 * throws: every error is printed as one line on stderr (with its stack under `--verbose`).
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
    // TEMPORARY ADAPTER (browsers branch, until the lead's cli/ lands): `--browser ENGINES`.
    const { engines, rest } = takeBrowserEngines(argv);
    const parsed = parseCommandLine(rest);
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
    selectProperties(parsed.only);
    if (parsed.path !== undefined && (parsed.seed === undefined || parsed.only?.length !== 1)) {
      throw new CliUsageError('--path replays one failure: give it with --seed and exactly one --only name, as printed in the failure');
    }
    if (parsed.browser) return await runInBrowsers(engines, parsed, io);
    return await runInNode(parsed, io);
  } catch (error) {
    return reportSetupError(error, io, verbose);
  }
}

/**
 * TEMPORARY ADAPTER (browsers branch): `--browser`, `--browser firefox`, `--browser=a,b` ->
 * the engine names and the argv without them. The lead's cli/ replaces this.
 */
function takeBrowserEngines(argv: readonly string[]): { engines: string; rest: string[] } {
  const rest: string[] = [];
  let engines = '';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--browser=')) {
      engines = arg.slice('--browser='.length);
      rest.push('--browser');
    } else if (arg === '--browser' && /^(chromium|firefox|webkit)(,(chromium|firefox|webkit))*$/i.test(argv[i + 1] ?? '')) {
      engines = argv[++i]!;
      rest.push('--browser');
    } else {
      rest.push(arg);
    }
  }
  return { engines, rest };
}

/** TEMPORARY ADAPTER (browsers branch): runInBrowser's outcome per engine -> output and exit code. */
async function runInBrowsers(engineList: string, options: CliOptions, io: CliIo): Promise<number> {
  const { parseEngines, runInBrowser, ENGINE_LABEL } = await import('./browser/index.js');
  const { environmentRuns } = await import('../../properties/runs.js');
  const engines = parseEngines(engineList);
  const target = resolveTarget(options.target ?? 'indexeddb', io.cwd);
  const runs = options.runs ?? environmentRuns();
  const runOptions = {
    ...(runs !== undefined && { runs }),
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.path !== undefined && { path: options.path }),
    ...(options.only !== undefined && { only: options.only }),
  };
  let code = EXIT_PASSED;
  for (const engine of engines) {
    if (engines.length > 1 && !options.json) io.stdout.write(`${ENGINE_LABEL[engine]}:\n`);
    const reporter = makeReporter(options, io);
    let outcome;
    try {
      outcome = await runInBrowser(
        { target, exportName: options.exportName, engine, runOptions, verbose: options.verbose, env: io.env, cwd: io.cwd, log: (line) => io.stderr.write(`${line}\n`) },
        { onStart: (property, index, total) => reporter.start(property, index, total), onResult: (report) => reporter.result(report) },
      );
    } finally {
      reporter.stop();
    }
    if (outcome.kind === 'done') {
      code = Math.max(code, finishRun(outcome.report, options, io, reporter));
    } else {
      io.stderr.write(`sess-conformance: ${outcome.reason}\n`);
      code = Math.max(code, EXIT_FAILED);
    }
  }
  return code;
}

async function runInNode(options: CliOptions, io: CliIo): Promise<number> {
  const target = resolveTarget(options.target ?? 'memory', io.cwd);
  const reporter = makeReporter(options, io);
  const { loadFactoryInNode } = await import('./load-node.js');
  const factory = await loadFactoryInNode(target, options.exportName, (line) => {
    if (!options.json) reporter.note(line);
  });
  let report: ConformanceReport;
  try {
    report = await runConformance(factory, {
      ...(options.runs !== undefined && { runs: options.runs }),
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.path !== undefined && { path: options.path }),
      ...(options.only !== undefined && { only: options.only }),
      onStart: (property, index, total) => reporter.start(property, index, total),
      onResult: (result) => reporter.result(result),
    });
  } finally {
    reporter.stop();
  }
  return finishRun(report, options, io, reporter);
}

/** Prints the end of a run (the JSON report, or failures and summary) and picks the exit code. */
export function finishRun(report: ConformanceReport, options: CliOptions, io: CliIo, reporter: ConsoleReporter): number {
  if (options.json) {
    const target = options.target ?? (options.browser ? 'indexeddb' : 'memory');
    io.stdout.write(`${JSON.stringify({ target, browser: options.browser, ...report }, null, 2)}\n`);
  } else {
    reporter.finish(report);
  }
  return report.verdict === 'passed' ? EXIT_PASSED : EXIT_FAILED;
}

/** A reporter that writes nothing under `--json` (stdout carries only the report then). */
export function makeReporter(options: CliOptions, io: CliIo): ConsoleReporter {
  const colour = io.stdout.isTTY === true && !isSet(io.env['NO_COLOR']);
  const progress = colour && !isSet(io.env['CI']) && !options.json;
  const replay: ReplayTarget = {
    ...(options.target !== undefined && { target: options.target }),
    ...(options.exportName !== undefined && { exportName: options.exportName }),
    ...(options.browser && { browser: true, target: options.target ?? 'indexeddb' }),
  };
  const names = selectProperties(options.only).map((p) => p.name.length);
  const out: OutputStream = options.json ? { write: () => true } : io.stdout;
  return new ConsoleReporter({ out, style: colour ? ansiStyle : plainStyle, progress, replay, nameWidth: Math.max(0, ...names) });
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

/**
 * Parses `argv`.
 *
 * @throws CliUsageError for unknown options, extra targets or invalid numbers.
 */
export function parseCommandLine(argv: readonly string[]): CliOptions | 'help' | 'version' | 'list' {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  // `npx sess-conformance --list` hands --list to npm itself; `npx sess-conformance -- --list` is
  // the way round it, and that leading `--` reaches us.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        runs: { type: 'string' },
        seed: { type: 'string' },
        path: { type: 'string' },
        only: { type: 'string' },
        export: { type: 'string' },
        json: { type: 'boolean' },
        browser: { type: 'boolean' },
        list: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (error) {
    // parseArgs' own messages name the option; some run over several lines (`--runs -3`: "argument
    // is ambiguous", then how to pass a value starting with "-"), joined here into one.
    throw new CliUsageError(`${(error as Error).message.trim().replace(/\s*\n\s*/g, ' ')} (see --help)`);
  }
  if (values['help'] === true) return 'help';
  if (values['version'] === true) return 'version';
  if (values['list'] === true) return 'list';
  if (positionals.length > 1) {
    throw new CliUsageError(`expected at most one target, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  const only = typeof values['only'] === 'string' ? values['only'].split(',').map((s) => s.trim()).filter((s) => s !== '') : undefined;
  if (only !== undefined && only.length === 0) throw new CliUsageError('--only needs at least one property name (see --list)');
  const exportName = values['export'] as string | undefined;
  if (exportName !== undefined && !/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw new CliUsageError(`--export needs an export name such as myStoreFactory, got '${exportName}'`);
  }
  return {
    target: positionals[0],
    runs: wholeNumber(values['runs'], '--runs', 1),
    seed: wholeNumber(values['seed'], '--seed', -(2 ** 31)),
    path: values['path'] as string | undefined,
    only,
    exportName,
    json: values['json'] === true,
    browser: values['browser'] === true,
    verbose: values['verbose'] === true,
  };
}

function wholeNumber(value: string | boolean | undefined, option: string, min: number): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    throw new CliUsageError(`${option} needs a whole number${min === 1 ? ' >= 1' : ''}, got '${value}'`);
  }
  return n;
}

function reportSetupError(error: unknown, io: CliIo, verbose: boolean): number {
  const known = error instanceof CliUsageError || error instanceof ConformanceUsageError || error instanceof BackendFactoryError;
  const message = error instanceof Error ? error.message : String(error);
  const line = known ? message : `unexpected error: ${message}${verbose ? '' : ' (--verbose shows the stack)'}`;
  io.stderr.write(`sess-conformance: ${line.split('\n')[0]}\n`);
  if (verbose) io.stderr.write(`${stackWithCauses(error)}\n`);
  return EXIT_USAGE;
}

/** The stack of an error and of each `cause` below it. */
export function stackWithCauses(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

/** The version in sess's own package.json, found by walking up from this file (src/ or dist/src/). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sess' && pkg.version !== undefined) return pkg.version;
    } catch {
      // No package.json here: keep walking up.
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
