/**
 * manager-model checks the headers string for string: a `Set-Cookie` writer that drops
 * `HttpOnly` (as a hand-rolled one easily does) is caught.
 */
import { describe, expect, it, vi } from 'vitest';
import { memoryBackendFactory } from '../src/backends/memory.js';
import { checkProperty } from './check.js';
import { managerModelProperty } from './manager-model.js';

vi.mock('../src/cookie/set-cookie.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/cookie/set-cookie.js')>();
  return {
    ...real,
    setCookieLine: (...args: Parameters<typeof real.setCookieLine>) => real.setCookieLine(...args).replace('; HttpOnly', ''),
  };
});

describe('manager-model over a Set-Cookie writer that drops HttpOnly', () => {
  it('fails with the header expected and the header written', async () => {
    const report = await checkProperty(managerModelProperty, memoryBackendFactory);
    expect(report.verdict, `seed ${report.seed}`).toBe('failed');
    const failure = report.failure!;
    expect(failure.message).toMatch(/^(toCookieHeaders writes exactly the Set-Cookie line of SPEC §7|clearHeaders writes exactly the deletion line of SPEC §7)/);
    expect(failure.message).toMatch(/expected: .*HttpOnly/);
    expect(failure.steps.length).toBeLessThanOrEqual(3);
  });
});
