/**
 * The backend, one command per operation, each run against the real backend and the model
 * (models/backend-model.ts) side by side, comparing every result exactly (SPEC §1–§4).
 *
 * Keys are random, so a command does not hold a key: it holds a {@link KeyChoice}, resolved when it
 * runs, among the keys generated so far (live, expired or cleared) or a garbage key a client
 * might send.
 */
import fc from 'fast-check';
import type { Backend, BackendFactory, Lookup } from '../src/backend.js';
import type { ManualClock } from '../src/clock.js';
import * as model from '../models/backend-model.js';
import type { BackendModel } from '../models/backend-model.js';
import { expiryEdge, lookupEvidence, settleByExperiment, updateEvidence, type ExpiryEdge } from './expiry-experiment.js';
import { codeString, rejectionCause, show, showString, type RootCauseOptions, type Trace } from './trace.js';

/** The model side: the pure state plus the keys generated so far (`k1` is `keys[0]`). */
export interface BackendWorld {
  state: BackendModel;
  keys: string[];
  /** The tag each key's generate carried (`undefined` when it carried none): see {@link KeyChoice}. */
  tags: Array<number | undefined>;
  /** Whether the backend has `setDefaultPeriod(period)` (as `MemoryBackend`): then the default moves too. */
  readonly canSetDefaultPeriod: boolean;
  /** Where the clock started, for `t=` stamps in steps. */
  readonly start: number;
  /** How keys are named in steps and snippets: `k` gives `k1`, `k2`, ... */
  readonly label: string;
}

/** The real side. */
export interface BackendUnderTest {
  readonly backend: Backend;
  readonly clock: ManualClock;
  readonly trace: Trace;
  /** `backend` in snippets (`a` and `b` in two-backend properties). */
  readonly name: string;
  /** Where the backend came from: for the expiry experiment that names a deviation (properties/expiry-experiment.ts). */
  readonly factory?: BackendFactory;
}

/**
 * Which key a command uses: the `known`-th generated one (modulo how many), the one whose
 * generate carried the first tag at or after `tagged` (going round past {@link TAGS}), or a
 * client's garbage.
 *
 * `tagged` is for shrinking: a choice by index re-aims when an earlier generate is dropped, so
 * fast-check cannot drop it (it keeps 13 generates before `get(k11)`); a choice by tag is still
 * the same key when any other generate goes.
 */
export type KeyChoice = { readonly known: number } | { readonly tagged: number } | { readonly garbage: string };

/** Tags and tagged choices are whole numbers below this. */
export const TAGS = 1000;

/** A step of a model-based run: a fast-check command that can also write itself as TypeScript. */
export interface ModelStep<World extends object, Real> extends fc.AsyncCommand<World, Real> {
  /** The step as runnable TypeScript (as it last ran). */
  toCode(): string;
}

/** Resolves a key choice: the key, how a person calls it, and how code names it. */
export function resolveKey(world: Pick<BackendWorld, 'keys' | 'tags' | 'label'>, choice: KeyChoice): { key: string; label: string; code: string } {
  if ('garbage' in choice || world.keys.length === 0) {
    const key = 'garbage' in choice ? choice.garbage : '';
    return { key, label: `garbage key ${showString(key)}`, code: codeString(key) };
  }
  const index = 'tagged' in choice ? taggedIndex(world.tags, choice.tagged) : choice.known % world.keys.length;
  const key = world.keys[index]!;
  return { key, label: `${world.label}${index + 1}`, code: `${world.label}${index + 1}` };
}

/** The index of the first tag at or after `tagged`, going round; an untagged key counts as tag 0. */
export function taggedIndex(tags: ReadonlyArray<number | undefined>, tagged: number): number {
  let best = 0;
  let bestDistance = Infinity;
  tags.forEach((tag, index) => {
    const distance = ((((tag ?? 0) - tagged) % TAGS) + TAGS) % TAGS;
    if (distance < bestDistance) [best, bestDistance] = [index, distance];
  });
  return best;
}

/** How the model and a person see a lookup. */
export function showLookup(lookup: unknown): string {
  const found = lookup as Partial<Lookup & { value: string; period: number }> | null;
  if (typeof found !== 'object' || found === null) return show(lookup);
  if (found.status === 'ok' && Object.keys(found).length === 3) {
    return `ok ${show(found.value)} (${String(found.period)} s left)`;
  }
  if ((found.status === 'not_found' || found.status === 'not_set') && Object.keys(found).length === 1) return found.status;
  return show(lookup);
}

/** Exact equality of two lookups: same status, same value, same period, nothing else. */
export function sameLookup(expected: Lookup, actual: unknown): boolean {
  if (typeof actual !== 'object' || actual === null) return false;
  const own = Object.entries(actual).filter(([, inner]) => inner !== undefined);
  const wanted = Object.entries(expected);
  if (own.length !== wanted.length) return false;
  return wanted.every(([name, inner]) => Object.is((actual as Record<string, unknown>)[name], inner));
}

function expiryCode(expiry: number | undefined): string {
  return expiry === undefined ? '' : `{ expiry: ${expiry} }`;
}

function showExpiry(expiry: number | undefined): string {
  return expiry === undefined ? 'default period' : `expiry ${expiry} s`;
}

/** `'ok'` / `'not_found'` bare, anything else as {@link show} does. */
function showOutcome(outcome: unknown): string {
  return outcome === 'ok' || outcome === 'not_found' ? outcome : show(outcome);
}

/** Time since the run started, for steps: `t=61.000s`. */
function instant(state: BackendModel, start: number): string {
  return `t=${((state.now - start) / 1000).toFixed(3)}s`;
}

/**
 * Awaits one call of a step; a rejection fails the run with `rule` (by default: the operation
 * resolves on any key and valid input, garbage keys included, SPEC §2), its root cause
 * 'call-rejected', or 'call-never-settles' when the harness's watchdog gave up on it.
 */
export async function call<T>(
  real: Pick<BackendUnderTest, 'trace'>,
  step: string,
  code: string,
  expected: string,
  op: () => Promise<T>,
  rule?: string,
): Promise<T> {
  try {
    return await op();
  } catch (error) {
    const cause = rejectionCause(error);
    const operation = step.split('(')[0]!.replace(/^\w+ = /, '');
    // A call that never settled breaks a rule of its own, however the step would have named a rejection.
    const broken =
      cause === 'call-never-settles'
        ? `every backend call settles: ${operation} neither resolved nor rejected (SPEC §4, §8)`
        : (rule ?? `${operation} resolves on any key and valid input; it never rejects (SPEC §2, §4)`);
    return real.trace.fail(broken, step, expected, `rejected with ${show(error)}`, code, { id: cause });
  }
}

/**
 * Reads `defaultPeriod()` (SPEC §4: it may change over time) and adopts it in the model, so that an
 * omitted expiry means what the backend says at the time of the call.
 */
export function syncDefaultPeriod(world: BackendWorld, real: BackendUnderTest): void {
  const period = real.backend.defaultPeriod();
  if (!model.isValidPeriod(period)) {
    real.trace.fail(
      'defaultPeriod() is a whole number of seconds from 0 to 34560000 (SPEC §1)',
      `${real.name}.defaultPeriod()`,
      'a period',
      show(period),
      `console.log(${real.name}.defaultPeriod());`,
    );
  }
  if (period !== world.state.defaultPeriod) world.state = model.withDefaultPeriod(world.state, period);
}

abstract class BackendCommand implements ModelStep<BackendWorld, BackendUnderTest> {
  protected code = '';
  check(_world: Readonly<BackendWorld>): boolean {
    return true;
  }
  abstract run(world: BackendWorld, real: BackendUnderTest): Promise<void>;
  abstract toString(): string;
  toCode(): string {
    return this.code;
  }
}

/** `generate({ value?, expiry? })`: a fresh, well-formed key (SPEC §2) that the model then holds. */
export class GenerateCommand extends BackendCommand {
  constructor(
    readonly value: string | undefined,
    readonly expiry: number | undefined,
    /** What `{ tagged }` choices find this key by (see {@link KeyChoice}). */
    readonly tag?: number,
  ) {
    super();
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const label = `${world.label}${world.keys.length + 1}`;
    const options = [
      ...(this.value === undefined ? [] : [`value: ${codeString(this.value)}`]),
      ...(this.expiry === undefined ? [] : [`expiry: ${this.expiry}`]),
    ];
    this.code = `const ${label} = await ${real.name}.generate(${options.length === 0 ? '' : `{ ${options.join(', ')} }`});`;
    const step = `${label} = generate(${this.describe()})`;
    const key = await call(real, step, this.code, 'a fresh key', () =>
      real.backend.generate({
        ...(this.value === undefined ? {} : { value: this.value }),
        ...(this.expiry === undefined ? {} : { expiry: this.expiry }),
      }),
    );
    const problem = model.judgeKey(world.state, key);
    if (problem !== undefined) {
      real.trace.fail(problem.rule, step, 'a fresh key: [A-Za-z0-9_-]{22,}, never handed out before', show(key), this.code, { id: problem.id });
    }
    world.state = model.generate(world.state, key, { value: this.value, expiry: this.expiry }).state;
    world.keys.push(key);
    world.tags.push(this.tag);
    real.trace.record(`${step} at ${instant(world.state, START(world))}`, this.code);
  }
  describe(): string {
    return `${this.value === undefined ? 'no value' : `value ${showString(this.value)}`}, ${showExpiry(this.expiry)}`;
  }
  toString(): string {
    return `generate(${this.describe()})`;
  }
}

/**
 * Fails the run with `judgement`, or, when it points at an edge of the lifetime (a session gone
 * early or kept late, a remaining period off), with what the experiments on a fresh backend show
 * (properties/expiry-experiment.ts): the same root cause whichever property met it.
 */
export async function failJudged(real: BackendUnderTest, judgement: model.Judgement, edge: ExpiryEdge | undefined, fail: (options: RootCauseOptions) => never): Promise<never> {
  if (real.factory !== undefined) {
    const shown = await settleByExperiment(real.factory, judgement, edge, real.trace.title);
    if (shown !== undefined) throw shown;
  }
  return fail({ id: judgement.id, measured: judgement.measured });
}

/** Fails the run on a lookup of `key` that answered `actual` where the model says `expected`, named by the rule it breaks. */
export async function failLookup(
  world: BackendWorld,
  real: BackendUnderTest,
  lookup: { key: string; step: string; code: string; expected: Lookup; actual: unknown },
): Promise<never> {
  const { key, step, code, expected, actual } = lookup;
  const judgement = model.judgeGet(world.state, key, expected, actual);
  return failJudged(real, judgement, expiryEdge(judgement, lookupEvidence(expected, actual)), (options) =>
    real.trace.fail(judgement.rule, step, showLookup(expected), showLookup(actual), code, options),
  );
}

/**
 * When an answer that depends on `keys` (a manager's lookup, a count after a sweep) differs from
 * the model, asks the backend itself about each key: a backend answer that the model disagrees
 * with is the root cause (an expiry early or late, a revived key) and fails the run named by the
 * backend's rule, after `symptom`, the step that showed it. Returns when every answer was right:
 * the caller's own rule stands.
 */
export async function blameBackend(
  world: BackendWorld,
  real: BackendUnderTest,
  keys: Iterable<string>,
  symptom: { text: string; code: string },
): Promise<void> {
  for (const key of new Set(keys)) {
    const index = world.keys.indexOf(key);
    if (index === -1) continue;
    const label = `${world.label}${index + 1}`;
    const expected = model.get(world.state, key).result;
    const code = `console.log(await ${real.name}.get(${label}));`;
    const step = `${real.name}.get(${label}), what the backend itself says, at ${instant(world.state, START(world))}`;
    const actual = await call(real, step, code, showLookup(expected), () => real.backend.get(key));
    if (sameLookup(expected, actual)) continue;
    real.trace.record(symptom.text, symptom.code);
    await failLookup(world, real, { key, step, code, expected, actual });
  }
}

/** `get(key)`: exactly the model's lookup (SPEC §4). */
export class GetCommand extends BackendCommand {
  #label = '';
  constructor(readonly choice: KeyChoice) {
    super();
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const { key, label, code } = resolveKey(world, this.choice);
    this.#label = label;
    this.code = `console.log(await ${real.name}.get(${code}));`;
    const expected = model.get(world.state, key).result;
    const step = `get(${label}) at ${instant(world.state, START(world))}`;
    const actual = await call(real, step, this.code, showLookup(expected), () => real.backend.get(key));
    if (!sameLookup(expected, actual)) await failLookup(world, real, { key, step, code: this.code, expected, actual });
    real.trace.record(`${step} -> ${showLookup(actual)}`, this.code);
  }
  toString(): string {
    return `get(${this.#label || show(this.choice)})`;
  }
}

/**
 * The end of a `set` or `touch` step: fails with the rule broken when the backend answered other
 * than the model, else adopts the model's state and records the step.
 */
async function settleUpdate(
  world: BackendWorld,
  real: BackendUnderTest,
  operation: 'set' | 'touch',
  key: string,
  step: string,
  code: string,
  transition: model.Transition<'ok' | 'not_found'>,
  actual: unknown,
): Promise<void> {
  if (actual !== transition.result) {
    const judgement = model.judgeUpdate(world.state, operation, key, transition.result, actual);
    await failJudged(real, judgement, expiryEdge(judgement, updateEvidence(transition.result, actual)), (options) =>
      real.trace.fail(judgement.rule, step, transition.result, showOutcome(actual), code, options),
    );
  }
  world.state = transition.state;
  real.trace.record(`${step} -> ${String(actual)}`, code);
}

/** `set(key, value, { expiry? })`: only a live session is updated; never revives (SPEC §4). */
export class SetCommand extends BackendCommand {
  #label = '';
  constructor(
    readonly choice: KeyChoice,
    readonly value: string,
    readonly expiry: number | undefined,
  ) {
    super();
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const { key, label, code } = resolveKey(world, this.choice);
    this.#label = label;
    const options = expiryCode(this.expiry);
    this.code = `console.log(await ${real.name}.set(${code}, ${codeString(this.value)}${options ? `, ${options}` : ''}));`;
    const transition = model.set(world.state, key, this.value, this.expiry);
    const step = `set(${label}, ${showString(this.value)}, ${showExpiry(this.expiry)}) at ${instant(world.state, START(world))}`;
    const actual = await call(real, step, this.code, transition.result, () =>
      real.backend.set(key, this.value, this.expiry === undefined ? undefined : { expiry: this.expiry }),
    );
    await settleUpdate(world, real, 'set', key, step, this.code, transition, actual);
  }
  toString(): string {
    return `set(${this.#label || show(this.choice)}, ${showString(this.value)}, ${showExpiry(this.expiry)})`;
  }
}

/** `touch(key, { expiry? })`: restarts a live session's lifetime, leaves its value (SPEC §4). */
export class TouchCommand extends BackendCommand {
  #label = '';
  constructor(
    readonly choice: KeyChoice,
    readonly expiry: number | undefined,
  ) {
    super();
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const { key, label, code } = resolveKey(world, this.choice);
    this.#label = label;
    const options = expiryCode(this.expiry);
    this.code = `console.log(await ${real.name}.touch(${code}${options ? `, ${options}` : ''}));`;
    const transition = model.touch(world.state, key, this.expiry);
    const step = `touch(${label}, ${showExpiry(this.expiry)}) at ${instant(world.state, START(world))}`;
    const actual = await call(real, step, this.code, transition.result, () =>
      real.backend.touch(key, this.expiry === undefined ? undefined : { expiry: this.expiry }),
    );
    await settleUpdate(world, real, 'touch', key, step, this.code, transition, actual);
  }
  toString(): string {
    return `touch(${this.#label || show(this.choice)}, ${showExpiry(this.expiry)})`;
  }
}

/** `clear(key)`: the key is gone; clearing a missing key is fine (SPEC §4). */
export class ClearCommand extends BackendCommand {
  #label = '';
  constructor(readonly choice: KeyChoice) {
    super();
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    syncDefaultPeriod(world, real);
    const { key, label, code } = resolveKey(world, this.choice);
    this.#label = label;
    this.code = `await ${real.name}.clear(${code});`;
    const step = `clear(${label}) at ${instant(world.state, START(world))}`;
    const actual = await call(real, step, this.code, 'undefined', () => real.backend.clear(key));
    if (actual !== undefined) {
      real.trace.fail('clear resolves undefined (SPEC §4)', step, 'undefined', show(actual), this.code);
    }
    world.state = model.clear(world.state, key).state;
    real.trace.record(step, this.code);
  }
  toString(): string {
    return `clear(${this.#label || show(this.choice)})`;
  }
}

/** The clock moves forward by `ms`. */
export class AdvanceCommand extends BackendCommand {
  constructor(readonly ms: number) {
    super();
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    this.code = `clock.advance(${this.ms});`;
    advanceBoth(world, real, this.ms, `advance the clock ${this.ms} ms`, this.code);
  }
  toString(): string {
    return `advance the clock ${this.ms} ms`;
  }
}

/**
 * The clock jumps to 1 ms before, exactly at, or 1 ms after (`pick % 3`) the expiry of a known
 * record still ahead, so that `now == expiresAt` is visited often. The record is the one whose key
 * comes first by tag from `pick / 3` (see {@link KeyChoice}), so dropping another generate does
 * not move the jump and shrinking can drop it. Use {@link advanceToExpiryArb}.
 */
export class AdvanceToExpiryCommand extends BackendCommand {
  #text = '';
  constructor(readonly pick: number) {
    super();
  }
  override check(world: Readonly<BackendWorld>): boolean {
    return world.state.records.size > 0;
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    const offset = (this.pick % 3) - 1;
    const ahead = world.keys
      .map((key, index) => ({ record: world.state.records.get(key), tag: world.tags[index] }))
      .filter(({ record }) => record !== undefined && record.expiresAt + offset >= world.state.now);
    const chosen = ahead.length === 0 ? undefined : ahead[taggedIndex(ahead.map(({ tag }) => tag), Math.floor(this.pick / 3) % TAGS)]!.record!;
    const target = chosen === undefined ? world.state.now : chosen.expiresAt + offset;
    const ms = target - world.state.now;
    const records = [...world.state.records].filter(([, record]) => Math.abs(record.expiresAt - target) <= 1);
    const about = records
      .map(([key, record]) => {
        const index = world.keys.indexOf(key);
        const name = index === -1 ? showString(key) : `${world.label}${index + 1}`;
        const offset = target - record.expiresAt;
        return offset === 0 ? `exactly ${name}'s expiry` : `${offset > 0 ? '1 ms after' : '1 ms before'} ${name}'s expiry`;
      })
      .join(', ');
    this.#text = `advance the clock ${ms} ms${about ? `, to ${about}` : ''}`;
    this.code = `clock.advance(${ms});${about ? ` // ${about}` : ''}`;
    advanceBoth(world, real, ms, this.#text, this.code);
  }
  toString(): string {
    return this.#text || `advance the clock to the expiry boundary #${this.pick}`;
  }
}

/** An {@link AdvanceToExpiryCommand}: which record (by tag) and which of the three instants. */
export const advanceToExpiryArb: fc.Arbitrary<AdvanceToExpiryCommand> = fc.nat({ max: 3 * TAGS - 1 }).map((pick) => new AdvanceToExpiryCommand(pick));

function advanceBoth(world: BackendWorld, real: BackendUnderTest, ms: number, text: string, code: string): void {
  real.clock.advance(ms);
  world.state = model.advance(world.state, ms);
  real.trace.record(`${text} (now ${instant(world.state, START(world))})`, code);
}

/**
 * The event loop turns between two steps, the clock staying where it is: one macrotask
 * (`setTimeout(0)`) or a wait of a few ms. Work a store does later (write-behind, timers, deferred
 * cleanup) lands here, inside the run, where the next step can see it (SPEC §4: every operation
 * behaves as its result said, whenever the store finishes its own work).
 */
export class EventLoopTurnCommand extends BackendCommand {
  constructor(readonly ms: number) {
    super();
  }
  async run(_world: BackendWorld, real: BackendUnderTest): Promise<void> {
    this.code = `await new Promise((resolve) => setTimeout(resolve, ${this.ms})); // the clock does not move`;
    await new Promise((resolve) => setTimeout(resolve, this.ms));
    real.trace.record(this.toString(), this.code);
  }
  toString(): string {
    return this.ms === 0 ? 'let the event loop turn once (the clock does not move)' : `wait ${this.ms} ms of real time (the clock does not move)`;
  }
}

/** Mostly one macrotask, sometimes a real wait of 1 to 5 ms: cheap enough for every default run. */
export const eventLoopTurnArb: fc.Arbitrary<EventLoopTurnCommand> = fc
  .oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) })
  .map((ms) => new EventLoopTurnCommand(ms));

/** The backend's default period changes (for backends that offer `setDefaultPeriod`, as `MemoryBackend`). */
export class SetDefaultPeriodCommand extends BackendCommand {
  constructor(readonly period: number) {
    super();
  }
  override check(world: Readonly<BackendWorld>): boolean {
    return world.canSetDefaultPeriod;
  }
  async run(world: BackendWorld, real: BackendUnderTest): Promise<void> {
    this.code = `${real.name}.setDefaultPeriod(${this.period});`;
    (real.backend as Backend & { setDefaultPeriod(period: number): void }).setDefaultPeriod(this.period);
    world.state = model.withDefaultPeriod(world.state, this.period);
    const reported = real.backend.defaultPeriod();
    const step = `setDefaultPeriod(${this.period})`;
    if (reported !== this.period) {
      real.trace.fail('defaultPeriod() reports the default period now in force (SPEC §4)', `${step}; defaultPeriod()`, String(this.period), show(reported), this.code);
    }
    real.trace.record(step, this.code);
  }
  toString(): string {
    return `setDefaultPeriod(${this.period})`;
  }
}

function START(world: BackendWorld): number {
  return world.start;
}

/** The model side of a fresh run over `backend`, whose clock reads `now`. */
export function initialWorld(backend: Backend, now: number, label = 'k'): BackendWorld {
  return {
    label,
    state: model.initialBackendModel(now, backend.defaultPeriod()),
    keys: [],
    tags: [],
    canSetDefaultPeriod: typeof (backend as { setDefaultPeriod?: unknown }).setDefaultPeriod === 'function',
    start: now,
  };
}
