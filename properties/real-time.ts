/**
 * Real-time mode (`runConformance({ realTime: true })`, `sess-conformance --real-time`): the
 * properties that judge a store's own expiry, run against the system clock, for stores whose expiry
 * runs on a server's clock (Redis `EX`/`PX`, SQL `NOW()`) that no simulated clock moves.
 *
 * The backend gets `systemClock`; the clock moves of the simulated run become real waits (at most
 * {@link REAL_TIME_WAIT_BUDGET_MS} per run); lifetimes are drawn as a few seconds; every answer is
 * judged by models/real-time.ts, which accepts either outcome for a call that straddles an expiry
 * instant (widened by {@link REAL_TIME_TOLERANCE}) and judges everything else exactly.
 *
 * Replay (`seed` and `path`) runs the same steps again, but real time is not exactly reproducible:
 * the calls land a few ms elsewhere, so a failure near the edge of the tolerance may not show again.
 */
import fc from 'fast-check';
import type { Backend, BackendFactory } from '../src/backend.js';
import { systemClock } from '../src/clock.js';
import { MODEL_MAX_PERIOD } from '../models/backend-model.js';
import * as timed from '../models/real-time.js';
import { REAL_TIME_TOLERANCE, type CallInterval, type TimedModel } from '../models/real-time.js';
import { garbageKeyArb, optionalValueArb, valueArb } from './arbitraries.js';
import { call, resolveKey, showLookup, taggedIndex, TAGS, type KeyChoice, type ModelStep } from './backend-commands.js';
import { freshNamespace } from './fresh-backend.js';
import type { ConformanceProperty, PreparedProperty } from './property.js';
import { codeString, show, showString, Trace } from './trace.js';

export { REAL_TIME_TOLERANCE } from '../models/real-time.js';

/** Real waits in one run add up to at most this: it bounds a run (and each shrink step) in time. */
export const REAL_TIME_WAIT_BUDGET_MS = 4500;

/** At most this many shrink steps for a real-time failure: each one waits in real time again. */
export const REAL_TIME_SHRINKS = 20;

/** The model side of a real-time run. */
export interface RealTimeWorld {
  state: TimedModel;
  keys: string[];
  tags: Array<number | undefined>;
  readonly label: string;
  readonly canSetDefaultPeriod: boolean;
  /** When the run started on the system clock, for `t=` stamps. */
  readonly start: number;
  /** Real time waited so far in this run. */
  waitedMs: number;
}

/** The real side. */
export interface RealTimeBackend {
  readonly backend: Backend;
  readonly trace: Trace;
  readonly name: string;
}

type RealTimeStep = ModelStep<RealTimeWorld, RealTimeBackend>;

/** A lifetime of a few seconds mostly (so that expiry is reached by real waits), sometimes 0, sometimes long. */
export const realTimePeriodArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(60, 604_800, MODEL_MAX_PERIOD) },
);

const optionalRealTimePeriodArb = fc.option(realTimePeriodArb, { nil: undefined, freq: 6 });

/** A real wait in ms: around second edges often, anything up to 2.5 s otherwise. */
const waitArb = fc.oneof(fc.constantFrom(0, 1, 50, 999, 1000, 1001), fc.integer({ min: 0, max: 2500 }));

const keyChoiceArb: fc.Arbitrary<KeyChoice> = fc.oneof(
  { weight: 12, arbitrary: fc.nat({ max: TAGS - 1 }).map((tagged) => ({ tagged })) },
  { weight: 1, arbitrary: garbageKeyArb.map((garbage) => ({ garbage })) },
);

/** The system clock's instant as a `t=` stamp from the start of the run. */
function stamp(world: RealTimeWorld, instant: number): string {
  return `t=${((instant - world.start) / 1000).toFixed(3)}s`;
}

/** Runs `op` as one backend call and measures its interval on the system clock. */
async function timedCall<T>(real: RealTimeBackend, step: string, code: string, expected: string, op: () => Promise<T>): Promise<{ result: T; interval: CallInterval }> {
  const from = systemClock.now();
  const result = await call(real, step, code, expected, op);
  return { result, interval: { from, to: systemClock.now() } };
}

/** Fails the run with what the real-time judge said. */
function fail(real: RealTimeBackend, verdict: Extract<timed.Verdict, { ok: false }>, step: string, actual: string, code: string): never {
  return real.trace.fail(verdict.judgement.rule, step, verdict.expected, actual, code, { id: verdict.judgement.id, measured: verdict.judgement.measured });
}

/** Reads `defaultPeriod()` into the model (SPEC §4: it may change over time). */
function syncDefaultPeriod(world: RealTimeWorld, real: RealTimeBackend): void {
  const period = real.backend.defaultPeriod();
  if (!(Number.isInteger(period) && period >= 0 && period <= MODEL_MAX_PERIOD)) {
    real.trace.fail('defaultPeriod() is a whole number of seconds from 0 to 34560000 (SPEC §1)', `${real.name}.defaultPeriod()`, 'a period', show(period), `console.log(${real.name}.defaultPeriod());`);
  }
  if (period !== world.state.defaultPeriod) world.state = timed.withDefaultPeriod(world.state, period);
}

function showExpiry(expiry: number | undefined): string {
  return expiry === undefined ? 'default period' : `expiry ${expiry} s`;
}

abstract class RealTimeCommand implements RealTimeStep {
  protected code = '';
  check(_world: Readonly<RealTimeWorld>): boolean {
    return true;
  }
  abstract run(world: RealTimeWorld, real: RealTimeBackend): Promise<void>;
  abstract toString(): string;
  toCode(): string {
    return this.code;
  }
}

class GenerateStep extends RealTimeCommand {
  constructor(
    readonly value: string | undefined,
    readonly expiry: number | undefined,
    readonly tag: number,
  ) {
    super();
  }
  async run(world: RealTimeWorld, real: RealTimeBackend): Promise<void> {
    syncDefaultPeriod(world, real);
    const label = `${world.label}${world.keys.length + 1}`;
    const options = [...(this.value === undefined ? [] : [`value: ${codeString(this.value)}`]), ...(this.expiry === undefined ? [] : [`expiry: ${this.expiry}`])];
    this.code = `const ${label} = await ${real.name}.generate(${options.length === 0 ? '' : `{ ${options.join(', ')} }`});`;
    const step = `${label} = ${this.toString()}`;
    const { result: key, interval } = await timedCall(real, step, this.code, 'a fresh key', () =>
      real.backend.generate({ ...(this.value === undefined ? {} : { value: this.value }), ...(this.expiry === undefined ? {} : { expiry: this.expiry }) }),
    );
    const problem = timed.judgeTimedKey(world.state, key, interval);
    if (problem !== undefined) real.trace.fail(problem.rule, step, 'a fresh key: [A-Za-z0-9_-]{22,}, never handed out before', show(key), this.code, { id: problem.id });
    world.state = timed.generate(world.state, key, { value: this.value, expiry: this.expiry }, interval);
    world.keys.push(key);
    world.tags.push(this.tag);
    real.trace.record(`${step} at ${stamp(world, interval.from)}`, this.code);
  }
  toString(): string {
    return `generate(${this.value === undefined ? 'no value' : `value ${showString(this.value)}`}, ${showExpiry(this.expiry)})`;
  }
}

class GetStep extends RealTimeCommand {
  #label = '';
  constructor(readonly choice: KeyChoice) {
    super();
  }
  async run(world: RealTimeWorld, real: RealTimeBackend): Promise<void> {
    syncDefaultPeriod(world, real);
    const { key, label, code } = resolveKey(world, this.choice);
    this.#label = label;
    this.code = `console.log(await ${real.name}.get(${code}));`;
    const started = systemClock.now();
    const { result, interval } = await timedCall(real, `get(${label}) at ${stamp(world, started)}`, this.code, 'an answer', () => real.backend.get(key));
    const step = `get(${label}) at ${stamp(world, interval.from)} (answered ${interval.to - interval.from} ms later)`;
    const verdict = timed.judgeGet(world.state, key, result, interval);
    if (!verdict.ok) fail(real, verdict, step, showLookup(result), this.code);
    world.state = verdict.state;
    real.trace.record(`${step} -> ${showLookup(result)}`, this.code);
  }
  toString(): string {
    return `get(${this.#label || show(this.choice)})`;
  }
}

class UpdateStep extends RealTimeCommand {
  #label = '';
  constructor(
    readonly operation: 'set' | 'touch',
    readonly choice: KeyChoice,
    readonly value: string,
    readonly expiry: number | undefined,
  ) {
    super();
  }
  async run(world: RealTimeWorld, real: RealTimeBackend): Promise<void> {
    syncDefaultPeriod(world, real);
    const { key, label, code } = resolveKey(world, this.choice);
    this.#label = label;
    const options = this.expiry === undefined ? '' : `, { expiry: ${this.expiry} }`;
    const args = this.operation === 'set' ? `${code}, ${codeString(this.value)}${options}` : `${code}${options}`;
    this.code = `console.log(await ${real.name}.${this.operation}(${args}));`;
    const expiry = this.expiry === undefined ? undefined : { expiry: this.expiry };
    const { result, interval } = await timedCall(real, `${this.describe()} at ${stamp(world, systemClock.now())}`, this.code, 'ok or not_found', () =>
      this.operation === 'set' ? real.backend.set(key, this.value, expiry) : real.backend.touch(key, expiry),
    );
    const step = `${this.describe()} at ${stamp(world, interval.from)} (answered ${interval.to - interval.from} ms later)`;
    const update = this.operation === 'set' ? { value: this.value, expiry: this.expiry } : { expiry: this.expiry };
    const verdict = timed.judgeUpdate(world.state, this.operation, key, update, result, interval);
    if (!verdict.ok) fail(real, verdict, step, show(result), this.code);
    world.state = verdict.state;
    real.trace.record(`${step} -> ${String(result)}`, this.code);
  }
  describe(): string {
    const label = this.#label || show(this.choice);
    return this.operation === 'set' ? `set(${label}, ${showString(this.value)}, ${showExpiry(this.expiry)})` : `touch(${label}, ${showExpiry(this.expiry)})`;
  }
  toString(): string {
    return this.describe();
  }
}

class ClearStep extends RealTimeCommand {
  #label = '';
  constructor(readonly choice: KeyChoice) {
    super();
  }
  async run(world: RealTimeWorld, real: RealTimeBackend): Promise<void> {
    syncDefaultPeriod(world, real);
    const { key, label, code } = resolveKey(world, this.choice);
    this.#label = label;
    this.code = `await ${real.name}.clear(${code});`;
    const step = `clear(${label})`;
    const { result, interval } = await timedCall(real, step, this.code, 'undefined', () => real.backend.clear(key));
    if (result !== undefined) real.trace.fail('clear resolves undefined (SPEC §4)', step, 'undefined', show(result), this.code);
    world.state = timed.clear(world.state, key);
    real.trace.record(`${step} at ${stamp(world, interval.from)}`, this.code);
  }
  toString(): string {
    return `clear(${this.#label || show(this.choice)})`;
  }
}

/** Waits `ms` of real time (what a clock move is in simulated mode), within the run's budget. */
async function waitReal(world: RealTimeWorld, real: RealTimeBackend, ms: number, about: string): Promise<string> {
  const allowed = Math.max(0, Math.min(ms, REAL_TIME_WAIT_BUDGET_MS - world.waitedMs));
  world.waitedMs += allowed;
  const code = `await new Promise((resolve) => setTimeout(resolve, ${allowed}));${about === '' ? '' : ` // ${about}`}`;
  await new Promise((resolve) => setTimeout(resolve, allowed));
  const cut = allowed < ms ? ` (${ms} ms asked; the run's ${REAL_TIME_WAIT_BUDGET_MS} ms of waits were spent)` : '';
  const text = `wait ${allowed} ms of real time${about === '' ? '' : `, ${about}`}${cut} (now ${stamp(world, systemClock.now())})`;
  real.trace.record(text, code);
  return code;
}

class WaitStep extends RealTimeCommand {
  constructor(readonly ms: number) {
    super();
  }
  async run(world: RealTimeWorld, real: RealTimeBackend): Promise<void> {
    this.code = await waitReal(world, real, this.ms, '');
  }
  toString(): string {
    return `wait ${this.ms} ms of real time`;
  }
}

/**
 * Waits until just before (`pick % 5 == 0`), inside (1) or just after (2 to 4) the expiry window of a
 * session (chosen by tag, as in simulated mode), tolerance included: where an expiry kept early or
 * late shows, and reads that session there. No wait when that instant has passed; a shorter one
 * when the run's budget is spent.
 */
class WaitToExpiryStep extends RealTimeCommand {
  #text = '';
  constructor(readonly pick: number) {
    super();
  }
  override check(world: Readonly<RealTimeWorld>): boolean {
    return world.state.records.size > 0;
  }
  async run(world: RealTimeWorld, real: RealTimeBackend): Promise<void> {
    const now = systemClock.now();
    const where = Math.min(this.pick % 5, 2);
    const targets = world.keys
      .map((key, index) => ({ key, index, record: world.state.records.get(key), tag: world.tags[index] }))
      .filter((entry) => entry.record !== undefined && entry.record.goneAt === undefined)
      .map((entry) => ({ ...entry, at: targetOf(entry.record!, where) }))
      .filter((entry) => entry.at >= now);
    if (targets.length === 0) {
      this.#text = 'wait for an expiry: none ahead';
      this.code = `// ${this.#text}`;
      real.trace.record(this.#text, this.code);
      return;
    }
    const chosen = targets[taggedIndex(targets.map(({ tag }) => tag), Math.floor(this.pick / 5) % TAGS)]!;
    const name = `${world.label}${chosen.index + 1}`;
    const about = [`to just before ${name}'s expiry`, `to ${name}'s expiry`, `to just after ${name}'s expiry (tolerance included)`][where]!;
    this.#text = `wait ${about}, then get(${name})`;
    const waited = await waitReal(world, real, chosen.at - now, about);
    // Waits are what a real-time run is short of: each one ends with the read it was for.
    const read = new GetStep({ known: chosen.index });
    await read.run(world, real);
    this.code = `${waited}\n${read.toCode()}`;
  }
  toString(): string {
    return this.#text || `wait to an expiry #${this.pick}`;
  }
}

/** Where {@link WaitToExpiryStep} waits to, for one record: 100 ms clear of the tolerance, or its latest expiry instant. */
function targetOf(record: timed.TimedRecord, where: number): number {
  if (where === 0) return record.earliest - REAL_TIME_TOLERANCE.earlyMs - 100;
  if (where === 1) return record.latest;
  return record.latest + REAL_TIME_TOLERANCE.lateMs + 100;
}

class SetDefaultPeriodStep extends RealTimeCommand {
  constructor(readonly period: number) {
    super();
  }
  override check(world: Readonly<RealTimeWorld>): boolean {
    return world.canSetDefaultPeriod;
  }
  async run(world: RealTimeWorld, real: RealTimeBackend): Promise<void> {
    this.code = `${real.name}.setDefaultPeriod(${this.period});`;
    (real.backend as Backend & { setDefaultPeriod(period: number): void }).setDefaultPeriod(this.period);
    world.state = timed.withDefaultPeriod(world.state, this.period);
    const reported = real.backend.defaultPeriod();
    if (reported !== this.period) {
      real.trace.fail('defaultPeriod() reports the default period now in force (SPEC §4)', `setDefaultPeriod(${this.period}); defaultPeriod()`, String(this.period), show(reported), this.code);
    }
    real.trace.record(`setDefaultPeriod(${this.period})`, this.code);
  }
  toString(): string {
    return `setDefaultPeriod(${this.period})`;
  }
}

const generateArb = fc.tuple(optionalValueArb, optionalRealTimePeriodArb, fc.nat({ max: TAGS - 1 })).map(([value, expiry, tag]) => new GenerateStep(value, expiry, tag));

/** The generate a run opens with: a lifetime of 0 to 3 s, so that its expiry is reached within the run's waits. */
const shortGenerateArb = fc.tuple(optionalValueArb, fc.integer({ min: 0, max: 3 }), fc.nat({ max: TAGS - 1 })).map(([value, expiry, tag]) => new GenerateStep(value, expiry, tag));

/** A wait to just after a session's expiry (by tag), then its read: what half the runs end with. */
const probeAfterExpiryArb = fc.nat({ max: TAGS - 1 }).map((tag) => new WaitToExpiryStep(tag * 5 + 2));

/** One real-time step, weighted so that short-lived sessions are made, outlived and read at their edges. */
export const realTimeCommandArb: fc.Arbitrary<RealTimeStep> = fc.oneof(
  { weight: 4, arbitrary: generateArb },
  { weight: 6, arbitrary: keyChoiceArb.map((choice) => new GetStep(choice)) },
  { weight: 2, arbitrary: fc.tuple(keyChoiceArb, valueArb, optionalRealTimePeriodArb).map(([choice, value, expiry]) => new UpdateStep('set', choice, value, expiry)) },
  { weight: 2, arbitrary: fc.tuple(keyChoiceArb, optionalRealTimePeriodArb).map(([choice, expiry]) => new UpdateStep('touch', choice, '', expiry)) },
  { weight: 1, arbitrary: keyChoiceArb.map((choice) => new ClearStep(choice)) },
  { weight: 1, arbitrary: waitArb.map((ms) => new WaitStep(ms)) },
  { weight: 5, arbitrary: fc.nat({ max: 5 * TAGS - 1 }).map((pick) => new WaitToExpiryStep(pick)) },
  { weight: 1, arbitrary: realTimePeriodArb.map((period) => new SetDefaultPeriodStep(period)) },
);

/**
 * A sequence of real-time steps, opening with a generate of a short-lived session (a run without
 * one wastes its waits) and, one run in two, ending with a wait past an expiry and the read there
 * (where a late expiry shows; shrinking may drop it). A plain array, as in simulated mode, so that
 * `seed` and `path` replay the same steps.
 */
export const realTimeCommandsArb = fc.limitShrink(
  fc
    .tuple(shortGenerateArb, fc.array(realTimeCommandArb, { maxLength: 10, size: 'medium' }), fc.option(probeAfterExpiryArb, { nil: undefined, freq: 2 }))
    .map(([first, rest, last]) => (last === undefined ? [first, ...rest] : [first, ...rest, last])),
  REAL_TIME_SHRINKS,
);

/** The snippet's first lines: the backend on the system clock. */
export function realTimeSetupCode(): string[] {
  return [
    "import { systemClock } from 'sess';",
    '',
    '// Real time: the same steps land a few ms elsewhere on another run, so a failure at the edge of the tolerance may not show again.',
    'const backend = await factory({ clock: systemClock, namespace: `sess-replay-${Date.now()}` });',
  ];
}

/** Runs `commands` in real time against a fresh backend (on `systemClock`) from `factory`. */
export async function runRealTimeCommands(factory: BackendFactory, commands: Iterable<RealTimeStep>, title = 'backend-model (real time)'): Promise<void> {
  const backend = await factory({ clock: systemClock, namespace: freshNamespace() });
  const world: RealTimeWorld = {
    state: timed.initialTimedModel(backend.defaultPeriod()),
    keys: [],
    tags: [],
    label: 'k',
    canSetDefaultPeriod: typeof (backend as { setDefaultPeriod?: unknown }).setDefaultPeriod === 'function',
    start: systemClock.now(),
    waitedMs: 0,
  };
  const trace = new Trace(title, realTimeSetupCode());
  try {
    await fc.asyncModelRun(() => ({ model: world, real: { backend, trace, name: 'backend' } }), commands);
  } catch (error) {
    await backend.close?.().catch(() => undefined);
    throw error;
  }
  await backend.close?.();
}

/** `backend-model` in real time. */
export const backendModelRealTimeProperty: ConformanceProperty = {
  name: 'backend-model',
  summary:
    'in real time (system clock, real waits, lifetimes of a few seconds): generate/get/set/touch/clear give the results of the model, either outcome accepted for a call that straddles an expiry instant (tolerance included)',
  rules: '§1 §2 §3 §4',
  defaultRuns: 10,
  async prepare(factory: BackendFactory): Promise<PreparedProperty> {
    return { property: fc.asyncProperty(realTimeCommandsArb, (commands) => runRealTimeCommands(factory, commands)), dropSteps: false };
  },
};
