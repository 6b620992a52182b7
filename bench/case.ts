/**
 * What a benchmark case is: `bench/run.ts` runs a list of these.
 */
import type { ComparisonOptions } from './compare.js';
import type { Figure, Target } from './report.js';

/** What a case is given. */
export interface CaseContext {
  /** Smoke-check mode: tiny sizes and budgets, figures not worth quoting. */
  readonly quick: boolean;
  /** Timing budget for {@link compare}-based cases. */
  readonly comparison: ComparisonOptions;
  /** The repository root (absolute). */
  readonly root: string;
  /** Progress lines go here (stderr), so that `--json` keeps stdout clean. */
  readonly log: (line: string) => void;
}

/** What a case found, or why it could not run. */
export type CaseOutcome =
  | { figures: Figure[]; targets: Target[]; notes: string[]; detail?: unknown }
  | { skipped: string };

/** One benchmark case. */
export interface BenchCase {
  /** Stable kebab-case id, used by `--only`. */
  readonly id: string;
  readonly title: string;
  run(context: CaseContext): Promise<CaseOutcome>;
}

/** `measured >= threshold` (or `<=`) as a {@link Target}. */
export function target(goal: string, measured: number, comparison: '>=' | '<=', threshold: number): Target {
  return { goal, measured, met: comparison === '>=' ? measured >= threshold : measured <= threshold };
}
