/**
 * The command line of `sess-conformance`, parsed into {@link CliOptions}: nothing here runs
 * anything.
 */
import { parseArgs } from 'node:util';
import { BROWSER_ENGINES, parseEngines, type BrowserEngine } from '../browser/engine-names.js';

/** The parsed command line. */
export interface CliOptions {
  target: string | undefined;
  runs: number | undefined;
  seed: number | undefined;
  path: string | undefined;
  only: string[] | undefined;
  exportName: string | undefined;
  json: boolean;
  /** `--browser [engines]`: the engines to run in, in order; empty for a run in Node. */
  engines: BrowserEngine[];
  verbose: boolean;
  /** `--call-timeout MS`: how long one backend call may take before it counts as never settling. */
  callTimeoutMs: number | undefined;
  /** `--require-all`: a property (or part of one) that could not be checked fails the run. */
  requireAll: boolean;
  /** `--fake-date`: the global `Date` follows the run's simulated clock while a property runs. */
  fakeDate: boolean;
  /** `--real-time`: the properties that judge a store's own expiry, on the system clock with real waits. */
  realTime: boolean;
}

/** The command line asks for something impossible; exit 2 with this message. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** The options parseArgs knows (`--browser` is taken out before: see {@link takeBrowserOption}). */
const OPTIONS = {
  runs: { type: 'string' },
  seed: { type: 'string' },
  path: { type: 'string' },
  only: { type: 'string' },
  export: { type: 'string' },
  'call-timeout': { type: 'string' },
  'require-all': { type: 'boolean' },
  'fake-date': { type: 'boolean' },
  'real-time': { type: 'boolean' },
  json: { type: 'boolean' },
  list: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/**
 * Parses `argv` (without `node` and the script).
 *
 * @throws CliUsageError for unknown options, extra targets, invalid numbers or engine names.
 */
export function parseCommandLine(argv: readonly string[]): CliOptions | 'help' | 'version' | 'list' {
  // A leading `--` (`npx sess-conformance -- --list`) is how some npx versions pass options on.
  const { args, engines } = takeBrowserOption(argv[0] === '--' ? argv.slice(1) : [...argv]);
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: OPTIONS,
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
    engines,
    verbose: values['verbose'] === true,
    callTimeoutMs: wholeNumber(values['call-timeout'], '--call-timeout', 1),
    requireAll: values['require-all'] === true,
    fakeDate: values['fake-date'] === true,
    realTime: values['real-time'] === true,
  };
}

/**
 * `--browser` takes an optional engine list (`--browser`, `--browser firefox`,
 * `--browser=chromium,webkit`), which parseArgs cannot say: a following word is the list only if
 * it reads as one, so `--browser ./store.ts` still means Chromium and a target.
 */
function takeBrowserOption(argv: string[]): { args: string[]; engines: BrowserEngine[] } {
  const args: string[] = [];
  let engines: BrowserEngine[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('--browser=')) {
      const list = arg.slice('--browser='.length);
      if (list.trim() === '') throw new CliUsageError(`--browser= needs an engine: ${BROWSER_ENGINES.join(', ')}`);
      engines = parseEngines(list);
    } else if (arg === '--browser') {
      const next = argv[i + 1];
      if (next !== undefined && looksLikeEngineList(next)) {
        engines = parseEngines(next);
        i++;
      } else {
        engines = ['chromium'];
      }
    } else {
      args.push(arg);
    }
  }
  return { args, engines };
}

/** A word after `--browser` that names engines (`firefox`, `chromium,webkit`), not a target. */
function looksLikeEngineList(word: string): boolean {
  return /^[a-z]+(,[a-z]+)*$/i.test(word) && word.split(',').some((name) => (BROWSER_ENGINES as readonly string[]).includes(name.toLowerCase()));
}

function wholeNumber(value: string | boolean | undefined, option: string, min: number): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    throw new CliUsageError(`${option} needs a whole number${min === 1 ? ' >= 1' : ''}, got '${value}'`);
  }
  return n;
}
