/**
 * `namespace-isolation`: two backends from two factory calls (two namespaces, one clock) never see
 * each other's sessions: a key made by one is `not_found` in the other, and what the other does
 * with it (set, touch, clear) changes nothing where it lives (SPEC §4 `namespace`).
 *
 * The suite chooses the namespaces: `b`'s is `a`'s followed by a separator (`:`, `/`, `.`, `_`,
 * `-`, none) and a tail that may hold wildcards or non-ASCII, because a store that joins namespace
 * and key unescaped (`ns + ':' + key`) lets `a` reach `b`'s key `K` as `tail + ':' + K`, and lists
 * `b`'s records among `a`'s when it matches `a:*` (django-redis#245, connect-redis#127). Those bridging
 * keys are tried in every operation, and `size()`/`sweep()` of one must count and drop only its own.
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
  sameLookup,
  showLookup,
  syncDefaultPeriod,
  SetCommand,
  TouchCommand,
  resolveKey,
  type BackendUnderTest,
  type BackendWorld,
  type KeyChoice,
  type ModelStep,
} from './backend-commands.js';
import { expiryEdge, lookupEvidence, settleByExperiment } from './expiry-experiment.js';
import { openBackend, setupCode } from './fresh-backend.js';
import type { ConformanceProperty, PreparedProperty } from './property.js';
import { codeString, PropertyFailure, rejectionCause, show, Trace, type RootCause } from './trace.js';

type Side = 'a' | 'b';
interface TwoWorlds {
  a: BackendWorld;
  b: BackendWorld;
  /** Keys that one instance handed to the other: a wrong answer about them breaks isolation. */
  crossed: Set<string>;
  /** How `b`'s namespace extends `a`'s. */
  readonly shape: NamespaceShape;
}

/** `b`'s namespace is `a`'s + `separator` + `tail`: `a`'s is a prefix of it (SPEC §4 allows any string). */
export interface NamespaceShape {
  readonly separator: string;
  readonly tail: string;
}

/** The key through which `a` would reach `b`'s `key` in a layout `namespace + separator + key` left unescaped. */
function bridgeKey(shape: NamespaceShape, key: string): string {
  return `${shape.tail}${shape.separator}${key}`;
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
        throw new PropertyFailure(`${RULE}: ${error.rule}`, error.message.slice(error.rule.length + 1), error.steps, error.snippet, undefined, crossedCause(error.rootCause));
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


type BridgeOperation = 'get' | 'set' | 'touch' | 'clear';

/**
 * On `a`, an operation on the key that bridges to `b`'s key (`tail + separator + bk1`): `a` never
 * handed it out, so it is `not_found` there, and `b`'s session is left exactly as it was.
 */
class BridgeCommand implements Step {
  #text = '';
  #code: string[] = [];
  constructor(
    readonly operation: BridgeOperation,
    readonly pick: number,
  ) {}
  check(worlds: Readonly<TwoWorlds>): boolean {
    return worlds.b.keys.length > 0;
  }
  async run(worlds: TwoWorlds, reals: TwoBackends): Promise<void> {
    const own = worlds.a;
    syncDefaultPeriod(own, reals.a);
    const index = this.pick % worlds.b.keys.length;
    const target = worlds.b.keys[index]!;
    const key = bridgeKey(worlds.shape, target);
    const prefix = codeString(`${worlds.shape.tail}${worlds.shape.separator}`);
    const name = `${prefix} + bk${index + 1}`;
    const trace = reals.a.trace;
    let expected: string;
    let invoke: () => Promise<unknown>;
    let same: (actual: unknown) => boolean;
    let shown: (actual: unknown) => string = show;
    switch (this.operation) {
      case 'get': {
        const lookup = model.get(own.state, key).result;
        [expected, invoke, same, shown] = [showLookup(lookup), () => reals.a.backend.get(key), (actual) => sameLookup(lookup, actual), showLookup];
        break;
      }
      case 'set': {
        const result = model.set(own.state, key, 'bridged', undefined).result;
        [expected, invoke, same] = [result, () => reals.a.backend.set(key, 'bridged'), (actual) => actual === result];
        break;
      }
      case 'touch': {
        const result = model.touch(own.state, key, undefined).result;
        [expected, invoke, same] = [result, () => reals.a.backend.touch(key), (actual) => actual === result];
        break;
      }
      case 'clear':
        [expected, invoke, same] = ['undefined', () => reals.a.backend.clear(key), (actual) => actual === undefined];
        break;
    }
    const args = this.operation === 'set' ? `${name}, "bridged"` : name;
    const step = `a.${this.operation}(${args})`;
    const code = this.operation === 'clear' ? `await a.clear(${name});` : `console.log(await a.${this.operation}(${args}));`;
    this.#text = step;
    this.#code = [code];
    const rule = `${RULE}: a key of b read through a as ${prefix} + key must stay b's alone (a layout joining namespace and key unescaped mixes them)`;
    let actual: unknown;
    try {
      actual = await invoke();
    } catch (error) {
      trace.fail(`${this.operation} resolves on any key and valid input; it never rejects (SPEC §2, §4)`, step, expected, `rejected with ${show(error)}`, code, { id: rejectionCause(error) });
    }
    if (!same(actual)) trace.fail(rule, step, expected, shown(actual), code, { id: 'namespaces-mixed' });
    trace.record(`${step} -> ${shown(actual)}`, code);
    // b's session, exactly as b's model says.
    const lookup = model.get(worlds.b.state, target).result;
    const checkCode = `console.log(await b.get(bk${index + 1}));`;
    this.#code.push(checkCode);
    const found = await reals.b.backend.get(target).catch((error: unknown) => trace.fail(`get resolves on any key and valid input; it never rejects (SPEC §2, §4)`, `b.get(bk${index + 1})`, showLookup(lookup), `rejected with ${show(error)}`, checkCode, { id: rejectionCause(error) }));
    if (!sameLookup(lookup, found)) {
      // b's own session read wrong: the bridge wrote through (a value "bridged", a session gone
      // long before its expiry) or b has a bug of its own that this read met (an early expiry);
      // the expiry experiment, then the model, tell which.
      const judged = model.judgeGet(worlds.b.state, target, lookup, found);
      const edge = expiryEdge(judged, lookupEvidence(lookup, found));
      if (edge !== undefined) {
        const shown = await settleByExperiment(reals.b.factory!, judged, edge, trace.title);
        if (shown !== undefined) throw shown;
      }
      const wroteThrough = (found as { value?: unknown } | null)?.value === 'bridged' || [...MIXING_IDS, 'live-session-lost'].includes(judged.id);
      const [brokenRule, cause] = wroteThrough ? [rule, { id: 'namespaces-mixed' }] : [judged.rule, crossedCause(judged)];
      trace.fail(brokenRule, `b.get(bk${index + 1}) after ${step}`, showLookup(lookup), showLookup(found), checkCode, cause);
    }
    trace.record(`b.get(bk${index + 1}) -> ${showLookup(found)}`, checkCode);
  }
  toString(): string {
    return this.#text || `a.${this.operation}(bridge to b's key #${this.pick})`;
  }
  toCode(): string {
    return this.#code.join('\n');
  }
}

/**
 * `size()` of one side counts only its own records (never more than its model holds), and
 * `sweep()` of one side drops only its own: the other's `size()` is the same before and after, and
 * the swept side's `size()` fell by what `sweep()` said it dropped. Skipped for backends without them.
 */
class SizeSweepCommand implements Step {
  #text = '';
  #code = '';
  constructor(
    readonly side: Side,
    readonly sweep: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  async run(worlds: TwoWorlds, reals: TwoBackends): Promise<void> {
    const mine = reals[this.side].backend;
    const theirs = reals[other(this.side)].backend;
    if (typeof mine.size !== 'function' || typeof mine.sweep !== 'function' || typeof theirs.size !== 'function') return;
    const trace = reals.a.trace;
    const [me, you] = [this.side, other(this.side)];
    const bound = worlds[me].state.records.size;
    const rule = `${RULE}: size() and sweep() of one namespace count and drop only its own records`;
    const rejected = (error: unknown): never => trace.fail('size() and sweep() resolve (SPEC §4)', this.#text, 'a count', `rejected with ${show(error)}`, this.#code, { id: rejectionCause(error) });
    if (!this.sweep) {
      this.#text = `${me}.size()`;
      this.#code = `console.log(await ${me}.size());`;
      const size = await mine.size().catch(rejected);
      // More than every key this side ever made (cleared and expired ones too) can only be the other's
      // records; between that and what it holds now is dead records kept, which reclaiming names.
      const everMade = worlds[me].keys.length;
      if (typeof size !== 'number' || size > Math.max(bound, everMade)) {
        trace.fail(rule, this.#text, `at most ${bound} (the records ${me} made and did not clear)`, show(size), this.#code, { id: 'namespaces-mixed' });
      }
      trace.record(`${this.#text} -> ${show(size)}`, this.#code);
      return;
    }
    this.#text = `${you}.size(), ${me}.sweep(), ${you}.size()`;
    this.#code = `console.log(await ${you}.size(), await ${me}.sweep(), await ${you}.size());`;
    const before = await theirs.size().catch(rejected);
    const dropped = await mine.sweep().catch(rejected);
    const after = await theirs.size().catch(rejected);
    if (after !== before) {
      trace.fail(rule, this.#text, `${you}.size() still ${show(before)} after ${me}.sweep()`, `${show(after)} (${me}.sweep() said it dropped ${show(dropped)})`, this.#code, { id: 'namespaces-mixed' });
    }
    trace.record(`${this.#text} -> ${show(before)}, ${show(dropped)} dropped, ${show(after)}`, this.#code);
  }
  toString(): string {
    return this.#text || `${this.side}.${this.sweep ? 'sweep' : 'size'}()`;
  }
  toCode(): string {
    return this.#code;
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
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom<BridgeOperation>('get', 'get', 'set', 'touch', 'clear'), fc.nat({ max: 10 })).map(([operation, pick]) => new BridgeCommand(operation, pick)) },
    { weight: 1, arbitrary: fc.tuple(sideArb, fc.boolean()).map(([side, sweep]) => new SizeSweepCommand(side, sweep)) },
  ),
  { minLength: 1, maxLength: 30, size: 'medium' },
);

/** How `b`'s namespace extends `a`'s: separators, wildcards and non-ASCII, `:` most often (the usual layout's joiner). */
export const namespaceShapeArb: fc.Arbitrary<NamespaceShape> = fc.record({
  separator: fc.oneof({ weight: 3, arbitrary: fc.constant(':') }, { weight: 3, arbitrary: fc.constantFrom('/', '.', '_', '-', '', '::', '|') }),
  tail: fc.constantFrom('x', 'k', '*', '?', '[a-z]', '%', '_', 'é', '日本', '😀', ' ', 'a:b', '{tag}'),
});

const RULE = "instances with different namespaces never see each other's sessions (SPEC §4 namespace)";

/**
 * The root cause of a wrong answer about a key the other instance was given: seeing a key this
 * instance never handed out (or one it cleared) is the namespaces mixing; any other wrong answer
 * (an expiry off, a period rounded) is that bug, met on a crossed key, and keeps its own id.
 */
function crossedCause(inner: RootCause): { id: string; measured?: string } {
  return MIXING_IDS.includes(inner.id) ? { id: 'namespaces-mixed' } : { id: inner.id, ...(inner.measured === undefined ? {} : { measured: inner.measured }) };
}

/** The root causes that, met on another instance's key, mean the two instances share records. */
const MIXING_IDS: readonly string[] = ['unknown-key-found', 'gone-key-found', 'cleared-key-found', 'revives-cleared'];

export const namespaceIsolationProperty: ConformanceProperty = {
  name: 'namespace-isolation',
  summary: "two factory calls (two namespaces) never see each other's sessions: a key of one is not_found in the other, and is untouched by it",
  rules: '§4',
  defaultRuns: 100,
  async prepare(factory: BackendFactory): Promise<PreparedProperty> {
    return {
      property: fc.asyncProperty(namespaceShapeArb, isolationCommandsArb, async (shape, commands) => {
        const a = await openBackend(factory);
        try {
          // The same clock for both: only the namespace differs, and a's is a prefix of b's.
          const namespace = `${a.namespace}${shape.separator}${shape.tail}`;
          const b = { ...a, backend: await factory({ clock: a.clock, namespace }), namespace };
          try {
            const trace = new Trace('namespace-isolation', isolationSetupCode(shape));
            const worlds: TwoWorlds = {
              a: initialWorld(a.backend, a.clock.now(), 'ak'),
              b: initialWorld(b.backend, a.clock.now(), 'bk'),
              crossed: new Set(),
              shape,
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

/** The snippet's set-up: `a` and `b` over one clock, `b`'s namespace `a`'s + separator + tail. */
function isolationSetupCode(shape: NamespaceShape): string[] {
  return [
    ...setupCode([]),
    'const namespace = `sess-replay-${Date.now()}`;',
    'const a = await factory({ clock, namespace });',
    `const b = await factory({ clock, namespace: namespace + ${codeString(shape.separator + shape.tail)} });`,
  ];
}
