/**
 * The built `sess-conformance` command, spawned as a user runs it: exit codes, output, the
 * fixture gallery's verdicts, replay, a store author's own project, and --browser in Chromium.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceProperties } from '../../../properties/index.js';
import type { ConformanceReport } from '../run/runner.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'dist/src/conformance/bin.js');
/**
 * The gallery runs each property's default number of runs: the verdict a store author would get,
 * and what the properties' defaults are sized to catch every time.
 */

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; command?: string[] } = {}): Promise<CliRun> {
  const [command, ...prefix] = options.command ?? [process.execPath, bin];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command!, [...prefix, ...args], {
      cwd: options.cwd ?? root,
      // CI/NO_COLOR from the outer run must not change what is asserted; SESS_RUNS neither.
      env: { ...process.env, CI: '', NO_COLOR: '', SESS_RUNS: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** The CLI under test is the built one: build it (tsc writes only what changed). */
beforeAll(async () => {
  try {
    await promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: root });
  } catch (error) {
    // Another engineer's half-written file may fail the type check while everything still emits.
    if (!existsSync(bin)) throw error;
  }
}, 180_000);

const scratch = mkdtempSync(join(tmpdir(), 'sess-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function scratchModule(name: string, source: string): string {
  const path = join(scratch, name);
  writeFileSync(path, source);
  return path;
}

/** A setup error: exit 2, one line on stderr saying what to fix, nothing on stdout, no stack. */
function expectSetupError(run: CliRun, pattern: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^sess-conformance: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe('sess-conformance with no target', () => {
  it('checks the built-in memory backend, every property, and exits 0', async () => {
    const run = await runCli([]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const property of conformanceProperties) {
      expect(run.stdout).toMatch(new RegExp(`^[✓–] ${property.name} `, 'm'));
    }
    expect(run.stdout).toMatch(/^PASS \d+ propert(y|ies) held/m);
    // Piped: no progress indicator and no colour.
    expect(run.stdout).not.toMatch(/[\r\x1b]/);
  }, 60_000);
});

describe('npx sess-conformance in this repository', () => {
  it('runs the bin that the build made executable', async () => {
    expect(statSync(bin).mode & 0o111, `${bin} is executable`).not.toBe(0);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const run = await runCli(['memory', '--runs', '2', '--json'], { command: ['npx', '--no', 'sess-conformance'] });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ target: 'memory', verdict: 'passed' });
  }, 60_000);
});

describe('sess-conformance informational options', () => {
  it('--list names every property with what it checks', async () => {
    const run = await runCli(['--list']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split(' ')[0])).toEqual(conformanceProperties.map((p) => p.name));
    for (const property of conformanceProperties) expect(run.stdout).toContain(property.summary);
  });

  it('--list --json is the list as JSON', async () => {
    const run = await runCli(['--list', '--json']);
    const list = JSON.parse(run.stdout) as Array<{ name: string; defaultRuns: number }>;
    expect(list.map((p) => p.name)).toEqual(conformanceProperties.map((p) => p.name));
    expect(list.every((p) => p.defaultRuns >= 1)).toBe(true);
  });

  it('--help shows the usage, every option and the exit codes', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: sess-conformance \[target\] \[options\]/);
    for (const option of ['--runs', '--seed', '--path', '--only', '--export', '--call-timeout', '--require-all', '--fake-date', '--real-time', '--browser', '--json', '--list', '--verbose', '--help', '--version']) {
      expect(run.stdout).toContain(option);
    }
    expect(run.stdout).toMatch(/^ {2}0 every property checked held/m);
    expect(run.stdout).toMatch(/^ {2}1 the backend broke a rule; or nothing could be checked; or, with --require-all,/m);
    expect(run.stdout).toMatch(/^ {2}2 the run could not start/m);
    expect(run.stdout).toMatch(/^ {2}3 sess itself failed/m);
  });

  it('--version prints the package version', async () => {
    const run = await runCli(['--version']);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(run).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('--json prints only the report on stdout', async () => {
    const run = await runCli(['memory', '--json', '--runs', '3', '--seed', '77']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as ConformanceReport & { target: string; browser: boolean };
    expect(report).toMatchObject({ target: 'memory', browser: false, verdict: 'passed', seed: 77, failed: 0 });
    expect(report.properties.map((p) => p.name)).toEqual(conformanceProperties.map((p) => p.name));
    for (const property of report.properties) {
      expect(property).toMatchObject({ seed: 77 });
      expect(['passed', 'not_checked']).toContain(property.verdict);
      expect(typeof property.durationMs).toBe('number');
      if (property.verdict === 'passed') expect(property.runs).toBe(3);
    }
    expect(report.passed + report.notChecked).toBe(conformanceProperties.length);
  });

  it('--only runs just the named properties, in suite order', async () => {
    const names = conformanceProperties.map((p) => p.name).slice(0, 2).reverse();
    const run = await runCli(['--json', '--runs', '2', '--only', names.join(',')]);
    const report = JSON.parse(run.stdout) as ConformanceReport;
    expect(report.properties.map((p) => p.name)).toEqual([...names].reverse());
  });
});

describe('sess-conformance setup errors exit 2 with one line saying what to fix', () => {
  it('a missing file', async () => {
    expectSetupError(await runCli(['./no-such-store.ts']), /no such file: .*no-such-store\.ts/);
  });

  it('an unknown built-in name', async () => {
    expectSetupError(await runCli(['mongo']), /unknown target 'mongo'.*memory, indexeddb, redis/);
  });

  it('a file of another kind', async () => {
    expectSetupError(await runCli([scratchModule('store.json', '{}')]), /must end in \.ts/);
  });

  it('a module without a default export', async () => {
    const path = scratchModule('named-only.ts', 'export const storeFactory = () => ({});\n');
    expectSetupError(await runCli([path]), /has no BackendFactory function as its default export \(it exports: storeFactory\): .*--export NAME/);
  });

  it('an --export name that is not there', async () => {
    const path = scratchModule('named-only-2.ts', 'export const storeFactory = () => ({});\n');
    expectSetupError(await runCli([path, '--export', 'nope']), /no BackendFactory function as export 'nope' \(it exports: storeFactory\)/);
  });

  it('a module that fails to load', async () => {
    const path = scratchModule('broken-import.ts', "import { x } from './not-there.js';\nexport default () => x;\n");
    expectSetupError(await runCli([path]), /could not load .*broken-import\.ts: /);
  });

  it('a factory that throws', async () => {
    const path = scratchModule('throwing.ts', "export default () => { throw new Error('cannot reach the database'); };\n");
    expectSetupError(await runCli([path]), /the backend factory threw: cannot reach the database/);
  });

  it('a factory that throws, with --verbose, also shows the stack', async () => {
    const path = scratchModule('throwing-verbose.ts', "export default () => { throw new Error('cannot reach the database'); };\n");
    const run = await runCli([path, '--verbose']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^sess-conformance: the backend factory threw: cannot reach the database\n/);
    expect(run.stderr).toMatch(/^\s+at /m);
  });

  it('a factory that returns something other than a backend', async () => {
    const path = scratchModule('not-a-backend.ts', 'export default async () => ({ get() {} });\n');
    expectSetupError(await runCli([path]), /returned an object without defaultPeriod, generate, set, touch, clear\(\)/);
  });

  it.each([
    [['--runs', '0'], /--runs needs a whole number >= 1, got '0'/],
    [['--runs', 'many'], /--runs needs a whole number >= 1, got 'many'/],
    [['--seed', '1.5'], /--seed needs a whole number, got '1.5'/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['a.ts', 'b.ts'], /expected at most one target, got 2/],
    [['--only', 'no-such-property'], /unknown property 'no-such-property': the properties are /],
    [['--path', '1:2'], /path replays a failure only with the seed it was found with: give seed too/],
    [['--path', '1:2', '--seed', '3'], /path belongs to one property: name exactly one in only/],
    [['redis', '--browser'], /redis needs a TCP connection/],
    [['--real-time', '--fake-date'], /fakeDate and realTime do not go together: in real time Date is the system clock already/],
    [['--real-time', '--browser'], /--real-time works in Node only/],
  ])('usage: %j', async (args, pattern) => {
    expectSetupError(await runCli(args), pattern);
  });

  it('--real-time runs backend-model on the system clock and says what it left to the simulated run', async () => {
    const run = await runCli(['--real-time', '--runs', '2', '--only', 'backend-model,values']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^✓ backend-model/m);
    expect(run.stdout).toMatch(/values: left to the simulated run \(they do not judge expiry/);
    expect(run.stdout).toMatch(/PASS .* in real time, in /);
    const strict = await runCli(['--real-time', '--runs', '1', '--only', 'backend-model,values', '--require-all', '--json']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({ verdict: 'failed', clock: 'real-time', notChecked: 1 });
  }, 60_000);

  it('--export takes the factory from a named export', async () => {
    const path = scratchModule('named.ts', "export { memoryBackendFactory as storeFactory } from " + JSON.stringify(join(root, 'src/backends/memory.ts')) + ';\n');
    const run = await runCli([path, '--export', 'storeFactory', '--runs', '2', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: 'passed' });
  });
});

interface Expectation {
  verdict: 'passes' | 'fails';
  property?: string;
  bug?: string;
  /** `real-time`: caught only by a run with --real-time. */
  clock?: 'real-time';
}

const galleryDir = join(root, 'fixtures/backends');
const gallery = readdirSync(galleryDir)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .sort();

/** Reports of the gallery's broken fixtures, kept for the replay test. */
const caught = new Map<string, { report: ConformanceReport; property: string; args: string[] }>();

interface GalleryModule {
  expectation: Expectation;
  /** A call timeout shorter than the default, for fixtures whose calls never settle. */
  callTimeoutMs?: number;
  /** false for fixtures whose failure depends on what ran before in the process. */
  replaysInAFreshProcess?: boolean;
}

function callTimeoutArgs(fixture: GalleryModule): string[] {
  return [
    ...(fixture.callTimeoutMs === undefined ? [] : ['--call-timeout', String(fixture.callTimeoutMs)]),
    ...(fixture.expectation.clock === 'real-time' ? ['--real-time'] : []),
  ];
}

/** A broken fixture of the gallery (boundary-live-check when it is there: its failure is short). */
async function aBrokenFixture(): Promise<{ file: string; property: string }> {
  const files = ['boundary-live-check.ts', ...gallery];
  for (const file of files.filter((f) => gallery.includes(f))) {
    const { expectation } = (await import(pathToFileURL(join(galleryDir, file)).href)) as { expectation: Expectation };
    if (expectation.verdict === 'fails') return { file, property: expectation.property! };
  }
  throw new Error('the gallery in fixtures/backends has no broken fixture');
}

describe('the fixture gallery: the CLI gives every backend its expected verdict', () => {
  it('has fixtures', () => {
    expect(gallery.length).toBeGreaterThan(0);
  });

  // Two at a time: each is a child process that mostly waits on its own event loop, and this file
  // is the longest of npm test. (`expect` from the context: concurrent tests need their own.)
  it.concurrent.for(gallery)('%s', { timeout: 120_000 }, async (file, { expect }) => {
    const fixture = (await import(pathToFileURL(join(galleryDir, file)).href)) as GalleryModule;
    const { expectation } = fixture;
    // A good backend must hold every property; a broken one is checked with the property that
    // must catch it (the whole suite per fixture would make this file take minutes).
    const only = expectation.verdict === 'fails' ? ['--only', expectation.property!] : [];
    const run = await runCli([`./fixtures/backends/${file}`, '--json', ...only, ...callTimeoutArgs(fixture)]);
    const report = JSON.parse(run.stdout || '{}') as ConformanceReport;
    const failed = (report.properties ?? []).filter((p) => p.verdict === 'failed');
    const summary = `${file}: exit ${run.code}, failed ${failed.map((p) => p.name).join(', ') || 'nothing'}; ${run.stderr}`;
    if (expectation.verdict === 'passes') {
      expect(run.code, summary).toBe(0);
      expect(report.verdict).toBe('passed');
      return;
    }
    expect(run.code, summary).toBe(1);
    const failure = failed.find((p) => p.name === expectation.property);
    expect(failure, `${summary}; expected ${expectation.property} to catch: ${expectation.bug}`).toBeDefined();
    // The counterexample names the broken rule (a SPEC section), and shows the steps to it.
    expect(failure!.failure!.message).toMatch(/SPEC §\d/);
    expect(failure!.failure!.steps.length).toBeGreaterThan(0);
    expect(failure!.failure!.snippet).not.toBe('');
    // One property, one bug: one finding, named as the property's failure is.
    expect(report.findings.map((f) => f.rootCause.id)).toEqual([failure!.failure!.rootCause.id]);
    if (fixture.replaysInAFreshProcess !== false) caught.set(file, { report, property: expectation.property!, args: callTimeoutArgs(fixture) });
  });
});

describe('replay', () => {
  it('--only with the printed --seed and --path reproduces the same failure, for every caught fixture', async () => {
    expect(caught.size, 'broken fixtures were caught in the gallery').toBeGreaterThan(0);
    for (const [file, { report, property, args: extra }] of caught) {
      const original = report.properties.find((p) => p.name === property)!;
      const args = ['--json', '--only', property, '--seed', String(original.seed), '--path', original.failure!.path, ...extra];
      const run = await runCli([`./fixtures/backends/${file}`, ...args]);
      expect(run.code, `${file} ${args.join(' ')}`).toBe(1);
      const replayed = (JSON.parse(run.stdout) as ConformanceReport).properties[0]!;
      // The same rule broken by the same steps; the rest of the message may quote values the
      // backend drew at random (a fresh key), which no seed controls.
      expect(replayed.failure!.message.split('\n')[0], file).toBe(original.failure!.message.split('\n')[0]);
      expect(replayed.failure!.steps.length, file).toBe(original.failure!.steps.length);
      expect(replayed.failure!.path, file).toBe(original.failure!.path);
    }
  }, 180_000);

  it('the text output prints the failure in full and a replay command that reproduces it', async () => {
    const { file, property } = await aBrokenFixture();
    const run = await runCli([`./fixtures/backends/${file}`, '--only', property]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^✗ ${property}\\s+failed after \\d+ runs?`, 'm'));
    expect(run.stdout).toMatch(/^Findings: it breaks 1 rule/m);
    expect(run.stdout).toMatch(new RegExp(`^ {2}found by ${property} \\(seed \\d+, path [\\d:]+\\)$`, 'm'));
    expect(run.stdout).toMatch(/^ {2}Shortest sequence found \(\d+ steps?/m);
    expect(run.stdout).toMatch(/^ {4}1\. /m);
    expect(run.stdout).toMatch(/^ {2}As TypeScript:\n {4}\S/m);
    const command = /^ {4}(npx sess-conformance .*)$/m.exec(run.stdout)?.[1];
    expect(command).toMatch(new RegExp(`^npx sess-conformance \\./fixtures/backends/${file} --only ${property} --seed \\d+ --path [\\d:]+$`));
    const [, , ...args] = command!.split(' ');
    const replay = await runCli(args);
    expect(replay.code).toBe(1);
    const message = (text: string) => text.slice(text.indexOf('✗ 1. ')).split('\n').slice(0, 4).join('\n').replace(/seed \d+, path [\d:]+/, '');
    expect(message(replay.stdout)).toBe(message(run.stdout));
  }, 60_000);
});

/** The JSON report of a run, and what a store author sees: never a raw stack on stderr. */
async function reportOf(args: string[]): Promise<{ run: CliRun; report: ConformanceReport }> {
  const run = await runCli(args);
  expect(run.stderr, 'no raw stack').not.toMatch(/^\s+at /m);
  expect(run.stdout, `a report (stderr: ${run.stderr})`).not.toBe('');
  return { run, report: JSON.parse(run.stdout) as ConformanceReport };
}

describe('runs that never die, one finding per root cause, honest verdicts (issue 12)', () => {
  it('a call that never settles fails its property with the call named, and the run goes on', async () => {
    const { run, report } = await reportOf(['./fixtures/backends/touch-never-calls-back.ts', '--json', '--call-timeout', '200', '--only', 'backend-model,garbage-keys']);
    expect(run.code).toBe(1);
    expect(report.properties.map((p) => p.verdict)).toEqual(['failed', 'passed']);
    const failure = report.properties[0]!.failure!;
    expect(failure.rootCause.id).toBe('call-never-settles');
    expect(failure.message).toMatch(/backend\.touch\(.*\) did not settle within 200 ms/);
  }, 60_000);

  it('the same with an interval keeping Node alive: the run still ends, with its report', async () => {
    const { run, report } = await reportOf(['./fixtures/backends/touch-never-calls-back-keepalive.ts', '--json', '--call-timeout', '200', '--only', 'backend-model']);
    expect(run.code).toBe(1);
    expect(report.findings.map((f) => f.rootCause.id)).toEqual(['call-never-settles']);
  }, 60_000);

  it('a wedged backend stops the run cleanly: what ran is reported, what did not is said so', async () => {
    const { run, report } = await reportOf(['./fixtures/backends/database-goes-away.ts', '--json', '--call-timeout', '100']);
    expect(run.code).toBe(1);
    expect(report.stopped).toMatch(/stopped answering during backend-model/);
    expect(report.properties[0]!.verdict).toBe('failed');
    const rest = report.properties.slice(1);
    expect(rest.length).toBeGreaterThan(5);
    for (const property of rest) expect(property).toMatchObject({ verdict: 'not_checked', notChecked: expect.stringMatching(/^not run: /) });
  }, 90_000);

  it('a rejection the backend leaves unhandled is a finding of its own, not the death of the run', async () => {
    const { run, report } = await reportOf(['./fixtures/backends/miss-audit-unhandled.ts', '--json']);
    expect(run.code).toBe(1);
    expect(report.properties).toHaveLength(conformanceProperties.length);
    expect(report.findings.map((f) => f.rootCause.id)).toContain('unhandled-rejection');
    const finding = report.findings.find((f) => f.rootCause.id === 'unhandled-rejection')!;
    expect(finding.failure.steps.at(-1)).toMatch(/expected: nothing left unhandled[\s\S]*SQLITE_BUSY/);
  }, 120_000);

  it('a call that rejects late under the scheduler does not kill the run either', async () => {
    const { run, report } = await reportOf(['./fixtures/backends/clear-rejects-late.ts', '--json']);
    expect(run.code).toBe(1);
    expect(report.properties).toHaveLength(conformanceProperties.length);
    expect(report.properties.find((p) => p.name === 'linearizability')?.failure?.rootCause.id).toBe('call-rejected');
    // One bug, one finding, whichever properties hit it.
    expect(report.findings.map((f) => f.rootCause.id)).toEqual(['call-rejected']);
  }, 120_000);

  it('a store with one boundary bug shows one finding, with every property it broke listed once', async () => {
    const { run, report } = await reportOf(['./fixtures/backends/boundary-live-check.ts', '--json']);
    expect(run.code).toBe(1);
    expect(report.findings).toHaveLength(1);
    const [finding] = report.findings;
    expect(finding!.rootCause).toMatchObject({ id: 'expiry-early', measured: expect.stringMatching(/1 ms early/) });
    expect(finding!.alsoIn.length).toBeGreaterThanOrEqual(3);
    const failed = report.properties.filter((p) => p.verdict === 'failed').map((p) => p.name);
    expect([finding!.property, ...finding!.alsoIn].sort()).toEqual(failed.sort());
  }, 120_000);

  it('a factory that fails midway fails the property it failed in; the run goes on; one finding for it', async () => {
    const { run, report } = await reportOf(['./fixtures/backends/factory-fails-midway.ts', '--json', '--only', 'backend-model,garbage-keys,values']);
    expect(run.code).toBe(1);
    expect(report.properties.map((p) => p.verdict)).toEqual(['failed', 'failed', 'failed']);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ rootCause: { id: 'factory-failed' }, alsoIn: ['garbage-keys', 'values'] });
    expect(report.findings[0]!.failure.message).toMatch(/pool exhausted: all 150 connections are in use/);
  }, 60_000);

  it('a backend without size/sweep/close passes, with what was not checked named, never as held', async () => {
    const run = await runCli(['./fixtures/backends/no-optional-methods.ts']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^– reclaiming\s+not checked: /m);
    expect(run.stdout).toMatch(/^◐ errors-surfaced\s+\d+ runs .*partly checked: /m);
    expect(run.stdout).toMatch(/^Not checked \(not shown as held\):\n {2}reclaiming: .*\n {2}errors-surfaced \(in part\): /m);
    expect(run.stdout).toMatch(/^PASS \d+ properties held, 1 partly checked, 1 not checked \(reclaiming: .*; errors-surfaced: .*\) in /m);
  }, 60_000);

  it('--require-all fails what could not be checked', async () => {
    const run = await runCli(['./fixtures/backends/no-optional-methods.ts', '--require-all', '--only', 'reclaiming,garbage-keys']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL not everything could be checked \(--require-all\)/m);
    expect(run.stdout).toMatch(/^Not checked \(fails the run: --require-all\):/m);
  }, 60_000);

  it('a run that checked nothing is never PASS', async () => {
    const run = await runCli(['./fixtures/backends/no-optional-methods.ts', '--only', 'reclaiming']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^NOT CHECKED nothing could be checked on this backend: 0 properties held, 1 not checked \(reclaiming: /m);
  }, 60_000);
});

describe("a store author's own project", () => {
  /** A copy of fixtures/external/<name> with `sess` linked in, as `npm install` would leave it. */
  function project(name: string, module: string): string {
    const dir = join(scratch, `project-${name}-${module.replace(/[^\w-]/g, '_')}`);
    cpSync(join(root, 'fixtures/external', name), dir, { recursive: true });
    mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
    symlinkSync(root, join(dir, 'node_modules/sess'), 'dir');
    symlinkSync('../sess/dist/src/conformance/bin.js', join(dir, 'node_modules/.bin/sess-conformance'));
    return dir;
  }

  it.each([
    ['esm-store', './kv-store.ts'],
    ['cjs-store', './map-store.ts'],
    ['cjs-store', './map-store.cjs'],
  ])('%s: npx sess-conformance %s passes', async (name, module) => {
    const cwd = project(name, module);
    const run = await runCli([module, '--runs', '5'], { cwd, command: ['npx', '--no', 'sess-conformance'] });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^PASS /m);
  }, 90_000);

  it.each(['esm-store', 'cjs-store'])("%s type-checks against sess's published types", async (name) => {
    const cwd = project(name, 'tsc');
    const tsc = join(root, 'node_modules/.bin/tsc');
    await expect(promisify(execFile)(tsc, ['-p', 'tsconfig.json'], { cwd })).resolves.toMatchObject({ stdout: '' });
  }, 60_000);
});

describe('sess-conformance --browser (Chromium)', () => {
  const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

  it('finds Chromium', () => {
    expect(existsSync(chromium), `no Chromium at ${chromium}: apt-get install chromium, or set CHROMIUM_PATH`).toBe(true);
  });

  it('with no target runs the built-in IndexedDB backend in Chromium, and cleans its temp folder', async () => {
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    // A folder left by a run that was killed: its owner process is gone.
    const stale = join(tmp, 'sess-conformance-stale');
    mkdirSync(stale);
    writeFileSync(join(stale, 'owner.pid'), '999999999');
    // key-quality makes 10,000 keys per run, each an IndexedDB transaction: about 25 s a run in
    // Chromium, so it is left to the default run (measured in the closing note).
    const properties = conformanceProperties.filter((p) => p.name !== 'key-quality');
    const run = await runCli(['--browser', '--runs', '20', '--only', properties.map((p) => p.name).join(',')], { env: { TMPDIR: tmp } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^PASS /m);
    for (const property of properties) {
      expect(run.stdout).toMatch(new RegExp(`^[✓–] ${property.name} `, 'm'));
    }
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  it('catches a broken fixture in Chromium, with a browser replay command', async () => {
    const { file, property } = await aBrokenFixture();
    const run = await runCli([`./fixtures/backends/${file}`, '--browser', '--only', property]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^✗ ${property} `, 'm'));
    expect(run.stdout).toMatch(new RegExp(`npx sess-conformance \\./fixtures/backends/${file} --browser --only ${property} --seed \\d+ --path`));
  }, 120_000);

  it('stops a backend that hangs the page (a synchronous loop) with the watchdog, exit 1', async () => {
    const memory = JSON.stringify(join(root, 'src/backends/memory.ts'));
    const path = scratchModule(
      'hangs.ts',
      `import { memoryBackendFactory } from ${memory};
export default async (context: Parameters<typeof memoryBackendFactory>[0]) => {
  const backend = await memoryBackendFactory(context);
  return {
    defaultPeriod: () => backend.defaultPeriod(),
    generate: backend.generate.bind(backend),
    get: (_key: string) => { for (;;) {} },
    set: backend.set.bind(backend),
    touch: backend.touch.bind(backend),
    clear: backend.clear.bind(backend),
  };
};
`,
    );
    const run = await runCli([path, '--browser', '--only', 'backend-model'], { env: { SESS_CONFORMANCE_TIMEOUT: '3' } });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toBe('sess-conformance: backend-model did not finish within 3 s in Chromium (a synchronous loop, or a promise that never settles)\n');
  }, 120_000);

  it('reports a factory that throws in Chromium (exit 2), with a source-mapped stack under --verbose', async () => {
    const path = scratchModule('throws-in-browser.ts', "export default () => {\n  throw new Error('no database configured');\n};\n");
    expectSetupError(await runCli([path, '--browser']), /^sess-conformance: the backend factory threw: no database configured$/);
    const verbose = await runCli([path, '--browser', '--verbose']);
    expect(verbose.code).toBe(2);
    // Chrome's own stack points into the bundle; the CLI maps it back to the user's file.
    expect(verbose.stderr).toContain(`at throws_in_browser_default (${path}:2:9)`);
    expect(verbose.stderr).not.toContain('/bundle.js:');
  }, 120_000);

  it('reports a module that throws at import time as a load error (exit 2)', async () => {
    const path = scratchModule('throws-on-import.ts', "throw new Error('no config found');\nexport default () => null;\n");
    expectSetupError(await runCli([path, '--browser']), /could not load .*throws-on-import\.ts in Chromium: no config found/);
  }, 120_000);

  it('reports a module whose import cannot be resolved for the browser (exit 2)', async () => {
    const path = scratchModule('missing-package.ts', "import { thing } from 'no-such-package-anywhere';\nexport default () => thing;\n");
    expectSetupError(await runCli([path, '--browser']), /could not bundle .*missing-package\.ts for the browser: .*no-such-package-anywhere/);
  }, 120_000);
});
