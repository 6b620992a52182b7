/**
 * `backend-model`: random sequences of every backend operation, with a simulated clock that often
 * lands exactly on expiry instants, and turns of the event loop between steps (the clock unmoved,
 * so that work a store defers shows), each result compared exactly with the model (SPEC §1–§4).
 */
import fc from 'fast-check';
import type { BackendFactory } from '../src/backend.js';
import { advanceArb, garbageKeyArb, optionalPeriodArb, optionalValueArb, periodArb, valueArb } from './arbitraries.js';
import {
  AdvanceCommand,
  advanceToExpiryArb,
  ClearCommand,
  eventLoopTurnArb,
  GenerateCommand,
  GetCommand,
  initialWorld,
  SetCommand,
  SetDefaultPeriodCommand,
  TouchCommand,
  type BackendUnderTest,
  type BackendWorld,
  type KeyChoice,
  TAGS,
  type ModelStep,
} from './backend-commands.js';
import { setupCode, withFreshBackend } from './fresh-backend.js';
import type { ConformanceProperty, PreparedProperty } from './property.js';
import { Trace } from './trace.js';

/**
 * Mostly keys generated earlier (live, expired or cleared), found by tag so that shrinking can drop
 * the generates a failure does not need; sometimes what a client might send.
 */
export const keyChoiceArb: fc.Arbitrary<KeyChoice> = fc.oneof(
  { weight: 9, arbitrary: fc.nat({ max: TAGS - 1 }).map((tagged) => ({ tagged })) },
  { weight: 1, arbitrary: garbageKeyArb.map((garbage) => ({ garbage })) },
);

/** One backend step, weighted so that keys are made, read, updated, cleared and outlived. */
export const backendCommandArb: fc.Arbitrary<ModelStep<BackendWorld, BackendUnderTest>> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(optionalValueArb, optionalPeriodArb, fc.nat({ max: TAGS - 1 })).map(([value, expiry, tag]) => new GenerateCommand(value, expiry, tag)) },
  { weight: 4, arbitrary: keyChoiceArb.map((choice) => new GetCommand(choice)) },
  { weight: 2, arbitrary: fc.tuple(keyChoiceArb, valueArb, optionalPeriodArb).map(([choice, value, expiry]) => new SetCommand(choice, value, expiry)) },
  { weight: 2, arbitrary: fc.tuple(keyChoiceArb, optionalPeriodArb).map(([choice, expiry]) => new TouchCommand(choice, expiry)) },
  { weight: 1, arbitrary: keyChoiceArb.map((choice) => new ClearCommand(choice)) },
  { weight: 2, arbitrary: advanceArb.map((ms) => new AdvanceCommand(ms)) },
  { weight: 3, arbitrary: advanceToExpiryArb },
  { weight: 1, arbitrary: periodArb.map((period) => new SetDefaultPeriodCommand(period)) },
  { weight: 1, arbitrary: eventLoopTurnArb },
);

/**
 * A sequence of backend steps. A plain array (not `fc.commands`): its shrinking does not depend on
 * which commands ran, so a failure replays exactly from `seed` and `path` alone.
 */
export const backendCommandsArb = fc.array(backendCommandArb, { maxLength: 60, size: 'medium' });

/** Runs `commands` against a fresh backend from `factory` and the model, side by side. */
export async function runBackendCommands(
  factory: BackendFactory,
  commands: Iterable<ModelStep<BackendWorld, BackendUnderTest>>,
  title = 'backend-model',
): Promise<void> {
  await withFreshBackend(factory, async ({ backend, clock }) => {
    const trace = new Trace(title, setupCode());
    const world = initialWorld(backend, clock.now());
    await fc.asyncModelRun(() => ({ model: world, real: { backend, clock, trace, name: 'backend', factory } }), commands);
  });
}

export const backendModelProperty: ConformanceProperty = {
  name: 'backend-model',
  summary:
    'random sequences of generate/get/set/touch/clear and clock moves (landing on expiry instants) give exactly the results of the model',
  rules: '§1 §2 §3 §4',
  defaultRuns: 200,
  async prepare(factory: BackendFactory): Promise<PreparedProperty> {
    return { property: fc.asyncProperty(backendCommandsArb, (commands) => runBackendCommands(factory, commands)) };
  },
};
