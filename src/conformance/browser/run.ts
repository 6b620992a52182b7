/**
 * One conformance run in one browser engine: bundle the runner with the target, open it in the
 * engine's page, and turn the page's messages into the CLI's events and one outcome. The watchdog
 * stops a page that falls silent (a synchronous loop in a backend never yields back).
 */
import { tmpdir } from 'node:os';
import { bundleForBrowser } from './bundle.js';
import { firstLine } from './outside.js';
import { ENGINE_LABEL, type BrowserEngine } from './engine-names.js';
import { writeEntry, type PageMessage } from './entry.js';
import { ConformanceUsageError, type ConformanceReport, type PropertyReport, type PropertySummary, type Target } from './outside.js';
import { openPage, prepareEngine } from './page.js';
import { makeStackMapper } from './source-map.js';
import { loadBundleTools } from './tools.js';
import { Workspace } from './workspace.js';

/** What the CLI asks for: one engine, one target. */
export interface BrowserRunRequest {
  /** From `resolveTarget`, already resolved by the CLI. */
  target: Target;
  exportName: string | undefined;
  engine: BrowserEngine;
  /**
   * Handed to runConformance inside the page as-is (JSON-serialisable: runs, seed, path, only,
   * callTimeoutMs, ...). SESS_RUNS is read by the CLI and already folded into `runs`.
   */
  runOptions: Record<string, unknown>;
  verbose: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Where console lines of the page go under verbose, and one-line warnings. */
  log: (line: string) => void;
}

/** What the page reports while it runs. */
export interface BrowserRunEvents {
  onStart(property: PropertySummary, index: number, total: number): void;
  onResult(report: PropertyReport): void;
}

/** How a run that started ended: with a report, or stopped (watchdog, crash, page error). */
export type BrowserOutcome =
  | { kind: 'done'; report: ConformanceReport }
  | { kind: 'stopped'; reason: string; results: PropertyReport[] };

/**
 * How long the page may stay silent (no property starting or finishing) before the run is called
 * hung. `SESS_CONFORMANCE_TIMEOUT` (seconds) overrides it.
 */
const DEFAULT_SILENCE_MS = 300_000;

/**
 * Runs the suite on `request.target` in `request.engine`.
 *
 * @throws ConformanceUsageError for everything that stops the run from starting: missing optional
 *   tools, a missing browser or one that does not start, a bundle error, the module failing to
 *   load or its factory throwing in the page, and a page that fails before any property started.
 */
export async function runInBrowser(request: BrowserRunRequest, events: BrowserRunEvents): Promise<BrowserOutcome> {
  const { target, engine, env } = request;
  if (target.kind === 'builtin' && target.backend.browser !== true) throw new ConformanceUsageError(target.backend.browser);
  const tools = await loadBundleTools(`--browser ${engine}`);
  const launcher = await prepareEngine(engine, env);

  const workspace = new Workspace(env['TMPDIR'] ?? tmpdir());
  try {
    const entry = writeEntry(workspace.dir, target, request.exportName, request.runOptions);
    const bundle = await bundleForBrowser(tools.rolldown, entry, request.cwd, workspace.dir, target.given);
    const mapStack = makeStackMapper(tools.decode, bundle.map);
    return await drive(request, events, mapStack, workspace, (pageEvents) => openPage(engine, launcher, bundle, workspace, env, pageEvents));
  } finally {
    await workspace.dispose();
  }
}

type Open = (events: Parameters<typeof openPage>[5]) => ReturnType<typeof openPage>;

/**
 * Feeds the page's messages to `events` and settles on the first ending: done, fatal, page error,
 * crash, silence. (Longer than a screen: one closure over the run's state, the watchdog, the
 * property running and the results so far, which every one of the page's events reads or moves.)
 */
function drive(
  request: BrowserRunRequest,
  events: BrowserRunEvents,
  mapStack: (text: string) => string,
  workspace: Workspace,
  open: Open,
): Promise<BrowserOutcome> {
  const label = ENGINE_LABEL[request.engine];
  const silence = silenceMs(request.env);
  const mapReport = (report: PropertyReport): PropertyReport =>
    report.failure === undefined ? report : { ...report, failure: { ...report.failure, message: mapStack(report.failure.message) } };
  let current: PropertySummary | undefined;
  const results: PropertyReport[] = [];

  return new Promise<BrowserOutcome>((resolve, reject) => {
    let settled = false;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const settle = (outcome: BrowserOutcome | Error) => {
      // Once the workspace is being torn down (SIGINT/SIGTERM), the browser's dying words are no outcome.
      if (settled || workspace.disposing) return;
      settled = true;
      clearTimeout(watchdog);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    // Before any property started it is the module's (or the setup's) fault: the run did not start.
    const stop = (reason: string, detail?: string) => {
      if (request.verbose && detail !== undefined) request.log(detail);
      if (current === undefined) {
        const error = new ConformanceUsageError(reason);
        if (detail !== undefined) error.stack = `${reason}\n${detail}`;
        settle(error);
      } else {
        settle({ kind: 'stopped', reason, results });
      }
    };
    const feed = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        const where = current === undefined ? 'the page' : current.name;
        stop(`${where} did not finish within ${Math.round(silence / 1000)} s in ${label} (a synchronous loop, or a promise that never settles)`);
      }, silence);
    };

    const onMessage = (raw: unknown) => {
      if (settled) return;
      const message = raw as PageMessage;
      feed();
      switch (message.type) {
        case 'start':
          current = message.property;
          events.onStart(message.property, message.index, message.total);
          break;
        case 'result': {
          const report = mapReport(message.report);
          results.push(report);
          events.onResult(report);
          break;
        }
        case 'done':
          settle({ kind: 'done', report: { ...message.report, properties: message.report.properties.map(mapReport) } });
          break;
        case 'fatal': {
          const prefix = message.kind === 'load' ? `could not load ${request.target.given} in ${label}: ` : message.kind === 'error' ? `unexpected error in ${label}: ` : '';
          const error = new ConformanceUsageError(`${prefix}${firstLine(mapStack(message.message))}`);
          error.stack = `${error.message}\n${mapStack(message.stack)}`;
          settle(error);
          break;
        }
      }
    };

    open({
      message: onMessage,
      console(level, text) {
        if (request.verbose && !settled) request.log(`[${request.engine} ${level}] ${mapStack(text)}`);
      },
      pageError(message, stack) {
        if (settled) return;
        const during = current === undefined ? '' : ` during ${current.name}`;
        stop(`uncaught error in the ${label} page${during}: ${firstLine(mapStack(message))}`, mapStack(stack));
      },
      crash(reason) {
        if (!settled) stop(reason);
      },
    }).then(
      (page) => {
        // The browser is up (its start has a timeout of its own): from now on the page must speak.
        if (!settled) feed();
        // And again once it has loaded: on a busy machine loading alone can take seconds.
        page.loaded.then(
          () => {
            if (!settled && current === undefined) feed();
          },
          (error: unknown) => stop(`the ${label} page did not load: ${firstLine((error as Error).message)}`),
        );
      },
      (error: unknown) => settle(error instanceof Error ? error : new Error(String(error))),
    );
  });
}

function silenceMs(env: Record<string, string | undefined>): number {
  const seconds = Number(env['SESS_CONFORMANCE_TIMEOUT']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_SILENCE_MS;
}
