/**
 * Side-by-side timing: every contender of a comparison runs in the same process, in alternating
 * rounds, each round with tinybench's warm-up, and what comes out is medians and paired ratios.
 *
 * The machines these run on are shared and noisy, so one long run per contender would measure
 * the neighbours as much as the code. Instead each round runs every contender once for a short
 * time budget, in an order that rotates from round to round; a contender's figure is the median of
 * its per-round medians, and a ratio is the median of the per-round ratios (both sides of a ratio
 * were measured seconds apart, so a busy spell on the machine hits both).
 *
 * No Node-only imports: the IndexedDB case bundles this file into a Chromium page.
 */
import { Bench } from 'tinybench';

/** One side of a comparison. */
export interface Contender {
  /** Shown in the table, e.g. `'sess'`, `'express-session'`. */
  readonly name: string;
  /**
   * Does `batch` operations. Fast operations are batched so that one timer reading covers
   * many of them (a single parse of a one-cookie header is shorter than the timer's overhead).
   */
  readonly run: () => unknown;
  /** Operations per call of `run`; 1 by default. */
  readonly batch?: number;
}

/** How long to measure. */
export interface ComparisonOptions {
  /** Rounds; each round measures every contender once. */
  readonly rounds: number;
  /** tinybench time budget per contender per round, in ms. */
  readonly time: number;
  /** tinybench warm-up budget per contender per round, in ms. */
  readonly warmupTime: number;
  /** tinybench minimum iterations per contender per round (the default 64 is too many for slow cases). */
  readonly iterations?: number;
}

/** A contender's figures. */
export interface ContenderResult {
  readonly name: string;
  /** Median over rounds of the round's median time per operation, in nanoseconds. */
  readonly medianNs: number;
  /** Operations per second at that median. */
  readonly opsPerSecond: number;
  /** The round medians (ns per operation), in round order. */
  readonly roundMedians: number[];
  /** tinybench samples taken, over all rounds. */
  readonly samples: number;
}

/** What {@link compare} measured. */
export interface Comparison {
  readonly contenders: ContenderResult[];
  readonly rounds: number;
}

/** Quick settings for smoke checks, full settings for figures worth quoting. */
export const QUICK: ComparisonOptions = { rounds: 2, time: 25, warmupTime: 10, iterations: 4 };
export const FULL: ComparisonOptions = { rounds: 7, time: 200, warmupTime: 60 };

/** Runs the contenders in alternating rounds and reports medians per operation. */
export async function compare(contenders: readonly Contender[], options: ComparisonOptions): Promise<Comparison> {
  if (contenders.length === 0) throw new RangeError('compare: no contenders');
  const names = new Set(contenders.map((c) => c.name));
  if (names.size !== contenders.length) throw new RangeError(`compare: contender names must be unique, got ${[...contenders.map((c) => c.name)].join(', ')}`);
  const perRound = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const samples = new Map<string, number>(contenders.map((c) => [c.name, 0]));
  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({
      time: options.time,
      warmupTime: options.warmupTime,
      warmup: true,
      throws: true,
      ...(options.iterations === undefined ? {} : { iterations: options.iterations, warmupIterations: Math.min(16, options.iterations) }),
    });
    // Rotate who goes first, so that no contender always runs right after another's garbage.
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length]!;
      bench.add(contender.name, contender.run);
    }
    await bench.run();
    for (const contender of contenders) {
      const task = bench.getTask(contender.name);
      const result = task?.result;
      if (result === undefined || !('latency' in result)) {
        throw new Error(`compare: ${contender.name} has no latency result (state ${result?.state ?? 'missing'})`);
      }
      // tinybench latencies are in milliseconds per call of `run`.
      perRound.get(contender.name)!.push((result.latency.p50 * 1e6) / (contender.batch ?? 1));
      samples.set(contender.name, samples.get(contender.name)! + result.latency.samplesCount);
    }
  }
  return {
    rounds: options.rounds,
    contenders: contenders.map((c) => {
      const roundMedians = perRound.get(c.name)!;
      const medianNs = median(roundMedians);
      return { name: c.name, medianNs, opsPerSecond: 1e9 / medianNs, roundMedians, samples: samples.get(c.name)! };
    }),
  };
}

/**
 * How many times slower `numerator` is than `denominator`: the median over rounds of the ratio of
 * their round medians (paired, so that a noisy round affects both sides alike).
 */
export function pairedRatio(comparison: Comparison, numerator: string, denominator: string): number {
  const top = find(comparison, numerator).roundMedians;
  const bottom = find(comparison, denominator).roundMedians;
  return median(top.map((t, i) => t / bottom[i]!));
}

/** The figures of one contender, by name. */
export function find(comparison: Comparison, name: string): ContenderResult {
  const found = comparison.contenders.find((c) => c.name === name);
  if (found === undefined) throw new RangeError(`no contender named ${JSON.stringify(name)} in this comparison`);
  return found;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
