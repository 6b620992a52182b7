/**
 * IndexedDbBackend in Chromium, Firefox and WebKit, each driven by the browser room's own driver
 * (vitest's browser mode drives only Playwright's Firefox and WebKit builds, which cannot be had
 * here): the engine-dependent unit checks (two connections, versionchange and deleteDatabase from
 * another connection, data surviving close and reopen, aborted transactions, transaction lifetime),
 * and the browser gallery's verdict per engine, by the same rule. Every conformance property on
 * IndexedDbBackend in Firefox and WebKit runs in `indexeddb.conformance.firefox.test.ts` and
 * `indexeddb.conformance.webkit.test.ts`.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, type GalleryVerdict } from '../../fixtures/browser/gallery.js';
import { BROWSER_ENGINES, runPageModule, type BrowserEngine } from '../conformance/browser/index.js';
import { DIGEST_TIMING_CHECK, type EngineCheck } from '../../fixtures/browser/support/indexeddb.engine-checks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const page = fileURLToPath(new URL('../../fixtures/browser/support/indexeddb.engines.page.ts', import.meta.url));

/**
 * What `crypto.subtle.digest` does to a transaction awaiting it, measured (Chromium 156, Firefox
 * 153, WebKitGTK 2.50): Chromium resolves it within the task, the others in a later one. The
 * backend never awaits anything but its own requests inside a transaction, so it holds in all
 * three; the gallery's idb-digest-in-transaction shows what a store that does await it gets.
 */
const DIGEST_KEEPS_TRANSACTION: Record<BrowserEngine, 'active' | 'finished'> = { chromium: 'active', firefox: 'finished', webkit: 'finished' };

describe.each(BROWSER_ENGINES)('IndexedDB in %s', (engine) => {
  let result: { version: string; value: { checks: EngineCheck[]; gallery: GalleryVerdict[] } };
  beforeAll(async () => {
    result = await runPageModule(engine, page, { cwd: root, timeoutMs: 240_000 });
  }, 300_000);

  it('runs in the engine asked for', () => {
    expect(result.version).toMatch({ chromium: /^Chromium \d+/, firefox: /^Firefox \d+/, webkit: /^WebKitGTK \d+/ }[engine]);
  });

  it('passes every engine-dependent unit check', () => {
    const checks = result.value.checks;
    expect(checks.length).toBeGreaterThanOrEqual(6);
    for (const check of checks) expect(check.detail, check.name).toBe(check.ok ? check.detail : 'ok');
    expect(checks.every((check) => check.ok)).toBe(true);
  });

  it(`shows the engine's crypto.subtle.digest timing inside a transaction: ${DIGEST_KEEPS_TRANSACTION[engine]}`, () => {
    const check = result.value.checks.find((candidate) => candidate.name === DIGEST_TIMING_CHECK);
    expect(check?.detail).toBe(DIGEST_KEEPS_TRANSACTION[engine]);
  });

  it.each(Object.keys(FIXTURES) as (keyof typeof FIXTURES)[])('gives the gallery fixture %s its verdict in this engine, by its rule', (fixture) => {
    const { expectation } = FIXTURES[fixture];
    const verdict = result.value.gallery.find((candidate) => candidate.fixture === fixture);
    expect(verdict, `${fixture} did not run`).toBeDefined();
    expect(verdict!.property).toBe(expectation.property);
    expect(verdict!.verdict, verdict!.rule).toBe(expectation.verdicts[engine]);
    if (expectation.verdicts[engine] === 'failed') expect(verdict!.rule).toMatch(expectation.rule);
  });
});
