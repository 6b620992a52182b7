#!/usr/bin/env node
/**
 * `npm test`: the whole test suite, both vitest projects (`node` and `chromium`) in one run.
 *
 * 1. Makes sure the three browser engines are there (Playwright cannot download browsers here;
 *    RECIPE.md): Chromium, Firefox ESR, and WebKitGTK's MiniBrowser with WebKitWebDriver and Xvfb
 *    (the WebKit driver starts its own Xvfb display). Each is the path its environment variable
 *    names (CHROMIUM_PATH, FIREFOX_PATH, WEBKIT_PATH, WEBKIT_DRIVER_PATH, XVFB_PATH) or else
 *    Debian's, installed with `apt-get` when missing. `node scripts/test.mjs --install-browsers`
 *    does only this step.
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
const REDIS = { host: '127.0.0.1', port: 6379 };

const installOnly = process.argv[2] === '--install-browsers';
const vitestArgs = process.argv.slice(installOnly ? 3 : 2);

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

/**
 * The three browser engines the tests drive, each overridable by an environment variable, and the
 * Debian package that provides each default (RECIPE.md: Playwright cannot download browsers here).
 * The same defaults live in src/conformance/browser/binaries.ts (this file is plain JavaScript).
 */
function browserParts() {
  const multiarch = ['x86_64-linux-gnu', 'aarch64-linux-gnu'].find((dir) => existsSync(`/usr/lib/${dir}`)) ?? 'x86_64-linux-gnu';
  return [
    { variable: 'CHROMIUM_PATH', path: '/usr/bin/chromium', packages: ['chromium'], what: 'Chromium' },
    { variable: 'FIREFOX_PATH', path: '/usr/bin/firefox-esr', packages: ['firefox-esr'], what: 'Firefox' },
    {
      variable: 'WEBKIT_PATH',
      path: `/usr/lib/${multiarch}/webkit2gtk-4.1/MiniBrowser`,
      packages: ['libwebkit2gtk-4.1-0'],
      what: "WebKitGTK's MiniBrowser",
    },
    { variable: 'WEBKIT_DRIVER_PATH', path: '/usr/bin/WebKitWebDriver', packages: ['webkit2gtk-driver'], what: 'WebKitWebDriver' },
    { variable: 'XVFB_PATH', path: '/usr/bin/Xvfb', packages: ['xvfb'], what: 'Xvfb (the display WebKit runs on)' },
  ];
}

/**
 * Makes sure every browser part is there: the environment variable's path if set (it must exist),
 * else Debian's, installing whatever is missing with one `apt-get update` and one `apt-get install`.
 * Returns the environment the tests get (each variable set to the path found).
 */
function ensureBrowsers() {
  const found = {};
  const missing = [];
  for (const part of browserParts()) {
    const wanted = process.env[part.variable];
    if (wanted !== undefined && wanted !== '') {
      if (!isExecutable(wanted)) abort(`${part.variable} is ${JSON.stringify(wanted)}, but no executable is there.`);
      found[part.variable] = wanted;
    } else if (isExecutable(part.path)) {
      found[part.variable] = part.path;
    } else {
      say(`No ${part.what} at ${part.path} (set ${part.variable} to use another one).`);
      missing.push(part);
    }
  }
  if (missing.length === 0) return found;
  const packages = missing.flatMap((part) => part.packages);
  say(`Installing Debian's ${packages.join(', ')}: apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`);
  if (!existsSync('/usr/bin/apt-get')) {
    abort(`apt-get is not available on this machine: install ${packages.join(', ')} yourself, or set ${missing.map((p) => p.variable).join(', ')}.`);
  }
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another apt run on the machine holds the lock for a while: wait for it rather than fail.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
  const apt = (...args) => (asRoot ? run('apt-get', [...lockWait, ...args], env) : run('sudo', ['-n', 'apt-get', ...lockWait, ...args], env));
  const started = performance.now();
  if (!apt('update') || !apt('install', '-y', '--no-install-recommends', ...packages)) {
    abort(
      `Installing ${packages.join(', ')} with apt-get failed${asRoot ? '' : ' (not root, and sudo -n was refused)'}: ` +
        `install them yourself (apt-get install ${packages.join(' ')}) or set ${missing.map((p) => p.variable).join(', ')}.`,
    );
  }
  for (const part of missing) {
    if (!isExecutable(part.path)) abort(`apt-get installed ${part.packages.join(', ')}, yet ${part.path} is still missing.`);
    found[part.variable] = part.path;
  }
  say(`Installed ${packages.join(', ')} in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  return found;
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
  if (installOnly) {
    const found = ensureBrowsers();
    for (const [variable, path] of Object.entries(found)) say(`${variable}=${path}`);
    return;
  }
  if (!existsSync(join(root, 'node_modules', 'vitest', 'vitest.mjs'))) {
    abort('vitest is not installed: run `npm ci` (or `npm install`) first.');
  }
  const projects = requestedProjects(vitestArgs);
  const env = { ...process.env };
  // The chromium project runs in Chromium; the node project drives all three engines (the CLI's
  // --browser, the IndexedDB backend in Firefox and WebKit).
  if (projects.length === 0 || projects.some((name) => name.includes('chromium') || name.includes('node'))) {
    Object.assign(env, ensureBrowsers());
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
