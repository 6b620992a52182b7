import { describe, expect, it } from 'vitest';
import type { PropertyReport } from '../../../properties/property.js';
import { findingsOf } from './findings.js';
import { formatDuration, formatFailure, formatFinding, formatNotChecked, formatResultLine, formatSummary, replayCommand } from './text.js';
import type { ConformanceReport } from '../run/runner.js';

const failed: PropertyReport = {
  name: 'backend-model',
  summary: 'get/set/touch/clear against the model',
  verdict: 'failed',
  runs: 7,
  durationMs: 412,
  seed: 42,
  failure: {
    path: '6:1:0',
    shrinks: 12,
    message: 'set revives a cleared session (SPEC §4: set never revives)\n  expected: not_found\n  actual:   ok',
    rootCause: { id: 'revives-cleared', rule: 'set revives a cleared session (SPEC §4: set never revives)' },
    steps: ['k1 = generate("a")', 'clear(k1)', 'set(k1, "b")\nexpected: not_found\nactual:   ok'],
    snippet: 'const k1 = await backend.generate({ value: "a" });',
    timeline: 'A |--set--|\nB    |--clear--|',
  },
};

describe('formatResultLine', () => {
  it('shows mark, name, runs and time for each verdict', () => {
    expect(formatResultLine({ ...failed, verdict: 'passed', failure: undefined }, 16)).toBe('✓ backend-model         7 runs    0.41 s');
    expect(formatResultLine(failed, 16)).toBe('✗ backend-model     failed after 7 runs    0.41 s  revives-cleared');
    expect(formatResultLine({ ...failed, verdict: 'partly_checked', failure: undefined, note: 'no close()' }, 16)).toBe(
      '◐ backend-model         7 runs    0.41 s  partly checked: no close()',
    );
    expect(formatResultLine({ ...failed, name: 'reclaiming', verdict: 'not_checked', notChecked: 'no size()/sweep()' }, 12)).toBe(
      '– reclaiming    not checked: no size()/sweep()',
    );
  });
});

describe('formatFailure', () => {
  const text = formatFailure(failed, { target: 'stores/my-store.ts' });

  it('starts with the broken rule, expected vs actual', () => {
    expect(text.split('\n').slice(0, 4)).toEqual([
      '✗ backend-model failed (seed 42, path 6:1:0)',
      '  set revives a cleared session (SPEC §4: set never revives)',
      '    expected: not_found',
      '    actual:   ok',
    ]);
  });

  it('numbers the steps and keeps multi-line steps under their number', () => {
    expect(text).toContain(
      '  Shortest sequence found (3 steps, shrunk in 12 steps):\n    1. k1 = generate("a")\n    2. clear(k1)\n    3. set(k1, "b")\n       expected: not_found\n       actual:   ok\n',
    );
  });

  it('shows the timeline, the snippet and the replay command', () => {
    expect(text).toContain('  Timeline:\n    A |--set--|\n    B    |--clear--|');
    expect(text).toContain('  As TypeScript:\n    const k1 = await backend.generate({ value: "a" });');
    expect(text.endsWith('  Replay:\n    npx sess-conformance ./stores/my-store.ts --only backend-model --seed 42 --path 6:1:0')).toBe(true);
  });

  it('keeps steps that come numbered as they are', () => {
    const numbered = formatFailure({ ...failed, failure: { ...failed.failure!, steps: ['1. generate()', '2. get(k1)'] } });
    expect(numbered).toContain('    1. generate()\n    2. get(k1)\n');
  });
});

describe('replayCommand', () => {
  it('repeats target, --export and --browser, and quotes for the shell', () => {
    expect(replayCommand({}, 'values', 7, '1:2')).toBe('npx sess-conformance memory --only values --seed 7 --path 1:2');
    expect(replayCommand({ target: "./my store's.ts", exportName: 'factory', browser: true }, 'values', 7, '1:2')).toBe(
      "npx sess-conformance './my store'\\''s.ts' --export factory --browser --only values --seed 7 --path 1:2",
    );
    expect(replayCommand({ target: '/abs/store.mjs' }, 'values', -5, '0')).toBe('npx sess-conformance /abs/store.mjs --only values --seed=-5 --path 0');
    expect(replayCommand({ target: 'indexeddb' }, 'values', 1, '0')).toBe('npx sess-conformance indexeddb --only values --seed 1 --path 0');
  });
});

describe('formatFinding', () => {
  const other: PropertyReport = { ...failed, name: 'manager-model', failure: { ...failed.failure!, steps: ['a', 'b', 'c', 'd'] } };
  const [finding] = findingsOf([other, failed]);

  it('shows the rule once, with the shortest story, where it was found and what else it broke', () => {
    const text = formatFinding({ ...finding!, rootCause: { ...finding!.rootCause, measured: 'expiry is 1 ms early' } }, 1, {});
    expect(text.split('\n').slice(0, 5)).toEqual([
      '✗ 1. set revives a cleared session (SPEC §4: set never revives)  [revives-cleared]',
      '  measured: expiry is 1 ms early',
      '  found by backend-model (seed 42, path 6:1:0); also broken in: manager-model',
      '    expected: not_found',
      '    actual:   ok',
    ]);
    expect(text).toContain('Shortest sequence found (3 steps');
    expect(text.endsWith('npx sess-conformance memory --only backend-model --seed 42 --path 6:1:0')).toBe(true);
  });

  it('replays a failure found before any run (no path) by its seed alone', () => {
    const early = formatFailure({ ...failed, failure: { ...failed.failure!, path: '' } });
    expect(early.endsWith('npx sess-conformance memory --only backend-model --seed 42')).toBe(true);
  });
});

describe('formatSummary and formatDuration', () => {
  const base: ConformanceReport = {
    verdict: 'failed', seed: 9, durationMs: 8_250, passed: 6, failed: 1, notChecked: 1, partlyChecked: 0,
    properties: [], findings: findingsOf([failed]), requireAll: false,
    notCheckedParts: [{ property: 'reclaiming', reason: 'no size()/sweep()', extent: 'whole' }],
  };

  it('counts findings and verdicts, and names what was not checked', () => {
    expect(formatSummary(base)).toBe('FAIL 1 finding in 1 property; 6 properties held, 1 not checked (reclaiming: no size()/sweep()) in 8.25 s (seed 9)');
    expect(formatSummary({ ...base, verdict: 'passed', passed: 1, failed: 0, notChecked: 0, findings: [], notCheckedParts: [] })).toBe(
      'PASS 1 property held in 8.25 s (seed 9)',
    );
    expect(formatSummary({ ...base, verdict: 'passed', failed: 0, findings: [] })).toBe(
      'PASS 6 properties held, 1 not checked (reclaiming: no size()/sweep()) in 8.25 s (seed 9)',
    );
  });

  it('never reads as PASS when nothing was checked, or when --require-all counts what was not', () => {
    const nothing = { ...base, verdict: 'not_checked' as const, passed: 0, failed: 0, findings: [] };
    expect(formatSummary(nothing)).toMatch(/^NOT CHECKED nothing could be checked on this backend: 0 properties held, 1 not checked \(reclaiming/);
    const required = { ...base, failed: 0, findings: [], requireAll: true };
    expect(formatSummary(required)).toMatch(/^FAIL not everything could be checked \(--require-all\); 6 properties held/);
    expect(formatNotChecked(required)).toBe('Not checked (fails the run: --require-all):\n  reclaiming: no size()/sweep()');
  });

  it('reads well from milliseconds to minutes', () => {
    expect([formatDuration(12), formatDuration(12_345), formatDuration(125_000)]).toEqual(['0.01 s', '12.3 s', '2 min 5 s']);
  });
});
