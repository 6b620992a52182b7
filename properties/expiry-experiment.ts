/**
 * One deviation, one name: when a failure points at expiry (a session gone early or kept late, a
 * remaining period a second off, a lifetime that looks not restarted), a small experiment on a
 * fresh backend tells which deviation the store has, so that every property that meets it names
 * the same root cause and says how big it is.
 *
 * The story a property shrinks to often fits several deviations at once: a remaining period one
 * second too long fits a period rounded up and an expiry kept in whole seconds alike; a session
 * lost after a `touch` fits a lifetime not restarted and an expiry truncated to whole seconds.
 * The experiment asks the store directly, on a fresh backend:
 *
 * - early: a session stored for 0 s at t=0 is due at t=0, the instant it is read (a store expiring
 *   with `<` where `<=` belongs has dropped it); then, on another fresh backend, one stored at
 *   t=0.500 s for 1 s, due at t=1.500 s, read at t=1.001 s (a store truncating expiry to whole
 *   seconds has dropped it);
 * - late: one stored at t=0.500 s for 1 s read at t=1.501 s (a store rounding up to whole seconds
 *   still has it), then, unrecorded, at t=2.001 s, to measure.
 *
 * When the store passes the experiment, the expiry itself is right and the property's own
 * judgement stands. The experiment is deterministic, so a seed and path replay it.
 */
import type { Backend, BackendFactory, Lookup } from '../src/backend.js';
import type { ManualClock } from '../src/clock.js';
import * as model from '../models/backend-model.js';
import { sameStructure } from '../models/linearizability.js';
import type { Judgement } from '../models/backend-model.js';
import { setupCode, withFreshBackend } from './fresh-backend.js';
import { PropertyFailure, show, Trace } from './trace.js';

/** Which edge of the lifetime a judgement points at, if any. */
export type ExpiryEdge = 'early' | 'late';

/** The root causes the early experiment can tell apart (a session gone too soon). */
const EARLY_CAUSES = new Set(['expiry-early', 'live-session-lost', 'lifetime-not-restarted', 'default-period-ignored']);

/** The root causes a remaining period off can be mistaken for, when the expiry itself moved. */
const PERIOD_CAUSES = new Set(['period-rounding', 'lifetime-not-restarted', 'default-period-ignored', 'period-wrong']);

/**
 * The edge of the lifetime a failure judged `judgement` may come from, from the evidence: a period
 * too long or a session found dead points late, a period too short or a session lost points early.
 */
export function expiryEdge(judgement: Judgement, evidence: 'found-dead' | 'lost-live' | 'period-long' | 'period-short' | 'other'): ExpiryEdge | undefined {
  if (evidence === 'period-long' && PERIOD_CAUSES.has(judgement.id)) return 'late';
  if (evidence === 'period-short' && PERIOD_CAUSES.has(judgement.id)) return 'early';
  if (evidence === 'found-dead' && ['expiry-late', 'lifetime-not-restarted', 'revives-cleared'].includes(judgement.id)) return 'late';
  if (evidence === 'lost-live' && EARLY_CAUSES.has(judgement.id)) return 'early';
  return undefined;
}

/** What kind of evidence a lookup mismatch is. */
export function lookupEvidence(expected: Lookup, actual: unknown): 'found-dead' | 'lost-live' | 'period-long' | 'period-short' | 'other' {
  const got = actual as { status?: unknown; period?: unknown } | null;
  if (typeof got !== 'object' || got === null) return 'other';
  if (expected.status === 'not_found') return got.status === 'ok' || got.status === 'not_set' ? 'found-dead' : 'other';
  if (got.status === 'not_found') return 'lost-live';
  if (expected.status === 'ok' && got.status === 'ok' && typeof got.period === 'number') {
    if (got.period > expected.period) return 'period-long';
    if (got.period < expected.period) return 'period-short';
  }
  return 'other';
}

/** What an update mismatch is evidence of: `ok` where the model says `not_found` is a dead session found. */
export function updateEvidence(expected: 'ok' | 'not_found', actual: unknown): 'found-dead' | 'lost-live' | 'other' {
  if (expected === 'not_found' && actual === 'ok') return 'found-dead';
  if (expected === 'ok' && actual === 'not_found') return 'lost-live';
  return 'other';
}

/** The mid-second session of the experiment: stored at t=0.500 s for 1 s. */
const STORED_AT = 500;
const PERIOD = 1;

function shown(lookup: unknown): string {
  const found = lookup as { status?: unknown; value?: unknown; period?: unknown } | null;
  if (typeof found === 'object' && found !== null && found.status === 'ok') return `ok ${show(found.value)} (${String(found.period)} s left)`;
  if (typeof found === 'object' && found !== null && typeof found.status === 'string') return found.status;
  return show(lookup);
}

function found(lookup: unknown): boolean {
  const status = (lookup as { status?: unknown } | null)?.status;
  return status === 'ok' || status === 'not_set';
}

/** One experiment on one fresh backend: the clock, the model beside it, and the steps told so far. */
class Experiment {
  readonly #trace: Trace;
  readonly #start: number;
  readonly #keys: string[] = [];
  #state: model.BackendModel;

  constructor(
    readonly backend: Backend,
    readonly clock: ManualClock,
    title: string,
  ) {
    this.#trace = new Trace(title, setupCode());
    this.#start = clock.now();
    this.#state = model.initialBackendModel(this.#start, backend.defaultPeriod());
  }

  /** When session `k<index + 1>` is due (SPEC §1: live while now <= expiresAt). */
  expiresAt(index: number): number {
    return this.#state.records.get(this.#keys[index]!)!.expiresAt;
  }

  get now(): number {
    return this.#state.now;
  }

  #at(): string {
    return `t=${seconds(this.#state.now - this.#start)}`;
  }

  advance(ms: number, why: string): void {
    this.clock.advance(ms);
    this.#state = model.advance(this.#state, ms);
    this.#trace.record(`advance the clock ${ms} ms${why} (now ${this.#at()})`, `clock.advance(${ms});`);
  }

  /** A session stored now for `period` s: its index. */
  async store(period: number): Promise<number> {
    const key = await this.backend.generate({ value: 'x', expiry: period });
    this.#state = model.generate(this.#state, key, { value: 'x', expiry: period }).state;
    this.#keys.push(key);
    const label = `k${this.#keys.length}`;
    this.#trace.record(`${label} = generate(value "x", expiry ${period} s) at ${this.#at()}, due at t=${seconds(this.expiresAt(this.#keys.length - 1) - this.#start)}`, `const ${label} = await backend.generate({ value: "x", expiry: ${period} });`);
    return this.#keys.length - 1;
  }

  /** Whether session `index` is found now: a read for measuring, not told as a step. */
  async peek(index: number): Promise<boolean> {
    return found(await this.backend.get(this.#keys[index]!));
  }

  /** Reads session `index`: the failure when its lookup differs from the model's in anything, else `undefined`. */
  async readExactly(index: number): Promise<PropertyFailure | undefined> {
    const key = this.#keys[index]!;
    const actual = await this.backend.get(key);
    const expected = model.get(this.#state, key).result;
    if (sameStructure(expected, actual)) return undefined;
    const judgement = model.judgeGet(this.#state, key, expected, actual);
    try {
      return this.#trace.fail(judgement.rule, `get(k${index + 1}) at ${this.#at()}`, shown(expected), shown(actual), `console.log(await backend.get(k${index + 1}));`, {
        id: judgement.id,
        measured: judgement.measured,
      });
    } catch (failure) {
      return failure as PropertyFailure;
    }
  }

  /** Reads session `index`: the failure when found-or-not differs from the model, else `undefined` (the step told). */
  async read(index: number, measured: string): Promise<PropertyFailure | undefined> {
    const key = this.#keys[index]!;
    const actual = await this.backend.get(key);
    const expected = model.get(this.#state, key).result;
    const code = `console.log(await backend.get(k${index + 1}));`;
    if (found(actual) === found(expected)) {
      this.#trace.record(`get(k${index + 1}) at ${this.#at()} -> ${shown(actual)}`, code);
      return undefined;
    }
    const judgement = model.judgeGet(this.#state, key, expected, actual);
    try {
      return this.#trace.fail(judgement.rule, `get(k${index + 1}) at ${this.#at()}`, shown(expected), shown(actual), code, { id: judgement.id, measured });
    } catch (failure) {
      return failure as PropertyFailure;
    }
  }
}

/** Gone at its expiry instant (`<` where `<=` belongs)? A session stored for 0 s, read at once. */
async function boundaryCheck(experiment: Experiment): Promise<PropertyFailure | undefined> {
  const now = await experiment.store(0);
  return experiment.read(now, 'expiry is 1 ms early (gone at its expiry instant)');
}

/** Gone before its expiry instant, at the whole second before it (truncated to whole seconds)? */
async function truncationCheck(experiment: Experiment): Promise<PropertyFailure | undefined> {
  experiment.advance(STORED_AT, ', into the middle of a second');
  const midSecond = await experiment.store(PERIOD);
  experiment.advance(Math.floor(experiment.expiresAt(midSecond) / 1000) * 1000 + 1 - experiment.now, ', 1 ms past the whole second before its expiry');
  return experiment.read(midSecond, 'expiry is at least 499 ms early: a session due at t=1.500s was gone at t=1.001s (whole seconds, truncated, are up to 999 ms early)');
}

/** Still live 1 ms after its expiry (rounded up to whole seconds)? Then, unrecorded, 1 ms after the next whole second, to measure. */
async function lateCheck(experiment: Experiment): Promise<PropertyFailure | undefined> {
  experiment.advance(STORED_AT, ', into the middle of a second');
  const midSecond = await experiment.store(PERIOD);
  const expiresAt = experiment.expiresAt(midSecond);
  experiment.advance(expiresAt + 1 - experiment.now, ", 1 ms after k1's expiry");
  const failure = await experiment.read(midSecond, '');
  if (failure === undefined) return undefined;
  experiment.clock.advance(Math.ceil(expiresAt / 1000) * 1000 + 1 - experiment.clock.now());
  let cause = { id: failure.rootCause.id, measured: 'expiry is up to 999 ms late (whole seconds): a session due at t=1.500s lived until t=2.000s' };
  if (await experiment.peek(midSecond)) {
    cause = { id: failure.rootCause.id, measured: 'expiry is at least 501 ms late: a session due at t=1.500s was still live at t=2.001s' };
    experiment.clock.advance(ONE_DAY);
    if (await experiment.peek(midSecond)) {
      cause = { id: 'expiry-not-context-clock', measured: 'expiry does not follow the context clock: a session stored for 1 s was still live a day later by clock.now()' };
    }
  }
  return new PropertyFailure(failure.rule, failure.message.split('\n').slice(1).join('\n'), failure.steps, failure.snippet, undefined, cause);
}

const ONE_DAY = 86_400_000;

/**
 * Whether the remaining period counts down and is rounded down: a session stored at t=0.500 s for
 * 2 s, read at t=1.501 s, has 0 s left (999 ms); rounded up it reads 1, not counting down 2.
 */
async function periodCheck(experiment: Experiment): Promise<PropertyFailure | undefined> {
  experiment.advance(STORED_AT, ', into the middle of a second');
  const session = await experiment.store(2);
  experiment.advance(1001, ', 999 ms before its expiry');
  const failure = await experiment.readExactly(session);
  if (failure === undefined) return undefined;
  const { id, measured } = failure.rootCause;
  return new PropertyFailure(failure.rule, failure.message.split('\n').slice(1).join('\n'), failure.steps, failure.snippet, undefined, {
    id,
    measured: `${measured ?? 'the remaining period is wrong'}; the expiry itself is on time`,
  });
}

/** Root causes of a remaining period reported wrong, which {@link periodCheck} tells apart. */
const PERIOD_SHAPES = new Set(['period-rounding', 'period-not-counting-down']);

/**
 * What the experiments show for a failure judged `judgement` (whose evidence points at `edge` of
 * the lifetime, if any): the expiry experiment first; when the expiry is right and the judgement is
 * about how the remaining period is reported, the period experiment. `undefined` when they show
 * nothing: the property's own judgement stands.
 */
export async function settleByExperiment(
  factory: BackendFactory,
  judgement: Judgement,
  edge: ExpiryEdge | undefined,
  title: string,
): Promise<PropertyFailure | undefined> {
  const shown = edge === undefined ? undefined : await expiryExperiment(factory, edge, title);
  if (shown !== undefined || !PERIOD_SHAPES.has(judgement.id)) return shown;
  try {
    return await withFreshBackend(factory, ({ backend, clock }) => periodCheck(new Experiment(backend, clock, title)));
  } catch (error) {
    if (error instanceof PropertyFailure) throw error;
    return undefined;
  }
}

/**
 * Runs the experiment for `edge` on a fresh backend from `factory`. Resolves the failure it shows
 * (titled `title`, its story the experiment's few steps), or `undefined` when the store's expiry
 * is right at that edge. A rejection during the experiment proves nothing: `undefined` too.
 */
export async function expiryExperiment(factory: BackendFactory, edge: ExpiryEdge, title: string): Promise<PropertyFailure | undefined> {
  try {
    // Each check on a backend of its own, so that its story is all that ran on it.
    const on = (check: (experiment: Experiment) => Promise<PropertyFailure | undefined>) =>
      withFreshBackend(factory, ({ backend, clock }) => check(new Experiment(backend, clock, title)));
    if (edge === 'late') return await on(lateCheck);
    return (await on(boundaryCheck)) ?? (await on(truncationCheck));
  } catch (error) {
    if (error instanceof PropertyFailure) throw error;
    return undefined;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}
