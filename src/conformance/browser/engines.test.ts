/**
 * What every engine driver must hold beyond a passing run, in Firefox and WebKit (Chromium's are
 * in cli.test.ts, through the CLI): the page's console lines and uncaught errors reach the run
 * with source-mapped stacks, the watchdog stops a page that hangs and the hung browser still
 * closes, the temp folder and every process go when the run ends or is killed with SIGTERM, and a
 * missing or broken browser is a usage error naming the engine and what to install.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConformanceUsageError } from '../errors.js';
import { resolveTarget } from '../load/targets.js';
import { ENGINE_LABEL, runInBrowser, type BrowserEngine, type BrowserRunRequest } from './index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const memory = JSON.stringify(join(root, 'src/backends/memory.ts'));
const scratch = mkdtempSync(join(tmpdir(), 'sess-engines-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The watchdog's silence limit in these tests: long enough for a page to load and start its first
 * property on a loaded 2-core machine (3 s was not, in WebKit: the watchdog then fired before the
 * hang it is meant to catch), short enough to keep the test quick.
 */
const SILENCE_SECONDS = '8';

function scratchModule(name: string, source: string): string {
  const path = join(scratch, name);
  writeFileSync(path, source);
  return path;
}

function request(engine: BrowserEngine, module: string, overrides: Partial<BrowserRunRequest> & { lines?: string[] } = {}): BrowserRunRequest {
  const lines = overrides.lines ?? [];
  return {
    target: resolveTarget(module, root),
    exportName: undefined,
    engine,
    runOptions: { runs: 5, only: ['backend-model'] },
    verbose: false,
    env: process.env,
    cwd: root,
    log: (line) => lines.push(line),
    ...overrides,
  };
}

const noEvents = { onStart: () => {}, onResult: () => {} };

/** Processes still alive whose environment names `dir` (the drivers give theirs TMPDIR inside the run's folder). */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(dir)) found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ')}`);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

// A store whose module logs and then, before the suite starts, throws from a timer it scheduled.
const loadTimeThrow = `console.log('hello from the store');
console.warn('a warning from the store');
setTimeout(() => {
  throw new Error('store exploded in a timer');
}, 0);
await new Promise((resolve) => setTimeout(resolve, 200));
export { memoryBackendFactory as default } from ${memory};
`;

describe.each(['firefox', 'webkit'] as const)('the %s driver', (engine) => {
  const label = ENGINE_LABEL[engine];

  it("reports the page's console lines and an uncaught error, its stack mapped to the store's file, and leaves nothing behind", async () => {
    const module = scratchModule(`throws-in-timer-${engine}.ts`, loadTimeThrow);
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    const lines: string[] = [];
    const run = runInBrowser(request(engine, module, { verbose: true, lines, env: { ...process.env, TMPDIR: tmp } }), noEvents);
    const error = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConformanceUsageError);
    // Before any property started, a page error means the run could not start.
    expect((error as Error).message).toBe(`uncaught error in the ${label} page: store exploded in a timer`);
    expect(lines).toContain(`[${engine} log] hello from the store`);
    expect(lines.some((line) => line.startsWith(`[${engine} warn`) && line.endsWith('a warning from the store'))).toBe(true);
    // The stack points at the store's own file and line, not into the bundle.
    // (The column differs by engine: where `new` is, or where `Error` is.)
    expect((error as Error).stack).toMatch(new RegExp(`${module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+`));
    expect((error as Error).stack).not.toContain('/bundle.js:');
    expect(readdirSync(tmp)).toEqual([]);
    expect(processesUsing(tmp)).toEqual([]);
  }, 120_000);

  it('stops a page that hangs with the watchdog, and still closes the hung browser', async () => {
    const module = join(root, 'fixtures/browser/hangs-in-get.ts');
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    const started: string[] = [];
    const outcome = await runInBrowser(request(engine, module, { env: { ...process.env, TMPDIR: tmp, SESS_CONFORMANCE_TIMEOUT: SILENCE_SECONDS } }), {
      onStart: (property) => started.push(property.name),
      onResult: () => {},
    });
    expect(started).toEqual(['backend-model']);
    expect(outcome).toEqual({
      kind: 'stopped',
      reason: `backend-model did not finish within ${SILENCE_SECONDS} s in ${label} (a synchronous loop, or a promise that never settles)`,
      results: [],
    });
    expect(readdirSync(tmp)).toEqual([]);
    expect(processesUsing(tmp)).toEqual([]);
  }, 120_000);

  it('is a usage error naming the engine, the package to install and the variable to set when the browser is missing', async () => {
    const variable = engine === 'firefox' ? 'FIREFOX_PATH' : 'WEBKIT_DRIVER_PATH';
    const run = runInBrowser(request(engine, 'indexeddb', { env: { ...process.env, [variable]: '/nonexistent/browser' } }), noEvents);
    await expect(run).rejects.toThrow(ConformanceUsageError);
    await expect(run).rejects.toThrow(
      engine === 'firefox'
        ? '--browser firefox needs Firefox, and there is none at /nonexistent/browser: apt-get install firefox-esr, or set FIREFOX_PATH to one'
        : '--browser webkit needs WebKitWebDriver, and there is none at /nonexistent/browser: apt-get install webkit2gtk-driver, or set WEBKIT_DRIVER_PATH to one',
    );
  });

  it('is a usage error when the browser does not start, or its session request hangs, within the start timeout', async () => {
    const variable = engine === 'firefox' ? 'FIREFOX_PATH' : 'WEBKIT_PATH';
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    // /bin/false exits at once: Firefox's launch fails; WebKit's session request never answers (RECIPE.md).
    const env = { ...process.env, TMPDIR: tmp, [variable]: '/bin/false', SESS_BROWSER_START_TIMEOUT: '3' };
    const run = runInBrowser(request(engine, 'indexeddb', { env }), noEvents);
    await expect(run).rejects.toThrow(ConformanceUsageError);
    await expect(run).rejects.toThrow(
      engine === 'firefox' ? /^Firefox at \/bin\/false did not start: .*apt-get install firefox-esr, or set FIREFOX_PATH/ : /^WebKit did not start: .*no answer to POST \/session within 3 s.*apt-get install webkit2gtk-driver/,
    );
    expect(readdirSync(tmp)).toEqual([]);
    expect(processesUsing(tmp)).toEqual([]);
  }, 60_000);
});

describe('a WebKit run killed with SIGTERM', () => {
  it('closes the browser, its driver and display, and removes its temp folder', async () => {
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    // A run that says when its property has started, then keeps going (100,000 runs).
    const script = scratchModule(
      'run-until-killed.ts',
      `import { runInBrowser } from ${JSON.stringify(join(root, 'src/conformance/browser/index.ts'))};
import { resolveTarget } from ${JSON.stringify(join(root, 'src/conformance/load/targets.ts'))};
await runInBrowser(
  { target: resolveTarget('indexeddb', process.cwd()), exportName: undefined, engine: 'webkit', runOptions: { runs: 100000, only: ['backend-model'] },
    verbose: false, env: process.env, cwd: process.cwd(), log: () => {} },
  { onStart: () => console.log('started'), onResult: () => {} },
);
`,
    );
    const child = spawn(process.execPath, [join(root, 'node_modules/jiti/lib/jiti-cli.mjs'), script], {
      cwd: root,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const started = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('started')) resolve();
      }),
    );
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await Promise.race([started, exited]);
    expect(output).toContain('started');
    expect(processesUsing(tmp).some((line) => /MiniBrowser|WebKitWebProcess/.test(line)), 'the browser is running').toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(readdirSync(tmp)).toEqual([]);
    expect(processesUsing(tmp)).toEqual([]);
  }, 120_000);
});
