/**
 * Where the CLI's output goes and how it looks: the console reporter for a run, chosen from the
 * options and the terminal (colour and a progress line only on a TTY without `NO_COLOR`/`CI`).
 */
import { ConsoleReporter, type OutputStream } from '../report/console.js';
import { ansiStyle, plainStyle, type ReplayTarget } from '../report/text.js';
import { selectProperties } from '../run/runner.js';
import type { BrowserEngine } from '../browser/engine-names.js';
import type { CliOptions } from './args.js';

/** What the CLI talks to; the real process by default, something else in tests. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** A reporter that writes nothing under `--json` (stdout carries only the report then). */
export function makeReporter(options: CliOptions, io: CliIo, engine?: BrowserEngine): ConsoleReporter {
  const colour = io.stdout.isTTY === true && !isSet(io.env['NO_COLOR']);
  const progress = colour && !isSet(io.env['CI']) && !options.json;
  const replay: ReplayTarget = {
    ...(options.target !== undefined && { target: options.target }),
    ...(options.exportName !== undefined && { exportName: options.exportName }),
    ...(engine !== undefined && { browser: engine, target: options.target ?? 'indexeddb' }),
  };
  const names = selectProperties(options.only).map((p) => p.name.length);
  const out: OutputStream = options.json ? { write: () => true } : io.stdout;
  return new ConsoleReporter({ out, style: colour ? ansiStyle : plainStyle, progress, replay, nameWidth: Math.max(0, ...names) });
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}
