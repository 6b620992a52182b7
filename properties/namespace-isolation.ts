/**
 * `namespace-isolation`: two backends from two factory calls (two namespaces, one clock) never see
 * each other's sessions: a key made by one is `not_found` in the other, and what the other does
 * with it (set, touch, clear) changes nothing where it lives (SPEC §4 `namespace`).
 */
import fc from 'fast-check';
import type { BackendFactory } from '../src/backend.js';
import * as model from '../models/backend-model.js';
import { advanceArb, optionalPeriodArb, optionalValueArb, valueArb } from './arbitraries.js';
import {
  ClearCommand,
  GenerateCommand,
  GetCommand,
  initialWorld,
  SetCommand,
  TouchCommand,
  resolveKey,
  type BackendUnderTest,
  type BackendWorld,
  type KeyChoice,
  type ModelStep,
} from './backend-commands.js';
import { openBackend, setupCode } from './fresh-backend.js';
import type { ConformanceProperty, PreparedProperty } from './property.js';
import { PropertyFailure, Trace } from './trace.js';

type Side = 'a' | 'b';
interface TwoWorlds {
  a: BackendWorld;
  b: BackendWorld;
  /** Keys that one instance handed to the other: a wrong answer about them breaks isolation. */
  crossed: Set<string>;
}
interface TwoBackends {
  a: BackendUnderTest;
  b: BackendUnderTest;
}
type Step = ModelStep<TwoWorlds, TwoBackends>;

const other = (side: Side): Side => (side === 'a' ? 'b' : 'a');

/**
 * Runs a backend command on `side`. With `crossKeys`, the keys it picks from are the other side's
 * (named `ak1`/`bk1` after their owner), while the model judging the answer is this side's.
 */
class OnSide implements Step {
  constructor(
    readonly side: Side,
    readonly inner: ModelStep<BackendWorld, BackendUnderTest>,
    readonly crossKeys: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  async run(worlds: TwoWorlds, reals: TwoBackends): Promise<void> {
    const own = worlds[this.side];
    const view: BackendWorld = this.crossKeys ? { ...own, keys: worlds[other(this.side)].keys, tags: worlds[other(this.side)].tags, label: `${other(this.side)}k` } : own;
    const choice = (this.inner as { choice?: KeyChoice }).choice;
    const key = choice === undefined ? undefined : resolveKey(view, choice).key;
    if (this.crossKeys && key !== undefined) worlds.crossed.add(key);
    try {
      await this.inner.run(view, reals[this.side]);
    } catch (error) {
      // A wrong answer about a key the other instance was given: name the rule at stake, then the step's own.
      if (error instanceof PropertyFailure && key !== undefined && worlds.crossed.has(key)) {
        throw new PropertyFailure(`${RULE}: ${error.rule}`, error.message.slice(error.rule.length + 1), error.steps, error.snippet);
      }
      throw error;
    }
    worlds[this.side] = this.crossKeys ? { ...own, state: view.state } : view;
  }
  toString(): string {
    return `${this.side}.${this.inner.toString()}`;
  }
  toCode(): string {
    return this.inner.toCode();
  }
}

/** The shared clock moves: both models follow. */
class AdvanceBoth implements Step {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(worlds: TwoWorlds, reals: TwoBackends): Promise<void> {
    reals.a.clock.advance(this.ms);
    worlds.a = { ...worlds.a, state: model.advance(worlds.a.state, this.ms) };
    worlds.b = { ...worlds.b, state: model.advance(worlds.b.state, this.ms) };
    reals.a.trace.record(`advance the clock ${this.ms} ms`, `clock.advance(${this.ms});`);
  }
  toString(): string {
    return `advance the clock ${this.ms} ms`;
  }
  toCode(): string {
    return `clock.advance(${this.ms});`;
  }
}

const sideArb = fc.constantFrom<Side>('a', 'b');
const pickArb = fc.nat({ max: 10 }).map((known) => ({ known }));

const isolationCommandsArb = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.tuple(sideArb, optionalValueArb, optionalPeriodArb).map(([side, value, expiry]) => new OnSide(side, new GenerateCommand(value, expiry), false)) },
    { weight: 3, arbitrary: fc.tuple(sideArb, pickArb, fc.boolean()).map(([side, pick, cross]) => new OnSide(side, new GetCommand(pick), cross)) },
    { weight: 2, arbitrary: fc.tuple(sideArb, pickArb, valueArb, fc.boolean()).map(([side, pick, value, cross]) => new OnSide(side, new SetCommand(pick, value, undefined), cross)) },
    { weight: 1, arbitrary: fc.tuple(sideArb, pickArb, fc.boolean()).map(([side, pick, cross]) => new OnSide(side, new TouchCommand(pick, undefined), cross)) },
    { weight: 1, arbitrary: fc.tuple(sideArb, pickArb, fc.boolean()).map(([side, pick, cross]) => new OnSide(side, new ClearCommand(pick), cross)) },
    { weight: 1, arbitrary: advanceArb.map((ms) => new AdvanceBoth(ms)) },
  ),
  { minLength: 1, maxLength: 30, size: 'medium' },
);

const RULE = "instances with different namespaces never see each other's sessions (SPEC §4 namespace)";

export const namespaceIsolationProperty: ConformanceProperty = {
  name: 'namespace-isolation',
  summary: "two factory calls (two namespaces) never see each other's sessions: a key of one is not_found in the other, and is untouched by it",
  rules: '§4',
  defaultRuns: 100,
  async prepare(factory: BackendFactory): Promise<PreparedProperty> {
    return {
      property: fc.asyncProperty(isolationCommandsArb, async (commands) => {
        const a = await openBackend(factory);
        try {
          // The same clock for both: only the namespace differs.
          const b = { ...a, backend: await factory({ clock: a.clock, namespace: `${a.namespace}-other` }), namespace: `${a.namespace}-other` };
          try {
            const trace = new Trace('namespace-isolation', setupCode(['a', 'b']));
            const worlds: TwoWorlds = {
              a: initialWorld(a.backend, a.clock.now(), 'ak'),
              b: initialWorld(b.backend, a.clock.now(), 'bk'),
              crossed: new Set(),
            };
            const reals: TwoBackends = { a: { backend: a.backend, clock: a.clock, trace, name: 'a', factory }, b: { backend: b.backend, clock: a.clock, trace, name: 'b', factory } };
            await fc.asyncModelRun(() => ({ model: worlds, real: reals }), commands);
          } finally {
            await b.backend.close?.();
          }
        } finally {
          await a.backend.close?.();
        }
      }),
    };
  },
};
