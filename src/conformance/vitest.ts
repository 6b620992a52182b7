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
import { timeoutFor } from '../../properties/runs.js';
import { formatFailure } from './format.js';
import { selectProperties } from './runner.js';

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
  /**
   * What a property that cannot be checked on this backend (e.g. reclaiming without
   * `size`/`sweep`) becomes: a skipped test with the reason (default), or a failure.
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
          const report = await checkProperty(property, factory, {
            ...(options.runs !== undefined && { runs: options.runs }),
            ...(options.seed !== undefined && { seed: options.seed }),
            ...(options.path !== undefined && { path: options.path }),
          });
          if (report.verdict === 'failed') {
            const replay = `describeConformance(${JSON.stringify(name)}, factory, { only: [${JSON.stringify(property.name)}], seed: ${report.seed}, path: ${JSON.stringify(report.failure?.path ?? '')} })`;
            const text = formatFailure(report).replace(/\n {2}Replay:\n.*$/s, `\n  Replay:\n    ${replay}`);
            throw new Error(text);
          }
          if (report.verdict === 'not_checked') {
            const reason = `${property.name} not checked: ${report.notChecked ?? 'no reason given'}`;
            if (options.notChecked === 'fail') throw new Error(reason);
            context.skip(reason);
          }
        },
        options.timeout ?? timeoutFor(property, 120_000, options),
      );
    }
  });
}
