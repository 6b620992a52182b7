#!/usr/bin/env node
/**
 * `npm test`: the whole test suite, both vitest projects (`node` and `chromium`) in one run.
 *
 * 1. Makes sure a Chromium is there: `CHROMIUM_PATH` if set, else Debian's `/usr/bin/chromium`,
 *    installed with `apt-get` when missing (Playwright cannot download browsers here; RECIPE.md).
 * 2. Makes sure Redis answers on 127.0.0.1:6379, starting a throwaway `redis-server` (no
 *    persistence) only when nothing answers.
 * 3. Runs `vitest run` once with the default and JSON reporters; extra arguments go to vitest
 *    (`npm test -- --project node`, `npm test -- src/backends`).
 * 4. Prints `N passed, N failed` (and `, N skipped` if any) as the very last line, the line CI
 *    reads, and exits non-zero if anything failed, was skipped, or no test ran at all.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const REDIS = { host: '127.0.0.1', port: 6379 };

const vitestArgs = process.argv.slice(2);

function say(message) {
  console.log(`[npm test] ${message}`);
}

/** Ends the run with the closing line CI reads, after a message saying why. */
function abort(message) {
  console.error(`[npm test] ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Projects named with `--project x` / `--project=x`; empty means all of them. */
function requestedProjects(args) {
  const names = [];
  args.forEach((arg, i) => {
    if (arg === '--project' && args[i + 1] !== undefined) names.push(args[i + 1]);
    else if (arg.startsWith('--project=')) names.push(arg.slice('--project='.length));
  });
  return names;
}

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  return result.status === 0;
}

/** The Chromium to drive: `CHROMIUM_PATH`, else Debian's, installed from Debian's packages if missing. */
function ensureChromium() {
  const wanted = process.env.CHROMIUM_PATH;
  if (wanted !== undefined && wanted !== '') {
    if (!isExecutable(wanted)) abort(`CHROMIUM_PATH is ${JSON.stringify(wanted)}, but no executable is there.`);
    return wanted;
  }
  if (isExecutable(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  say(`No Chromium at ${DEBIAN_CHROMIUM} (set CHROMIUM_PATH to use another one).`);
  say(`Installing Debian's chromium package: apt-get update && apt-get install -y chromium`);
  if (!existsSync('/usr/bin/apt-get')) {
    abort('apt-get is not available on this machine: install Chromium yourself and set CHROMIUM_PATH to it.');
  }
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args) => (asRoot ? run('apt-get', args, env) : run('sudo', ['-n', 'apt-get', ...args], env));
  if (!apt('update') || !apt('install', '-y', 'chromium')) {
    abort(
      `Installing chromium with apt-get failed${asRoot ? '' : ' (not root, and sudo -n was refused)'}: ` +
        'install it yourself (apt-get install chromium) or set CHROMIUM_PATH to a Chromium.',
    );
  }
  if (!isExecutable(DEBIAN_CHROMIUM)) abort(`apt-get installed chromium, yet ${DEBIAN_CHROMIUM} is still missing.`);
  say(`Chromium installed at ${DEBIAN_CHROMIUM}.`);
  return DEBIAN_CHROMIUM;
}

/** Resolves true when a Redis server answers PING on 127.0.0.1:6379. */
function redisAnswers() {
  return new Promise((resolve) => {
    const socket = createConnection(REDIS);
    let reply = '';
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Starts a throwaway Redis (no snapshots, no AOF) when none answers; the Redis tests need one. */
async function ensureRedis() {
  if (await redisAnswers()) return;
  say(`No Redis answers on ${REDIS.host}:${REDIS.port}: starting redis-server.`);
  const started = run('redis-server', [
    '--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(REDIS.port), '--save', '', '--appendonly', 'no',
  ]);
  for (let i = 0; started && i < 50; i++) {
    if (await redisAnswers()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Not fatal here: only the Redis tests need it, and they fail with their own clear message.
  say('Could not start redis-server (is it installed?); the tests that need Redis will fail.');
}

function runVitest(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args], {
      cwd: root,
      env,
      stdio: 'inherit',
    });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve({ code, signal });
    });
  });
}

async function main() {
  if (!existsSync(join(root, 'node_modules', 'vitest', 'vitest.mjs'))) {
    abort('vitest is not installed: run `npm ci` (or `npm install`) first.');
  }
  const projects = requestedProjects(vitestArgs);
  const env = { ...process.env };
  if (projects.length === 0 || projects.some((name) => name.includes('chromium'))) {
    env.CHROMIUM_PATH = ensureChromium();
  }
  await ensureRedis();

  const scratch = mkdtempSync(join(tmpdir(), 'sess-test-'));
  const report = join(scratch, 'vitest-report.json');
  const started = performance.now();
  let summary;
  try {
    const outcome = await runVitest(['--reporter=default', '--reporter=json', `--outputFile=${report}`, ...vitestArgs], env);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.error(`[npm test] vitest took ${seconds} s.`);
    summary = existsSync(report)
      ? summarize(JSON.parse(readFileSync(report, 'utf8')), outcome.code)
      : { error: `vitest ended (${outcome.signal ?? `exit code ${outcome.code}`}) without writing its report.` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (summary.error !== undefined) abort(summary.error);
  console.log(summary.line);
  process.exitCode = summary.ok ? 0 : 1;
}

/** The closing line from vitest's JSON report (Jest's format: numPassedTests, ...). */
function summarize(results, exitCode) {
  const passed = results.numPassedTests ?? 0;
  let failed = results.numFailedTests ?? 0;
  const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
  // A test file that fails to load has no failed test in it, yet it is a failure.
  const brokenFiles = (results.testResults ?? []).filter(
    (file) => file.status === 'failed' && !file.assertionResults?.some((test) => test.status === 'failed'),
  );
  for (const file of brokenFiles) console.error(`[npm test] ${file.name} failed outside its tests: ${file.message ?? ''}`);
  failed += brokenFiles.length;
  const ran = passed + failed + skipped > 0;
  // Errors outside any test (unhandled rejections, ...) make vitest exit non-zero: count one.
  if (exitCode !== 0 && ran && failed === 0 && skipped === 0) {
    console.error('[npm test] vitest reported errors outside the tests (see above).');
    failed += 1;
  }
  if (!ran) console.error('[npm test] No test ran (did the filters match no file?): that is a failure.');
  if (skipped > 0) console.error('[npm test] Skipped or todo tests count against the bar: remove the skip.');
  return {
    line: `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
    ok: failed === 0 && skipped === 0 && passed > 0,
  };
}

main().catch((error) => abort(`npm test itself failed: ${error?.stack ?? error}`));
