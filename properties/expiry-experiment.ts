/**
 * One deviation, one name: when a failure points at expiry (a session gone early or kept late, a
 * remaining period a second off, a lifetime that looks not restarted), a small experiment on a
 * fresh backend tells which deviation the store has, so that every property that meets it names
 * the same root cause and says how big it is.
 *
 * The story a property shrinks to often fits several deviations at once: a remaining period one
 * second too long fits a period rounded up and an expiry kept in whole seconds alike; a session
 * lost after a `touch` fits a lifetime not restarted and an expiry truncated to whole seconds.
 * The experiment asks the store directly, with a session whose expiry falls mid-second (stored at
 * t=0.500 s for 1 s, so it is due at t=1.500 s):
 *
 * - early: read at t=1.001 s (a store truncating to whole seconds already dropped it), then at
 *   t=1.500 s, its expiry instant (a store expiring with `<` where `<=` belongs dropped it);
 * - late: read at t=1.501 s (a store rounding up to whole seconds still has it), then, unrecorded,
 *   at t=2.001 s, to measure.
 *
 * When the store passes the experiment, the expiry itself is right and the property's own
 * judgement stands. The experiment is deterministic, so a seed and path replay it.
 */
import type { Backend, BackendFactory, Lookup } from '../src/backend.js';
import type { ManualClock } from '../src/clock.js';
import * as model from '../models/backend-model.js';
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

/** The session of the experiment: stored at t=0.500 s for 1 s. */
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
  #state: model.BackendModel;
  #key = '';

  constructor(
    readonly backend: Backend,
    readonly clock: ManualClock,
    title: string,
  ) {
    this.#trace = new Trace(title, setupCode());
    this.#start = clock.now();
    this.#state = model.initialBackendModel(this.#start, backend.defaultPeriod());
  }

  /** When the session is due (SPEC §1: live while now <= expiresAt). */
  get expiresAt(): number {
    return this.#state.records.get(this.#key)!.expiresAt;
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

  /** The session the experiment reads: stored now for {@link PERIOD} s. */
  async store(): Promise<void> {
    this.#key = await this.backend.generate({ value: 'x', expiry: PERIOD });
    this.#state = model.generate(this.#state, this.#key, { value: 'x', expiry: PERIOD }).state;
    this.#trace.record(`k1 = generate(value "x", expiry ${PERIOD} s), due at t=${seconds(this.expiresAt - this.#start)}`, `const k1 = await backend.generate({ value: "x", expiry: ${PERIOD} });`);
  }

  /** Whether the session is found now: a read for measuring, not told as a step. */
  async peek(): Promise<boolean> {
    return found(await this.backend.get(this.#key));
  }

  /** Reads the session: whether it was found, and the failure when the model says otherwise (the step told either way). */
  async read(measured: string): Promise<{ found: boolean; failure: PropertyFailure | undefined }> {
    const actual = await this.backend.get(this.#key);
    const expected = model.get(this.#state, this.#key).result;
    const code = 'console.log(await backend.get(k1));';
    if (found(actual) === found(expected)) {
      this.#trace.record(`get(k1) at ${this.#at()} -> ${shown(actual)}`, code);
      return { found: found(actual), failure: undefined };
    }
    const judgement = model.judgeGet(this.#state, this.#key, expected, actual);
    try {
      this.#trace.fail(judgement.rule, `get(k1) at ${this.#at()}`, shown(expected), shown(actual), code, { id: judgement.id, measured });
    } catch (failure) {
      return { found: found(actual), failure: failure as PropertyFailure };
    }
  }
}

/** The early edge: gone 1 ms past the whole second before its expiry (truncated), or at its expiry instant (`<`)? */
async function earlyEdge(experiment: Experiment): Promise<PropertyFailure | undefined> {
  experiment.advance(501, ', 1 ms past the whole second before its expiry');
  const truncated = await experiment.read('expiry is at least 499 ms early: a session due at t=1.500s was gone at t=1.001s (whole seconds, truncated, are up to 999 ms early)');
  if (truncated.failure !== undefined) return truncated.failure;
  experiment.advance(experiment.expiresAt - experiment.now, ", exactly k1's expiry");
  return (await experiment.read('expiry is 1 ms early (gone at its expiry instant)')).failure;
}

/** The late edge: still live 1 ms after its expiry? Then, unrecorded, 1 ms after the next whole second, to measure. */
async function lateEdge(experiment: Experiment): Promise<PropertyFailure | undefined> {
  experiment.advance(experiment.expiresAt + 1 - experiment.now, ", 1 ms after k1's expiry");
  const late = await experiment.read('');
  if (late.failure === undefined) return undefined;
  const { clock, expiresAt } = experiment;
  clock.advance(Math.ceil(expiresAt / 1000) * 1000 + 1 - clock.now());
  const measured = (await experiment.peek())
    ? 'expiry is at least 501 ms late: a session due at t=1.500s was still live at t=2.001s'
    : 'expiry is up to 999 ms late (whole seconds): a session due at t=1.500s lived until t=2.000s';
  const { failure } = late;
  return new PropertyFailure(failure.rule, failure.message.split('\n').slice(1).join('\n'), failure.steps, failure.snippet, undefined, { id: failure.rootCause.id, measured });
}

/**
 * Runs the experiment for `edge` on a fresh backend from `factory`. Resolves the failure it shows
 * (titled `title`, its story the experiment's few steps), or `undefined` when the store's expiry
 * is right at that edge. A rejection during the experiment proves nothing: `undefined` too.
 */
export async function expiryExperiment(factory: BackendFactory, edge: ExpiryEdge, title: string): Promise<PropertyFailure | undefined> {
  try {
    return await withFreshBackend(factory, async ({ backend, clock }) => {
      const experiment = new Experiment(backend, clock, title);
      experiment.advance(STORED_AT, ', into the middle of a second');
      await experiment.store();
      return edge === 'early' ? earlyEdge(experiment) : lateEdge(experiment);
    });
  } catch (error) {
    if (error instanceof PropertyFailure) throw error;
    return undefined;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}
