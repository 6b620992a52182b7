/**
 * `manager-races` (SPEC §4, §5): two "requests" on one session, interleaved by fast-check's
 * scheduler at every backend call: set vs clear, touch vs set, regenerate vs set,
 * ofHeaderOrCreate vs clear, and two new visitors at once. Whatever the interleaving, a cleared
 * session never comes back, a touch never restores an older value, nobody is handed another
 * session's data, and the backend calls made are linearizable.
 */
import fc from 'fast-check';
import type { Backend, BackendFactory } from '../src/backend.js';
import { SessionManager, type Session } from '../src/manager.js';
import { checkBackendHistory, HistoryRecorder, KeyNames, renderTimeline } from './concurrency-history.js';
import { recordedBackend, reportHistoryFailure, runScheduled, Story } from './concurrency-run.js';
import { setupCode, START_INSTANT, withFreshBackend } from './fresh-backend.js';
import type { ConformanceProperty } from './property.js';
import { rejectionCause, show, type RootCauseOptions } from './trace.js';

/** The races a round can run (request A vs request B). */
export const RACES = ['set-vs-clear', 'touch-vs-set', 'regenerate-vs-set', 'ofHeaderOrCreate-vs-clear', 'two-new-visitors'] as const;
export type Race = (typeof RACES)[number];

/** One race, request B starting `delayB - delayA` microtask turns after request A. */
export interface RaceRound {
  readonly race: Race;
  readonly delayA: number;
  readonly delayB: number;
}

export const raceRoundArb: fc.Arbitrary<RaceRound> = fc.record({
  race: fc.constantFrom(...RACES),
  delayA: fc.nat({ max: 12 }),
  delayB: fc.nat({ max: 12 }),
});

const EXPIRY = 5;
const COOKIE = 'sid';

/** What a request did, for the story. */
interface RequestResult {
  readonly text: string;
  readonly outcome: unknown;
}

/** One request of a race: how it reads, its code in the snippet, and what it does. */
interface Request {
  readonly text: string;
  readonly code: string;
  readonly body: () => Promise<unknown>;
}

const REVIVED = 'a cleared session never comes back (SPEC §4: set never revives)';
const NO_REQUEST_FAILS = 'with a working backend, no request fails: backend calls on valid input resolve (SPEC §4, §5)';
const NOT_MIXED = "nobody is handed another session's data (SPEC §5)";

/** One run of races over one backend: the manager over the recorded backend, the story, the keys named so far. */
class RaceRun {
  readonly recorder = new HistoryRecorder();
  readonly keys = new KeyNames();
  readonly sessions: SessionManager;
  readonly story = new Story('manager-races', [...setupCode(['backend'], ['SessionManager']), 'const sessions = new SessionManager(backend);']);

  constructor(
    backend: Backend,
    readonly s: fc.Scheduler,
  ) {
    this.sessions = new SessionManager(recordedBackend(backend, this.recorder, (promise, label) => s.schedule(promise, label)));
  }

  /**
   * A setup call, alone: its responses are released as soon as they are scheduled. A rejection
   * fails the run: with a working backend, no request fails.
   */
  async alone<T>(text: string, body: () => Promise<T>): Promise<T> {
    const [outcome] = await runScheduled(this.s, [{ delay: 0, body }]);
    if (outcome!.status === 'rejected') {
      const reason = outcome!.reason;
      this.fail(NO_REQUEST_FAILS, `${text} rejected: ${show(reason)}`, undefined, { id: rejectionCause(reason) });
    }
    return outcome!.value;
  }

  /** The backend calls so far (on `key` only, with clock moves, when given), for a report. */
  timeline(key?: string): string {
    const history = this.recorder.close();
    const shown = key === undefined ? history : history.filter((entry) => entry.operation.kind === 'advance' || entry.operation.key === key);
    return `backend calls${key === undefined ? '' : ` on ${this.keys.name(key)}`}; [ invoked, ] answered:\n${renderTimeline(shown, this.keys)}`;
  }

  fail(rule: string, detail: string, key?: string, options?: RootCauseOptions): never {
    return this.story.fail(rule, detail, this.timeline(key), options);
  }

  /** `ofKey(key)` as the story shows it: `ok "v1"`, `not_found`. */
  async lookup(key: string): Promise<string> {
    const found = await this.alone(`ofKey(${this.keys.name(key)})`, () => this.sessions.ofKey(key));
    return found.status === 'ok' ? `ok ${show(found.session.value)}` : found.status;
  }

  /** Reads `key` and fails with `rule` unless it reads `expected`. */
  async expectLookup(key: string, expected: string, rule: string, why: string, id?: string): Promise<void> {
    const actual = await this.lookup(key);
    this.story.add(`ofKey(${this.keys.name(key)}) -> ${actual}`, `console.log(await sessions.ofKey(${this.keys.name(key)})); // expected: ${expected}`);
    if (actual !== expected) this.fail(rule, `${why}: ofKey(${this.keys.name(key)}) expected ${expected}, got ${actual}`, key, { id });
  }
}

/** Each request loads its own copy of the session, as from its own Cookie header. */
async function loadCopy(run: RaceRun, k: string): Promise<Session> {
  const name = run.keys.name(k);
  const found = await run.alone(`ofKey(${name})`, () => run.sessions.ofKey(k));
  if (found.status !== 'ok') run.fail('a live session is found (SPEC §4 get)', `ofKey(${name}) right after generate: ${found.status}`, k);
  return found.session;
}

/** The two requests of `race` on the session `k` (`a` and `b`: each request's copy of it). */
function raceRequests(run: RaceRun, race: Race, k: string, a: Session | undefined, b: Session | undefined): [Request, Request] {
  const { sessions } = run;
  const name = run.keys.name(k);
  const request = (text: string, code: string, body: () => Promise<unknown>): Request => ({ text, code, body });
  switch (race) {
    case 'set-vs-clear':
      return [
        request(`A: set(${name}, value "x")`, `sessions.set(a, { value: "x", expiry: ${EXPIRY} })`, () => sessions.set(a!, { value: 'x', expiry: EXPIRY })),
        request(`B: clear(${name})`, 'sessions.clear(b)', () => sessions.clear(b!)),
      ];
    case 'touch-vs-set':
      return [
        request(`A: set(${name}) with no value (touch)`, `sessions.set(a, { expiry: ${EXPIRY} })`, () => sessions.set(a!, { expiry: EXPIRY })),
        request(`B: set(${name}, value "new")`, `sessions.set(b, { value: "new", expiry: ${EXPIRY} })`, () => sessions.set(b!, { value: 'new', expiry: EXPIRY })),
      ];
    case 'regenerate-vs-set':
      return [
        request(`A: regenerate(${name})`, `sessions.regenerate(a, { expiry: ${EXPIRY} })`, () => sessions.regenerate(a!, { expiry: EXPIRY })),
        request(`B: set(${name}, value "x")`, `sessions.set(b, { value: "x", expiry: ${EXPIRY} })`, () => sessions.set(b!, { value: 'x', expiry: EXPIRY })),
      ];
    case 'ofHeaderOrCreate-vs-clear':
      return [
        request(
          `A: ofHeaderOrCreate("${COOKIE}", "fresh", "${COOKIE}=${name}")`,
          `sessions.ofHeaderOrCreate("${COOKIE}", "fresh", \`${COOKIE}=\${${name}}\`, { expiry: ${EXPIRY} })`,
          () => sessions.ofHeaderOrCreate(COOKIE, 'fresh', `${COOKIE}=${k}`, { expiry: EXPIRY }),
        ),
        request(`B: clear(${name})`, 'sessions.clear(b)', () => sessions.clear(b!)),
      ];
    case 'two-new-visitors':
      return [
        request('A: new visitor, ofHeaderOrCreate then set value "alice"', newVisitorCode('alice'), newVisitor(sessions, 'alice')),
        request('B: new visitor, ofHeaderOrCreate then set value "bob"', newVisitorCode('bob'), newVisitor(sessions, 'bob')),
      ];
  }
}

/** A new visitor's request: no cookie, so a new session, then its value written. */
function newVisitor(sessions: SessionManager, who: string): () => Promise<Session> {
  return async () => {
    const session = await sessions.ofHeaderOrCreate(COOKIE, '', undefined, { expiry: EXPIRY });
    await sessions.set(session, { value: who, expiry: EXPIRY });
    return session;
  };
}

function newVisitorCode(who: string): string {
  return `sessions.ofHeaderOrCreate("${COOKIE}", "", undefined, { expiry: ${EXPIRY} }).then(async (s) => (await sessions.set(s, { value: "${who}", expiry: ${EXPIRY} }), s))`;
}

/** Runs the two requests, B `delayB - delayA` turns after A, and tells the story of how each ended. */
async function runRequests(run: RaceRun, round: number, { race, delayA, delayB }: RaceRound, k: string, requests: [Request, Request], loaded: boolean): Promise<RequestResult[]> {
  const name = run.keys.name(k);
  const [first, second] = requests;
  const outcomes = await runScheduled(run.s, [
    { delay: delayA, body: first.body },
    { delay: delayB, body: second.body },
  ]);
  const results: RequestResult[] = requests.map((req, index) => {
    const outcome = outcomes[index]!;
    return { text: req.text, outcome: outcome.status === 'fulfilled' ? outcome.value : outcome };
  });
  const describe = (outcome: unknown): string =>
    typeof outcome === 'object' && outcome !== null && 'key' in outcome
      ? show({ ...(outcome as Session), key: run.keys.name((outcome as Session).key) })
      : show(outcome);
  run.story.add(
    `race (${race}), B starting ${delayB - delayA} microtask turns after A, the scheduler ordering every backend response:\n     ${results.map((r) => `${r.text} -> ${describe(r.outcome)}`).join('\n     ')}`,
    ...(loaded ? [`const a = (await sessions.ofKey(${name})).session, b = (await sessions.ofKey(${name})).session;`] : []),
    `const race${round + 1} = await Promise.allSettled([${first.code}, ${second.code}]);`,
  );
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.status === 'rejected') {
      run.fail(NO_REQUEST_FAILS, `request ${index === 0 ? 'A' : 'B'} rejected: ${show(outcome.reason)}`, k, { id: rejectionCause(outcome.reason) });
    }
  }
  return results;
}

/** What must hold after `race` on the session `k` (which held `value`), whatever the interleaving. */
async function checkRace(run: RaceRun, race: Race, k: string, value: string, results: RequestResult[], bystander: Session): Promise<void> {
  const name = run.keys.name(k);
  switch (race) {
    case 'set-vs-clear':
      await run.expectLookup(k, 'not_found', REVIVED, 'after set and clear both finished, the session must be gone', 'revives-cleared');
      break;
    case 'touch-vs-set': {
      const setOutcome = results[1]!.outcome;
      if (setOutcome === 'ok') {
        await run.expectLookup(k, 'ok "new"', 'a touch never restores an older value (SPEC §4 touch)', 'B\'s set answered ok and nothing else wrote');
      }
      break;
    }
    case 'regenerate-vs-set': {
      const fresh = results[0]!.outcome as Session;
      run.keys.name(fresh.key);
      if (fresh.key === k || fresh.key === bystander.key) {
        run.fail('regenerate hands out a new key (SPEC §5)', `regenerate returned the key ${run.keys.name(fresh.key)}`, fresh.key, { id: 'key-reused' });
      }
      await run.expectLookup(k, 'not_found', REVIVED, 'regenerate cleared the old key', 'revives-cleared');
      await run.expectLookup(fresh.key, `ok ${show(value)}`, 'regenerate moves the value it was given to the new key (SPEC §5)', 'nobody else knows the new key');
      break;
    }
    case 'ofHeaderOrCreate-vs-clear': {
      const got = results[0]!.outcome as Session;
      run.keys.name(got.key);
      if (got.key === k) {
        if (got.value !== value) {
          run.fail('nobody is handed data the session did not hold (SPEC §5)', `A was handed ${name} holding ${show(got.value)}, expected ${show(value)}`, k);
        }
      } else if (got.key === bystander.key || got.value !== 'fresh') {
        run.fail(NOT_MIXED, `A was handed ${run.keys.name(got.key)} holding ${show(got.value)}: expected ${name} or a new session holding "fresh"`, got.key);
      }
      await run.expectLookup(k, 'not_found', REVIVED, 'B cleared it', 'revives-cleared');
      break;
    }
    case 'two-new-visitors': {
      const [alice, bob] = results.map((result) => result.outcome as Session) as [Session, Session];
      run.keys.name(alice.key);
      run.keys.name(bob.key);
      if (alice.key === bob.key) {
        run.fail('a key is never handed out twice: two new visitors never share a session (SPEC §2, §5)', `both visitors were handed ${run.keys.name(alice.key)}`, alice.key, { id: 'key-reused' });
      }
      await run.expectLookup(alice.key, 'ok "alice"', NOT_MIXED, 'only A wrote its session');
      await run.expectLookup(bob.key, 'ok "bob"', NOT_MIXED, 'only B wrote its session');
      break;
    }
  }
}

/** One round: a fresh session, two requests racing on it, then what must hold, the bystander included. */
async function runRound(run: RaceRun, round: number, raceRound: RaceRound, bystander: Session): Promise<void> {
  const { race } = raceRound;
  const value = `v${round + 1}`;
  const original = await run.alone(`generate(${show(value)}, ${EXPIRY}s)`, () => run.sessions.generate(value, { expiry: EXPIRY }));
  const k = original.key;
  const name = run.keys.name(k);
  run.story.add(`generate(${show(value)}, ${EXPIRY}s) = ${name}`, `const ${name} = (await sessions.generate(${JSON.stringify(value)}, { expiry: ${EXPIRY} })).key;`);
  const a = race === 'two-new-visitors' ? undefined : await loadCopy(run, k);
  const b = race === 'two-new-visitors' ? undefined : await loadCopy(run, k);
  const results = await runRequests(run, round, raceRound, k, raceRequests(run, race, k, a, b), a !== undefined);
  await checkRace(run, race, k, value, results, bystander);
  await run.expectLookup(bystander.key, 'ok "bystander"', 'nobody touches another session (SPEC §4)', 'no request used the bystander session');
}

/**
 * Runs `races` in turn over one backend, each between two fresh copies of one session (as two
 * HTTP requests would load it from the same cookie), with a bystander session that nobody may
 * touch; then the backend calls made must be linearizable.
 */
export async function runRaces(factory: BackendFactory, races: readonly RaceRound[], s: fc.Scheduler): Promise<void> {
  await withFreshBackend(factory, async ({ backend }) => {
    const run = new RaceRun(backend, s);
    const bystander = await run.alone(`generate("bystander", ${EXPIRY}s)`, () => run.sessions.generate('bystander', { expiry: EXPIRY }));
    run.story.add(`generate("bystander", ${EXPIRY}s) = ${run.keys.name(bystander.key)}`, `const bystander = await sessions.generate("bystander", { expiry: ${EXPIRY} });`);
    for (const [round, raceRound] of races.entries()) await runRound(run, round, raceRound, bystander);
    const history = run.recorder.close();
    const result = checkBackendHistory(history, START_INSTANT);
    if (!result.linearizable) {
      await reportHistoryFailure(result, { history, groups: [], keys: run.keys }, run.story, 'every operation is atomic per key (SPEC §4)', factory, 'manager-races');
    }
  });
}

export const managerRaces: ConformanceProperty = {
  name: 'manager-races',
  summary: 'two requests on one session interleaved (set/clear, touch/set, regenerate/set, ofHeaderOrCreate/clear, two new visitors)',
  rules: '§2 §4 §5',
  defaultRuns: 100,
  async prepare(factory) {
    return {
      property: fc.asyncProperty(fc.array(raceRoundArb, { minLength: 1, maxLength: 3 }), fc.scheduler(), async (races, s) => {
        await runRaces(factory, races, s);
      }),
    };
  },
};
