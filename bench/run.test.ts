/**
 * The benchmark harness itself: that `npm run bench` runs a case end to end and that its JSON has
 * the documented shape. No timings are asserted (these machines are shared and noisy); the run is
 * in quick mode on the fastest case.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatMarkdown, formatTable, type BenchResults } from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

/** Runs `jiti bench/run.ts` with `args`; resolves stdout, stderr and the exit code. */
async function bench(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'node_modules/jiti/lib/jiti-cli.mjs'), 'bench/run.ts', ...args], {
      cwd: root,
      timeout: 120_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('npm run bench', () => {
  it('runs one case in quick mode and prints results as JSON on stdout', async () => {
    const { stdout, stderr, code } = await bench(['--quick', '--only', 'cookie-parse', '--json']);
    expect(code, stderr).toBe(0);
    const results = JSON.parse(stdout) as BenchResults;
    expect(results.quick).toBe(true);
    expect(Number.isNaN(Date.parse(results.date))).toBe(false);
    expect(results.machine.cpus).toBeGreaterThan(0);
    expect(results.machine.node).toBe(process.version);
    expect(results.cases.map((c) => c.id)).toEqual(['cookie-parse']);
    const [parse] = results.cases;
    if (parse?.status !== 'ran') throw new Error(`cookie-parse did not run: ${JSON.stringify(parse)}`);
    // Per corpus header: two medians and their ratio; one target per corpus header.
    expect(parse.figures).toHaveLength(9);
    for (const figure of parse.figures) {
      expect(Number.isFinite(figure.value) && figure.value > 0, figure.name).toBe(true);
      expect(figure.unit).toMatch(/^(ns\/parse|x)$/);
    }
    expect(parse.targets.map((t) => t.goal)).toEqual([
      '1 cookie: at least as fast as cookie.parse (cookie.parse / parseCookieHeader >= 1)',
      '10 cookies: at least as fast as cookie.parse (cookie.parse / parseCookieHeader >= 1)',
      '4 KB header: at least as fast as cookie.parse (cookie.parse / parseCookieHeader >= 1)',
    ]);
    for (const t of parse.targets) expect(t.met).toBe(t.measured >= 1);
  }, 120_000);

  it('refuses an unknown case with exit code 2, naming the cases there are', async () => {
    const { stderr, code } = await bench(['--only', 'no-such-case']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown case "no-such-case"');
    expect(stderr).toContain('request-cycle');
  }, 60_000);
});

describe('formatTable', () => {
  const results: BenchResults = {
    date: '2026-11-26T05:00:00.000Z',
    quick: false,
    machine: { node: 'v20.20.2', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, loadAverage: [1, 2, 3] },
    cases: [
      {
        id: 'request-cycle',
        title: 'request cycle',
        status: 'ran',
        durationMs: 1500,
        figures: [{ name: 'express-session / sess', value: 12.345, unit: 'x' }],
        targets: [
          { goal: 'express-session / sess >= 5', measured: 12.345, met: true },
          { goal: 'sess / floor <= 2', measured: 3.5, met: false },
        ],
        notes: ['a note'],
      },
      { id: 'redis', title: 'redis', status: 'skipped', skipped: 'Redis unreachable at redis://127.0.0.1:6379' },
    ],
  };

  it('prints the machine, every figure, each target as met or NOT MET, skips with their reason, and notes', () => {
    const table = formatTable(results);
    expect(table).toContain('machine: Test CPU, 2 cpus, 24 GiB, linux/x64, Node v20.20.2');
    expect(table).toMatch(/express-session \/ sess\s+12\.3 x/);
    expect(table).toMatch(/target: express-session \/ sess >= 5\s+12\.3 met/);
    expect(table).toMatch(/target: sess \/ floor <= 2\s+3\.5 NOT MET/);
    expect(table).toContain('skipped: Redis unreachable at redis://127.0.0.1:6379');
    expect(table).toContain('- request-cycle: a note');
    expect(table).not.toContain('QUICK');
  });

  it('renders the same results as a Markdown table for the README, with the machine and date above it', () => {
    const markdown = formatMarkdown(results).split('\n');
    expect(markdown[0]).toBe('Measured 2026-11-26 on Test CPU (2 cpus, 24 GiB, shared with other jobs), linux/x64, Node v20.20.2.');
    expect(markdown).toContain('| request-cycle | express-session / sess | 12.3 x | |');
    expect(markdown).toContain('| request-cycle | sess / floor <= 2 | 3.5 | **not met** |');
    expect(markdown).toContain('| redis | skipped: Redis unreachable at redis://127.0.0.1:6379 | | |');
  });
});
