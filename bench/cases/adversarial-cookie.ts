/**
 * Case 3: `parseCookieHeader` on hostile input (SPEC §6: "linear time on any input"). Each input
 * is parsed at 1 MB and at 1 KB; if time grows linearly, the time per byte is the same at both
 * sizes (ratio ~1). A quadratic parser would show a ratio near 1000.
 */
import { parseCookieHeader } from '../../src/cookie/parse.js';
import type { BenchCase } from '../case.js';
import { compare, find, pairedRatio, type ComparisonOptions } from '../compare.js';
import { target } from '../case.js';
import type { Figure, Target } from '../report.js';

const SMALL = 1024;
/** A middle size: 1 MB against it tells linear-with-costlier-memory (~1) from quadratic (4). */
const MIDDLE = 256 * 1024;
const LARGE = 1024 * 1024;

/** Inputs of `bytes` characters. */
export const adversarialInputs: ReadonlyArray<{ name: string; make: (bytes: number) => string }> = [
  { name: "';' x n", make: (n) => ';'.repeat(n) },
  { name: "'=' x n", make: (n) => '='.repeat(n) },
  { name: "'\"' x n", make: (n) => '"'.repeat(n) },
  { name: "' ' x n", make: (n) => ' '.repeat(n) },
  // The case that makes a naive "search for '=' from each piece" quadratic.
  { name: "'a;a;...;='", make: (n) => `${'a;'.repeat((n - 1) >> 1)}=`.padStart(n, ';') },
];

/**
 * A ratio of time per byte under this counts as linear. Not 1: at 1 MB the input and the pairs
 * built from it no longer fit in cache and the garbage collector has real work, so a linear
 * parser still pays somewhat more per byte.
 */
const LINEAR_BOUND = 2;

let sink = 0;

/**
 * One sequential string, as a header arrives from a socket: `repeat` and `padStart` build ropes,
 * which V8 flattens on first access, and that one-off cost would land in the first sample.
 */
function flat(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

export const adversarialCookie: BenchCase = {
  id: 'adversarial-cookie',
  title: 'parseCookieHeader on hostile input: time per byte at 1 MB vs 1 KB',
  async run({ comparison }) {
    // A 1 MB parse takes milliseconds: fewer iterations per round than tinybench's default 64.
    const options: ComparisonOptions = { ...comparison, iterations: Math.min(comparison.iterations ?? 10, 10) };
    const figures: Figure[] = [];
    const targets: Target[] = [];
    const detail: Record<string, unknown> = {};
    for (const { name, make } of adversarialInputs) {
      const small = flat(make(SMALL));
      const middle = flat(make(MIDDLE));
      const large = flat(make(LARGE));
      if (small.length !== SMALL || middle.length !== MIDDLE || large.length !== LARGE) throw new Error(`input ${name} has the wrong length`);
      const smallBatch = 64;
      const result = await compare(
        [
          {
            name: '1 MB',
            run: () => {
              sink += parseCookieHeader(large).length;
            },
          },
          {
            name: '256 KB',
            run: () => {
              sink += parseCookieHeader(middle).length;
            },
          },
          {
            name: '1 KB',
            batch: smallBatch,
            run: () => {
              for (let i = 0; i < smallBatch; i++) sink += parseCookieHeader(small).length;
            },
          },
        ],
        options,
      );
      // Ratios of time per byte, per round, median over rounds (paired, as in pairedRatio).
      const ratio = pairedRatio(result, '1 MB', '1 KB') / (LARGE / SMALL);
      const quadrupled = pairedRatio(result, '1 MB', '256 KB') / (LARGE / MIDDLE);
      figures.push(
        { name: `${name}: 1 MB`, value: find(result, '1 MB').medianNs / 1e6, unit: 'ms/parse' },
        { name: `${name}: per byte at 1 MB`, value: find(result, '1 MB').medianNs / LARGE, unit: 'ns/byte' },
        { name: `${name}: per byte at 1 KB`, value: find(result, '1 KB').medianNs / SMALL, unit: 'ns/byte' },
        { name: `${name}: per-byte time 1 MB / 1 KB`, value: ratio, unit: 'x' },
        { name: `${name}: per-byte time 1 MB / 256 KB (quadratic: 4)`, value: quadrupled, unit: 'x' },
      );
      targets.push(target(`${name}: linear (per-byte time 1 MB / 1 KB <= ${LINEAR_BOUND})`, ratio, '<=', LINEAR_BOUND));
      detail[name] = result;
    }
    if (sink === -1) throw new Error('unreachable: keeps the parses observable');
    return {
      figures,
      targets,
      notes: [
        `"linear" is read as a per-byte ratio (1 MB against 1 KB) <= ${LINEAR_BOUND}; 1 would be perfect, a quadratic parser gives ~1000. Inputs that yield many pairs allocate them all, and the garbage collector's cost per byte grows with the heap: the 1 MB / 256 KB figure (4 if quadratic) tells that apart.`,
      ],
      detail,
    };
  },
};
