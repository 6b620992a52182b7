/**
 * `main` in-process, for what spawning cannot reach: sess itself failing mid-run must print what
 * was decided, then say it was sess's fault, and exit 3 (never 1, which blames the backend).
 */
import { describe, expect, it } from 'vitest';
import { EXIT_INTERNAL } from './exit-codes.js';
import { main, type CliIo } from './main.js';

function io(onWrite: (text: string) => void): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => (onWrite(text), out.push(text)) },
      stderr: { write: (text: string) => err.push(text) },
      env: { CI: '1' },
      cwd: new URL('../../..', import.meta.url).pathname,
    },
    out,
    err,
  };
}

describe('main', () => {
  it('exits 3 on an internal error, after printing what was decided before it', async () => {
    let broken = true;
    // The first result line cannot be written (a bug in the reporter, say); later writes work.
    const { io: failing, out, err } = io((text) => {
      if (broken && text.startsWith('✓')) {
        broken = false;
        throw new Error('the reporter fell over');
      }
    });
    const code = await main(['./fixtures/backends/map-backend.ts', '--only', 'garbage-keys,values', '--runs', '3'], failing);
    expect(code).toBe(EXIT_INTERNAL);
    expect(out.join('')).toMatch(/Decided before sess failed:\n {2}✓ garbage-keys/);
    expect(err.join('')).toMatch(/^sess-conformance: internal error in sess \(please report it\): the reporter fell over\n$/);
  }, 60_000);
});
