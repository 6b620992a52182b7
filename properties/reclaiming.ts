/**
 * `reclaiming`: storage of expired and cleared sessions is reclaimed (SPEC §4). Only for backends
 * with `size()` and `sweep()`: after `sweep()`, `size()` is the number of live sessions; under churn
 * with the clock moving, `size()` never counts more than the sessions not yet cleared.
 */
import fc from 'fast-check';
import type { Backend, BackendFactory } from '../src/backend.js';
import * as model from '../models/backend-model.js';
import { advanceArb } from './arbitraries.js';
import {
  AdvanceCommand,
  advanceToExpiryArb,
  blameBackend,
  ClearCommand,
  GenerateCommand,
  GetCommand,
  type BackendUnderTest,
  type BackendWorld,
  type ModelStep,
} from './backend-commands.js';
import { runBackendCommands } from './backend-model.js';
import { openBackend } from './fresh-backend.js';
import type { ConformanceProperty, PreparedProperty } from './property.js';
import { rejectionCause, show } from './trace.js';

type Reclaimable = Backend & Required<Pick<Backend, 'size' | 'sweep'>>;

/**
 * `size()`, `sweep()`, `size()`: the second must equal the number of live sessions, and `sweep()`
 * must have said how many it dropped, the fall between the two sizes (SPEC §4 "how many went").
 */
class SweepCommand implements ModelStep<BackendWorld, BackendUnderTest> {
  check(): boolean {
    return true;
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    const backend = real.backend as Reclaimable;
    const code = `console.log(await ${real.name}.size(), await ${real.name}.sweep(), await ${real.name}.size());`;
    const live = model.liveKeys(world.state).length;
    const step = 'size(), sweep(), then size()';
    let before: unknown;
    let dropped: unknown;
    let size: unknown;
    try {
      before = await backend.size();
      dropped = await backend.sweep();
      size = await backend.size();
    } catch (error) {
      real.trace.fail('sweep() and size() resolve (SPEC §4)', step, `size ${live}`, `rejected with ${show(error)}`, code, { id: rejectionCause(error) });
    }
    if (typeof dropped !== 'number' || !Number.isInteger(dropped) || dropped < 0) {
      real.trace.fail('sweep() resolves how many dead records it dropped, a whole number (SPEC §4)', step, 'a count >= 0', show(dropped), code, { id: 'sweep-count-wrong' });
    }
    if (size !== live) {
      // A session swept too early or kept too late is an expiry that is off: named as one.
      await blameBackend(world, real, world.keys, { text: `sweep() -> ${show(dropped)} dropped; size() -> ${show(size)}, where ${live} are live`, code });
      real.trace.fail(
        'after sweep(), size() equals the number of live sessions: expired and cleared ones are reclaimed (SPEC §4)',
        step,
        `size ${live} (the live sessions)`,
        `size ${show(size)} (sweep dropped ${show(dropped)})`,
        code,
        { id: 'dead-records-kept' },
      );
    }
    if (typeof before === 'number' && typeof size === 'number' && dropped !== before - size) {
      real.trace.fail(
        'sweep() resolves how many records it dropped: size() before minus size() after (SPEC §4)',
        step,
        `sweep() -> ${before - size} (size ${before} before, ${size} after)`,
        `sweep() -> ${show(dropped)}`,
        code,
        { id: 'sweep-count-wrong' },
      );
    }
    real.trace.record(`size() -> ${show(before)}; sweep() -> ${show(dropped)} dropped; size() -> ${show(size)}`, code);
  }
  toString(): string {
    return 'size(), sweep(), then size()';
  }
  toCode(): string {
    return 'console.log(await backend.size(), await backend.sweep(), await backend.size());';
  }
}

/** `size()` while churning: never more than the sessions generated and not cleared (clear frees storage). */
class SizeCommand implements ModelStep<BackendWorld, BackendUnderTest> {
  check(): boolean {
    return true;
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    const code = `console.log(await ${real.name}.size());`;
    const bound = world.state.records.size;
    let size: unknown;
    try {
      size = await (real.backend as Reclaimable).size();
    } catch (error) {
      real.trace.fail('size() resolves (SPEC §4)', 'size()', `at most ${bound}`, `rejected with ${show(error)}`, code, { id: rejectionCause(error) });
    }
    if (typeof size !== 'number' || size > bound) {
      real.trace.fail(
        'a cleared session is reclaimed: size() never counts more than the sessions generated and not cleared (SPEC §4)',
        'size()',
        `at most ${bound} (live ${model.liveKeys(world.state).length}, expired ${bound - model.liveKeys(world.state).length})`,
        show(size),
        code,
        { id: 'dead-records-kept' },
      );
    }
    real.trace.record(`size() -> ${show(size)}`, code);
  }
  toString(): string {
    return 'size()';
  }
  toCode(): string {
    return 'console.log(await backend.size());';
  }
}

const shortPeriodArb = fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined, freq: 6 });
const knownArb = fc.nat({ max: 30 }).map((known) => ({ known }));

/** Churn: many short-lived sessions, clears, reads and clock moves, with sweeps and size checks. */
const churnCommandsArb = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: shortPeriodArb.map((expiry) => new GenerateCommand('v', expiry)) },
    { weight: 2, arbitrary: knownArb.map((choice) => new ClearCommand(choice)) },
    { weight: 1, arbitrary: knownArb.map((choice) => new GetCommand(choice)) },
    { weight: 2, arbitrary: advanceArb.map((ms) => new AdvanceCommand(ms)) },
    { weight: 1, arbitrary: advanceToExpiryArb },
    { weight: 2, arbitrary: fc.constant(new SweepCommand()) },
    { weight: 2, arbitrary: fc.constant(new SizeCommand()) },
  ),
  { minLength: 1, maxLength: 60, size: 'medium' },
);

export const reclaimingProperty: ConformanceProperty = {
  name: 'reclaiming',
  summary: 'with size()/sweep(): after sweep(), size() equals the live sessions and sweep() said how many it dropped; under churn, cleared sessions are never counted',
  rules: '§4',
  defaultRuns: 100,
  async prepare(factory: BackendFactory): Promise<PreparedProperty> {
    // Look at one instance to learn what this backend offers.
    const probe = await openBackend(factory);
    const reclaimable = typeof probe.backend.size === 'function' && typeof probe.backend.sweep === 'function';
    await probe.backend.close?.();
    if (!reclaimable) return { notChecked: 'backend has no size()/sweep()' };
    return { property: fc.asyncProperty(churnCommandsArb, (commands) => runBackendCommands(factory, commands, 'reclaiming')) };
  },
};
