/**
 * `sess-conformance --browser`: the same suite in real Chromium (RECIPE, "Running a suite in
 * Chromium from a CLI", first way). The target module and the runner are bundled for the browser
 * with rolldown, served from 127.0.0.1, and run in a page that playwright-core drives; each
 * property's report streams back as it is decided and goes to the same console reporter as a
 * Node run.
 *
 * rolldown (native) and playwright-core are optional peer dependencies, imported only here, so
 * that the library itself stays plain JavaScript.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PropertyReport } from '../../properties/property.js';
import { systemClock } from '../clock.js';
import { environmentRuns } from '../../properties/runs.js';
// Transitional: the browser room (issue 15) replaces this file and no longer imports the CLI.
import { CliUsageError, type CliOptions } from './cli/args.js';
import { EXIT_FAILED, EXIT_USAGE } from './cli/exit-codes.js';
import { finishRun } from './cli/main.js';
import { makeReporter, type CliIo } from './cli/output.js';
import { stackWithCauses } from '../error-text.js';
import { CHROMIUM_ARGS, chromiumPath } from './chromium.js';
import { resolveTarget } from './load/targets.js';
import type { ConformanceReport, PropertySummary } from './run/runner.js';

/** Temp folders of runs are named so, and swept once their process is gone. */
const TEMP_PREFIX = 'sess-conformance-';
const OWNER_FILE = 'owner.pid';

/**
 * How long the page may stay silent (no property starting or finishing) before the run is called
 * hung: a synchronous infinite loop in a backend never yields back. `SESS_CONFORMANCE_TIMEOUT`
 * (seconds) overrides it.
 */
const DEFAULT_SILENCE_MS = 300_000;

const INSTALL_HINT = 'npm install --save-dev rolldown@1.3.2 playwright-core@1.65.1 @jridgewell/sourcemap-codec@1.6.0';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** A message from the page. */
type PageMessage =
  | { type: 'start'; property: PropertySummary; index: number; total: number }
  | { type: 'result'; report: PropertyReport }
  | { type: 'done'; report: ConformanceReport }
  | { type: 'fatal'; kind: 'usage' | 'factory' | 'load' | 'error'; message: string; stack: string };

/** Runs the suite in Chromium and resolves the CLI's exit code. */
export async function runInBrowser(options: CliOptions, io: CliIo): Promise<number> {
  const target = resolveTarget(options.target ?? 'indexeddb', io.cwd);
  if (target.kind === 'builtin' && target.backend.browser !== true) throw new CliUsageError(target.backend.browser);

  const tools = await loadBrowserTools();
  const executablePath = chromiumPath(io.env);
  if (!existsSync(executablePath)) {
    throw new CliUsageError(`--browser needs Chromium, and there is none at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
  }

  const workspace = new Workspace(io.env['TMPDIR'] ?? tmpdir());
  try {
    const entry = writeEntry(workspace.dir, target, options);
    const bundle = await bundleForBrowser(tools.rolldown, entry, io.cwd, workspace.dir, target.given);
    const mapStack = makeStackMapper(tools.decode, bundle.map);
    return await workspace.serve(bundle, async (url) => {
      const browser = await tools.chromium.launch({
        executablePath,
        headless: true,
        args: [...CHROMIUM_ARGS],
        // Our own handlers close the browser and then remove the temp folder; Playwright's would
        // exit the process first and leave the folder behind.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        env: { ...(io.env as Record<string, string>), TMPDIR: workspace.dir },
      });
      workspace.onCleanup(() => browser.close());
      return await drivePage(browser, url, options, io, mapStack, silenceMs(io.env));
    });
  } finally {
    await workspace.dispose();
  }
}

interface BrowserTools {
  rolldown: typeof import('rolldown').rolldown;
  chromium: typeof import('playwright-core').chromium;
  decode: typeof import('@jridgewell/sourcemap-codec').decode;
}

async function loadBrowserTools(): Promise<BrowserTools> {
  const missing: string[] = [];
  const load = async <T>(name: string, load: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await load();
    } catch {
      missing.push(name);
      return undefined;
    }
  };
  const rolldown = await load('rolldown', () => import('rolldown'));
  const playwright = await load('playwright-core', () => import('playwright-core'));
  const codec = await load('@jridgewell/sourcemap-codec', () => import('@jridgewell/sourcemap-codec'));
  if (rolldown === undefined || playwright === undefined || codec === undefined) {
    throw new CliUsageError(`--browser needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed: ${INSTALL_HINT}`);
  }
  return { rolldown: rolldown.rolldown, chromium: playwright.chromium, decode: codec.decode };
}

/**
 * The page's program: import the runner and the target, run, and post every event back through
 * the functions the CLI exposes. The user's module is imported dynamically so that, bundled with
 * code splitting off, a throw at import time is a rejection caught here (RECIPE).
 */
function writeEntry(dir: string, target: ReturnType<typeof resolveTarget>, options: CliOptions): string {
  const modulePath = target.kind === 'builtin' ? target.backend.modulePath : target.path;
  const runs = options.runs ?? environmentRuns();
  const runOptions = {
    // The page has no process.env: SESS_RUNS is read here, so that it means the same in both modes.
    ...(runs !== undefined && { runs }),
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.path !== undefined && { path: options.path }),
    ...(options.only !== undefined && { only: options.only }),
  };
  const pick =
    target.kind === 'builtin'
      ? `pickFactory(module, builtinExportName(module, ${JSON.stringify({ exportName: target.backend.exportName })}), ${JSON.stringify(`the built-in backend '${target.backend.name}'`)})`
      : `pickFactory(module, ${JSON.stringify(options.exportName ?? 'default')}, ${JSON.stringify(target.given)})`;
  const source = `
import { runConformance } from ${JSON.stringify(here('./run/runner.js'))};
import { builtinExportName, pickFactory } from ${JSON.stringify(here('./load/factory-export.js'))};
import { BackendFactoryError, ConformanceUsageError } from ${JSON.stringify(here('./errors.js'))};

// Posts are chained so that the CLI receives them in order, and "done" last.
let posted = Promise.resolve();
const post = (message) => { posted = posted.then(() => globalThis.__sessPost(JSON.stringify(message))); return posted; };
const stackOf = (error) => {
  const parts = [];
  for (let current = error; current !== undefined && current !== null && parts.length < 5; current = current.cause) {
    parts.push(current instanceof Error ? String(current.stack) : String(current));
  }
  return parts.join('\\ncaused by: ');
};
const fatal = (kind, error) => post({ type: 'fatal', kind, message: error instanceof Error ? error.message : String(error), stack: stackOf(error) });

let module;
try {
  module = await import(${JSON.stringify(modulePath)});
} catch (error) {
  await fatal('load', error);
}
if (module !== undefined) {
  try {
    const factory = ${pick};
    const report = await runConformance(factory, {
      ...${JSON.stringify(runOptions)},
      onStart: (property, index, total) => void post({ type: 'start', property, index, total }),
      onResult: (report) => void post({ type: 'result', report }),
    });
    await post({ type: 'done', report });
  } catch (error) {
    await fatal(error instanceof BackendFactoryError ? 'factory' : error instanceof ConformanceUsageError ? 'usage' : 'error', error);
  }
}
`;
  const entry = join(dir, 'entry.mjs');
  writeFileSync(entry, source);
  return entry;
}

interface Bundle {
  code: string;
  map: { sources: string[]; mappings: string };
}

/** rolldown, as RECIPE found to work: browser platform, one ESM file, unresolved imports are errors. */
async function bundleForBrowser(rolldown: BrowserTools['rolldown'], entry: string, cwd: string, outDir: string, label: string): Promise<Bundle> {
  const problems: string[] = [];
  let build;
  try {
    build = await rolldown({
      input: entry,
      cwd,
      platform: 'browser',
      onLog(level, log, handler) {
        // Left alone, a missing package silently becomes an external import and the page hangs.
        if (log.code === 'UNRESOLVED_IMPORT') problems.push(log.message);
        else if (level === 'warn' && log.code !== 'EVAL') handler(level, log);
      },
    });
  } catch (error) {
    throw new CliUsageError(`could not bundle ${label} for the browser: ${firstLine(problems[0] ?? (error as Error).message)}`);
  }
  try {
    let output;
    try {
      // `dir` only anchors the map's relative source paths; nothing is written.
      ({ output } = await build.generate({ dir: outDir, format: 'esm', codeSplitting: false, sourcemap: true }));
    } catch (error) {
      // A syntax error in the module, or a log turned error: the bundler's first line says which.
      const text = (error as Error).message.replace(/^Build failed with \d+ errors?:\s*/, '');
      throw new CliUsageError(`could not bundle ${label} for the browser: ${firstLine(text)}`, { cause: error });
    }
    // rolldown resolves (and logs) while generating, so the check comes after.
    if (problems.length > 0) throw new CliUsageError(`could not bundle ${label} for the browser: ${firstLine(problems[0]!)}`);
    const chunk = output[0];
    if (chunk.map === null || chunk.map === undefined) throw new Error('rolldown produced no source map');
    return { code: chunk.code, map: { sources: chunk.map.sources.map((source) => resolve(outDir, source)), mappings: chunk.map.mappings } };
  } finally {
    await build.close();
  }
}

/**
 * Chrome does not source-map `error.stack`: rewrite `…/bundle.js:L:C` frames to the original file,
 * line and column with the bundle's map (rolldown writes the map; sourcemap-codec decodes it).
 */
export function makeStackMapper(decode: BrowserTools['decode'], map: Bundle['map']): (text: string) => string {
  let lines: ReturnType<BrowserTools['decode']> | undefined;
  return (text) =>
    text.replace(/https?:\/\/127\.0\.0\.1:\d+\/bundle\.js:(\d+):(\d+)/g, (frame, line: string, column: string) => {
      lines ??= decode(map.mappings);
      const segments = lines[Number(line) - 1];
      if (segments === undefined) return frame;
      const col = Number(column) - 1;
      let best: (typeof segments)[number] | undefined;
      for (const segment of segments) {
        if (segment[0] > col) break;
        best = segment;
      }
      if (best === undefined || best.length < 4) return frame;
      return `${map.sources[best[1]!] ?? '?'}:${best[2]! + 1}:${best[3]! + 1}`;
    });
}

type Browser = Awaited<ReturnType<BrowserTools['chromium']['launch']>>;

async function drivePage(browser: Browser, url: string, options: CliOptions, io: CliIo, mapStack: (text: string) => string, silence: number): Promise<number> {
  const reporter = makeReporter(options, io, 'chromium');
  const page = await browser.newPage();
  let current: PropertySummary | undefined;
  return await new Promise<number>((resolve, reject) => {
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const settle = (outcome: () => number) => {
      clearTimeout(watchdog);
      reporter.stop();
      try {
        resolve(outcome());
      } catch (error) {
        reject(error);
      }
    };
    const feed = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        settle(() => {
          const where = current === undefined ? 'the page' : current.name;
          io.stderr.write(
            `sess-conformance: ${where} did not finish within ${Math.round(silence / 1000)} s in Chromium (a synchronous loop, or a promise that never settles)\n`,
          );
          return current === undefined ? EXIT_USAGE : EXIT_FAILED;
        });
      }, silence);
    };
    feed();

    page.on('pageerror', (error) => {
      const text = mapStack(options.verbose ? (error.stack ?? error.message) : error.message);
      settle(() => {
        // Before any property started it is the module's fault (exit 2); during one, the backend's.
        io.stderr.write(`sess-conformance: uncaught error in the page${current ? ` during ${current.name}` : ''}: ${text.split('\n')[0]}\n`);
        if (options.verbose) io.stderr.write(`${text}\n`);
        return current === undefined ? EXIT_USAGE : EXIT_FAILED;
      });
    });
    page.on('crash', () => settle(() => {
      io.stderr.write('sess-conformance: the Chromium page crashed (out of memory?)\n');
      return EXIT_FAILED;
    }));
    if (options.verbose) page.on('console', (message) => io.stderr.write(`[chromium ${message.type()}] ${mapStack(message.text())}\n`));

    void page
      .exposeFunction('__sessPost', (json: string) => {
        const message = JSON.parse(json) as PageMessage;
        feed();
        switch (message.type) {
          case 'start':
            current = message.property;
            reporter.start(message.property, message.index, message.total);
            break;
          case 'result':
            reporter.result(mapFailure(message.report, mapStack));
            break;
          case 'done':
            settle(() => finishRun({ ...message.report, properties: message.report.properties.map((r) => mapFailure(r, mapStack)) }, options, io, reporter));
            break;
          case 'fatal': {
            const prefix = message.kind === 'load' ? `could not load ${options.target ?? 'indexeddb'} in Chromium: ` : message.kind === 'error' ? 'unexpected error in Chromium: ' : '';
            const error = new CliUsageError(`${prefix}${mapStack(message.message).split('\n')[0]}`);
            error.stack = `${error.message}\n${mapStack(message.stack)}`;
            clearTimeout(watchdog);
            reporter.stop();
            reject(error);
            break;
          }
        }
      })
      .then(() => page.goto(url))
      .catch((error: unknown) => settle(() => {
        throw error;
      }));
  });
}

function mapFailure(report: PropertyReport, mapStack: (text: string) => string): PropertyReport {
  if (report.failure === undefined) return report;
  return { ...report, failure: { ...report.failure, message: mapStack(report.failure.message) } };
}

function silenceMs(env: Record<string, string | undefined>): number {
  const seconds = Number(env['SESS_CONFORMANCE_TIMEOUT']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_SILENCE_MS;
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? text;
}

/**
 * The run's own temp folder (Chromium's profile and Playwright's files land in it through
 * `TMPDIR`), and the local server. Removed when the run ends, on SIGINT/SIGTERM, and, for runs
 * that were killed outright, by the next run's sweep.
 */
class Workspace {
  readonly dir: string;
  readonly #cleanups: Array<() => Promise<unknown> | unknown> = [];
  readonly #previousTmpdir: string | undefined;
  readonly #onSignal = (signal: NodeJS.Signals) => {
    void this.dispose().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  /** Last resort when the process exits some other way (the folder must not outlive the run). */
  readonly #onExit = () => rmSync(this.dir, { recursive: true, force: true });
  #disposed = false;

  constructor(base: string) {
    sweepStale(base);
    this.dir = mkdtempSync(join(base, TEMP_PREFIX));
    writeFileSync(join(this.dir, OWNER_FILE), String(process.pid));
    this.#previousTmpdir = process.env['TMPDIR'];
    // playwright-core makes Chromium's profile under os.tmpdir(), which reads TMPDIR.
    process.env['TMPDIR'] = this.dir;
    process.once('SIGINT', this.#onSignal);
    process.once('SIGTERM', this.#onSignal);
    process.once('exit', this.#onExit);
  }

  onCleanup(cleanup: () => Promise<unknown> | unknown): void {
    this.#cleanups.push(cleanup);
  }

  /** Serves the page and the bundle on 127.0.0.1 while `use` runs. */
  async serve<T>(bundle: Bundle, use: (url: string) => Promise<T>): Promise<T> {
    const html = '<!doctype html><meta charset="utf-8"><title>sess-conformance</title><script type="module" src="/bundle.js"></script>';
    const code = `${bundle.code}\n//# sourceMappingURL=/bundle.js.map\n`;
    const server: Server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      if (path === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      else if (path === '/bundle.js') response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code);
      else if (path === '/bundle.js.map') response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: 3, ...bundle.map }));
      else if (path === '/favicon.ico') response.writeHead(204).end();
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    return await use(`http://127.0.0.1:${port}/`);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
    process.off('exit', this.#onExit);
    for (const cleanup of this.#cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: the folder below goes anyway, and a browser that will not close dies with us.
      }
    }
    if (this.#previousTmpdir === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = this.#previousTmpdir;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Removes the temp folders of earlier runs whose process is gone (a SIGKILL leaves them). */
export function sweepStale(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base).filter((name) => name.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name);
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      // No owner file: either being created this instant, or debris; only old debris goes.
      try {
        // File times are wall-clock instants, so the wall clock it is.
        if (systemClock.now() - statSync(dir).mtimeMs < 60_000) continue;
      } catch {
        continue;
      }
    }
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export { stackWithCauses };
