/**
 * Runs of a property several at a time, for backends whose calls wait on I/O: on a store whose
 * every call takes 2 ms, 200 sequences of backend-model are 3,300 calls, 8 s one at a time and a
 * quarter of that four at a time (issue 12: a default run on such a store in under 30 s). Runs are
 * independent (each opens its own backend from the factory, SPEC §4), so which run fails first
 * does not depend on how they overlap.
 *
 * This pass only looks for the first failing run. What is reported always comes from fast-check's
 * own, one-at-a-time runner replaying from that run (`path: "i"`), so the story, its shrinking,
 * the seed and the path are exactly those of a run with one run at a time, and `--seed S --path P`
 * replays them either way. When the pass cannot tell (a loose error it cannot pin on one run, a
 * precondition that would shift fast-check's run numbers), the caller runs them one at a time from
 * the start. fast-check has no parallel runner; `fc.sample` gives the very values `fc.check` tries.
 */
import fc from 'fast-check';
import type { LooseErrorTrap } from './loose-errors.js';
import { turnOfTheEventLoop } from './loose-errors.js';

/** Runs in flight at once by default: a quarter of the time on a slow store, few enough connections for any server. */
export const RUNS_AT_ONCE = 4;

/** What the pass found: every run held, the first failing run's index (0-based), or that only a one-at-a-time run can tell. */
export type FirstFailure = { held: true } | { held: false; index: number } | { unclear: string };

/**
 * Runs the `runs` runs that `fc.check(property, { seed, numRuns: runs })` would make, `atOnce` at
 * a time, and says which failed first. Stops starting runs past a failure; runs before it finish,
 * so the lowest failing index is the one one-at-a-time would have met.
 */
export async function firstFailingRun(
  // fast-check's own type, as PreparedProperty holds it.
  property: fc.IAsyncPropertyWithHooks<any>,
  trap: LooseErrorTrap,
  options: { seed: number; runs: number; atOnce: number },
): Promise<FirstFailure> {
  // An object with an own `isAsync`: fc.sample then generates through the property with each
  // run's index, as fc.check does (for anything else it would generate as from an arbitrary).
  const generator: Pick<fc.IRawProperty<unknown, true>, 'isAsync' | 'generate' | 'shrink'> = {
    isAsync: () => true,
    generate: (mrng, runId) => property.generate(mrng, runId),
    shrink: (value) => property.shrink(value),
  };
  const values = fc.sample(generator as fc.IRawProperty<unknown, true>, { seed: options.seed, numRuns: options.runs });
  let next = 0;
  let failing = Infinity;
  let unclear: string | undefined;
  trap.take();
  const lane = async (): Promise<void> => {
    while (next < values.length && next < failing && unclear === undefined) {
      const index = next++;
      await property.runBeforeEach();
      const outcome = await property.run(values[index]);
      await property.runAfterEach();
      await turnOfTheEventLoop();
      if (trap.holding) unclear = 'an error was let loose while runs overlapped';
      else if (outcome !== null && 'error' in outcome) failing = Math.min(failing, index);
      else if (outcome !== null) unclear = 'a run was skipped by a precondition';
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.atOnce, values.length) }, lane));
  if (unclear !== undefined) return { unclear };
  return failing === Infinity ? { held: true } : { held: false, index: failing };
}
