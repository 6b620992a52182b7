/**
 * What a conformance property is, and what checking one reports. The runner (src/conformance),
 * the vitest helper and this project's own tests all go through these types, so a property is
 * written once and run everywhere.
 */
import type * as fc from 'fast-check';
import type { BackendFactory } from '../src/backend.js';
import type { RootCause } from './trace.js';

export type { RootCause } from './trace.js';

/** A named, documented rule that any backend (and the manager over it) must hold. */
export interface ConformanceProperty {
  /** Stable kebab-case name, used by `--only`, in reports and in replay commands. */
  readonly name: string;
  /** One line on what it checks, for `--list` and the README. */
  readonly summary: string;
  /** The SPEC sections it enforces, e.g. `'§1 §4'`. */
  readonly rules: string;
  /** Runs (sequences, histories, ...) in a default run. */
  readonly defaultRuns: number;
  /**
   * Builds the fast-check property over a factory. Resolves `{ notChecked }` when the backend
   * lacks what the property needs (e.g. no `size`/`sweep`): that is reported, never a pass.
   */
  prepare(factory: BackendFactory, context?: PrepareContext): Promise<PreparedProperty>;
}

/** What the check tells a property as it prepares it. */
export interface PrepareContext {
  /** How many runs the check makes (a property may size each run by it: key-quality makes more keys in a deep check). */
  readonly runs?: number;
}

export type PreparedProperty =
  | {
      // fast-check's own type: any async property, with hooks or not.
      property: fc.IAsyncPropertyWithHooks<any>;
      /** Releases what `prepare` opened (backends, databases). */
      dispose?: () => Promise<void>;
      /** What was left out for this backend, when part of the property could not apply (e.g. no `close()`). */
      note?: string | undefined;
      /**
       * `false`: no extra runs to drop unneeded steps after shrinking (properties/check.ts), for a
       * property whose runs wait in real time and are not exactly reproducible.
       */
      dropSteps?: boolean;
    }
  | { notChecked: string };

/** How to run one property. */
export interface CheckOptions {
  /** Number of runs; defaults to the property's `defaultRuns`. */
  runs?: number;
  /** fast-check seed; random when omitted. */
  seed?: number;
  /** fast-check replay path: with `seed`, re-runs exactly one failure. */
  path?: string;
  /** How long one backend call may take before it counts as never settling (default 10 000 ms). */
  callTimeoutMs?: number;
  /**
   * Runs in flight at once while looking for a failing run (default 4: a slow store's calls
   * overlap; what is reported is the same as one at a time). 1 while `Date` follows the run's
   * clock (`fakeDate`): one global `Date` cannot follow several runs' clocks.
   */
  runsAtOnce?: number;
}

/** The result of checking one property. */
export interface PropertyReport {
  name: string;
  summary: string;
  /** `partly_checked`: it held, but a part of it could not apply to this backend (`note` says which). */
  verdict: 'passed' | 'partly_checked' | 'failed' | 'not_checked';
  /** Runs actually executed (before shrinking). */
  runs: number;
  durationMs: number;
  seed: number;
  /** Why the property was not checked. */
  notChecked?: string;
  /** What was left out of a property that was otherwise checked (e.g. a backend without `close()`). */
  note?: string;
  failure?: FailureReport;
}

/** A failure, shrunk: what a person needs to understand it and replay it. */
export interface FailureReport {
  /** fast-check replay path of the shrunk counterexample. */
  path: string;
  /** How many shrinking steps were taken. */
  shrinks: number;
  /** The error the property raised on the shrunk counterexample (the broken rule, expected vs actual). */
  message: string;
  /** The rule broken, the same wherever it is found: findings are grouped by its `id`. */
  rootCause: RootCause;
  /** The shrunk counterexample as numbered human-readable steps. */
  steps: string[];
  /** The same sequence as a runnable TypeScript snippet. */
  snippet: string;
  /** For concurrent histories: one lane per call with invocation and response marks. */
  timeline?: string;
}

