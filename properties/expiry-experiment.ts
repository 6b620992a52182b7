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
import type { BackendFactory, Lookup } from '../src/backend.js';
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

/**
 * Runs the experiment for `edge` on a fresh backend from `factory`. Resolves the failure it shows
 * (titled `title`, its story the experiment's few steps), or `undefined` when the store's expiry
 * is right at that edge. A rejection during the experiment proves nothing: `undefined` too.
 */
export async function expiryExperiment(factory: BackendFactory, edge: ExpiryEdge, title: string): Promise<PropertyFailure | undefined> {
  try {
    return await withFreshBackend(factory, async ({ backend, clock }) => {
      const trace = new Trace(title, setupCode());
      const start = clock.now();
      let state = model.initialBackendModel(start, backend.defaultPeriod());
      const at = () => `t=${seconds(state.now - start)}`;
      const advance = (ms: number, why: string) => {
        clock.advance(ms);
        state = model.advance(state, ms);
        trace.record(`advance the clock ${ms} ms${why} (now ${at()})`, `clock.advance(${ms});`);
      };
      advance(STORED_AT, ', into the middle of a second');
      const key = await backend.generate({ value: 'x', expiry: PERIOD });
      state = model.generate(state, key, { value: 'x', expiry: PERIOD }).state;
      const expiresAt = state.records.get(key)!.expiresAt;
      trace.record(`k1 = generate(value "x", expiry ${PERIOD} s), due at t=1.500s`, `const k1 = await backend.generate({ value: "x", expiry: ${PERIOD} });`);
      const read = async (): Promise<{ actual: unknown; expected: Lookup }> => ({ actual: await backend.get(key), expected: model.get(state, key).result });
      const failAt = (expected: Lookup, actual: unknown, measured: string): PropertyFailure => {
        const judgement = model.judgeGet(state, key, expected, actual);
        try {
          return trace.fail(judgement.rule, `get(k1) at ${at()}`, shown(expected), shown(actual), 'console.log(await backend.get(k1));', {
            id: judgement.id,
            measured,
          });
        } catch (failure) {
          return failure as PropertyFailure;
        }
      };
      if (edge === 'early') {
        advance(501, ', 1 ms past the whole second before its expiry');
        const first = await read();
        if (!found(first.actual)) return failAt(first.expected, first.actual, 'expiry is at least 499 ms early: a session due at t=1.500s was gone at t=1.001s (whole seconds, truncated, are up to 999 ms early)');
        trace.record(`get(k1) at ${at()} -> ${shown(first.actual)}`, 'console.log(await backend.get(k1));');
        advance(expiresAt - state.now, ", exactly k1's expiry");
        const second = await read();
        if (!found(second.actual)) return failAt(second.expected, second.actual, 'expiry is 1 ms early (gone at its expiry instant)');
        return undefined;
      }
      advance(expiresAt + 1 - state.now, ", 1 ms after k1's expiry");
      const late = await read();
      if (!found(late.actual)) return undefined;
      const failure = failAt(late.expected, late.actual, '');
      clock.advance(Math.ceil(expiresAt / 1000) * 1000 + 1 - clock.now());
      const next = await backend.get(key);
      const measured = found(next)
        ? 'expiry is at least 501 ms late: a session due at t=1.500s was still live at t=2.001s'
        : 'expiry is up to 999 ms late (whole seconds): a session due at t=1.500s lived until t=2.000s';
      return new PropertyFailure(failure.rule, failure.message.split('\n').slice(1).join('\n'), failure.steps, failure.snippet, undefined, {
        id: failure.rootCause.id,
        measured,
      });
    });
  } catch (error) {
    if (error instanceof PropertyFailure) throw error;
    return undefined;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}
