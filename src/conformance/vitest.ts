/**
 * `sess/vitest`: the conformance suite inside a store author's own vitest run, one `it` per
 * property.
 *
 * @example
 * // test/conformance.test.ts
 * import { describeConformance } from 'sess/vitest';
 * import { myStoreFactory } from '../src/store.js';
 *
 * describeConformance('my store', myStoreFactory);
 */
import { describe, it } from 'vitest';
import type { BackendFactory } from '../backend.js';
import { checkProperty } from '../../properties/check.js';
import { underServerClock } from '../../properties/clock-modes.js';
import { timeoutFor } from '../../properties/runs.js';
import { formatFailure } from './report/text.js';
import { selectProperties } from './run/runner.js';

/** Options of {@link describeConformance}. */
export interface DescribeConformanceOptions {
  /** Runs per property; omitted, each property's own default. */
  runs?: number;
  /** fast-check seed (random when omitted; a failure prints the one it used). */
  seed?: number;
  /** Replay path of one failure, printed with it; use with `seed` and one name in `only`. */
  path?: string;
  /** Names of the properties to run; omitted, all of them. */
  only?: readonly string[];
  /** Per-test timeout in milliseconds (default 120 000: a model-based property takes seconds). */
  timeout?: number;
  /** How long one backend call may take before it counts as never settling (default 10 000 ms). */
  callTimeoutMs?: number;
  /**
   * What a property that cannot be checked on this backend (e.g. reclaiming without
   * `size`/`sweep`) becomes: a skipped test with the reason (default), or a failure; with
   * `'fail'`, a property checked only in part (e.g. errors-surfaced without `close()`) fails too.
   * The CLI's twin is `--require-all`.
   */
  notChecked?: 'skip' | 'fail';
}

/**
 * Declares a `describe(name)` block with one test per conformance property, each run on
 * `factory` through the same loop as `sess-conformance`. A failure's message is the CLI's: the
 * broken rule, the shortest sequence found, a TypeScript snippet and how to replay it.
 */
export function describeConformance(name: string, factory: BackendFactory, options: DescribeConformanceOptions = {}): void {
  const properties = selectProperties(options.only);
  describe(name, () => {
    for (const property of properties) {
      it(
        property.name,
        async (context) => {
          const checked = await checkProperty(property, factory, {
            ...(options.runs !== undefined && { runs: options.runs }),
            ...(options.seed !== undefined && { seed: options.seed }),
            ...(options.path !== undefined && { path: options.path }),
            ...(options.callTimeoutMs !== undefined && { callTimeoutMs: options.callTimeoutMs }),
          });
          // A store whose expiry runs on a server's clock: its expiry is not checked here, as in the CLI's simulated run.
          const report = factory.expiryOnServerClock === undefined ? checked : underServerClock(checked, factory.expiryOnServerClock);
          if (report.verdict === 'failed') {
            const path = report.failure?.path ? `, path: ${JSON.stringify(report.failure.path)}` : '';
            const replay = `describeConformance(${JSON.stringify(name)}, factory, { only: [${JSON.stringify(property.name)}], seed: ${report.seed}${path} })`;
            const text = formatFailure(report).replace(/\n {2}Replay:\n.*$/s, `\n  Replay:\n    ${replay}`);
            // The root cause, as the CLI's finding list names it, so both read the same.
            throw new Error(`${text}\n  Root cause: ${report.failure?.rootCause.id ?? 'unknown'}`);
          }
          if (report.verdict === 'not_checked') {
            const reason = `${property.name} not checked: ${report.notChecked ?? 'no reason given'}`;
            if (options.notChecked === 'fail') throw new Error(reason);
            context.skip(reason);
          }
          if (report.verdict === 'partly_checked') {
            const reason = `${property.name} checked only in part: ${report.note ?? 'a part was left out'}`;
            if (options.notChecked === 'fail') throw new Error(reason);
            // Held, but not wholly: said beside the test rather than passed over in silence.
            context.annotate?.(reason, 'notice');
          }
        },
        options.timeout ?? timeoutFor(property, 120_000, options),
      );
    }
  });
}
