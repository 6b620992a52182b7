/**
 * `manager-races` (SPEC §4, §5): two "requests" on one session, interleaved by fast-check's
 * scheduler at every backend call: set vs clear, touch vs set, regenerate vs set,
 * ofHeaderOrCreate vs clear, and two new visitors at once. Whatever the interleaving, a cleared
 * session never comes back, a touch never restores an older value, nobody is handed another
 * session's data, and the backend calls made are linearizable.
 */
import fc from 'fast-check';
import type { BackendFactory } from '../src/backend.js';
import { SessionManager, type Session } from '../src/manager.js';
import { checkBackendHistory, HistoryRecorder, KeyNames, renderTimeline } from './concurrency-history.js';
import { recordedBackend, reportNonLinearizable, runScheduled, Story } from './concurrency-run.js';
import { setupCode, START_INSTANT, withFreshBackend } from './fresh-backend.js';
import type { ConformanceProperty } from './property.js';
import { show } from './trace.js';

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

/**
 * Runs `races` in turn over one backend, each between two fresh copies of one session (as two
 * HTTP requests would load it from the same cookie), with a bystander session that nobody may
 * touch.
 */
export async function runRaces(factory: BackendFactory, races: readonly RaceRound[], s: fc.Scheduler): Promise<void> {
  await withFreshBackend(factory, async ({ backend }) => {
    const recorder = new HistoryRecorder();
    const keys = new KeyNames();
    const sessions = new SessionManager(recordedBackend(backend, recorder, (promise, label) => s.schedule(promise, label)));
    // Setup calls go one at a time: their responses are released as soon as they are scheduled.
    const alone = async <T>(body: () => Promise<T>): Promise<T> => {
      const [outcome] = await runScheduled(s, [{ delay: 0, body }]);
      if (outcome!.status === 'rejected') throw outcome!.reason;
      return outcome!.value;
    };
    const story = new Story('manager-races', [...setupCode(['backend'], ['SessionManager']), 'const sessions = new SessionManager(backend);']);
    const bystander = await alone(() => sessions.generate('bystander', { expiry: EXPIRY }));
    story.add(`generate("bystander", ${EXPIRY}s) = ${keys.name(bystander.key)}`, `const bystander = await sessions.generate("bystander", { expiry: ${EXPIRY} });`);

    const timeline = (key?: string): string => {
      const history = recorder.close();
      const shown = key === undefined ? history : history.filter((entry) => entry.operation.kind === 'advance' || entry.operation.key === key);
      return `backend calls${key === undefined ? '' : ` on ${keys.name(key)}`}; [ invoked, ] answered:\n${renderTimeline(shown, keys)}`;
    };
    const fail: (rule: string, detail: string, key?: string) => never = (rule, detail, key) => story.fail(rule, detail, timeline(key));
    const lookup = async (key: string): Promise<string> => {
      const found = await alone(() => sessions.ofKey(key));
      return found.status === 'ok' ? `ok ${show(found.session.value)}` : found.status;
    };
    const expectLookup = async (key: string, expected: string, rule: string, why: string): Promise<void> => {
      const actual = await lookup(key);
      story.add(`ofKey(${keys.name(key)}) -> ${actual}`, `console.log(await sessions.ofKey(${keys.name(key)})); // expected: ${expected}`);
      if (actual !== expected) fail(rule, `${why}: ofKey(${keys.name(key)}) expected ${expected}, got ${actual}`, key);
    };

    for (const [round, { race, delayA, delayB }] of races.entries()) {
      const value = `v${round + 1}`;
      const original = await alone(() => sessions.generate(value, { expiry: EXPIRY }));
      const k = original.key;
      const name = keys.name(k);
      story.add(`generate(${show(value)}, ${EXPIRY}s) = ${name}`, `const ${name} = (await sessions.generate(${JSON.stringify(value)}, { expiry: ${EXPIRY} })).key;`);
      // Each request loads its own copy of the session, as from its own Cookie header.
      const load = async (): Promise<Session> => {
        const found = await alone(() => sessions.ofKey(k));
        if (found.status !== 'ok') fail('a live session is found (SPEC §4 get)', `ofKey(${name}) right after generate: ${found.status}`, k);
        return found.session;
      };
      const a = race === 'two-new-visitors' ? undefined : await load();
      const b = race === 'two-new-visitors' ? undefined : await load();

      const request = (text: string, code: string, body: () => Promise<unknown>) => ({ text, code, body });
      const [first, second] = ((): [ReturnType<typeof request>, ReturnType<typeof request>] => {
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
          case 'two-new-visitors': {
            const visit = (who: string) => async () => {
              const session = await sessions.ofHeaderOrCreate(COOKIE, '', undefined, { expiry: EXPIRY });
              await sessions.set(session, { value: who, expiry: EXPIRY });
              return session;
            };
            const code = (who: string) =>
              `sessions.ofHeaderOrCreate("${COOKIE}", "", undefined, { expiry: ${EXPIRY} }).then(async (s) => (await sessions.set(s, { value: "${who}", expiry: ${EXPIRY} }), s))`;
            return [
              request('A: new visitor, ofHeaderOrCreate then set value "alice"', code('alice'), visit('alice')),
              request('B: new visitor, ofHeaderOrCreate then set value "bob"', code('bob'), visit('bob')),
            ];
          }
        }
      })();
      const outcomes = await runScheduled(s, [
        { delay: delayA, body: first.body },
        { delay: delayB, body: second.body },
      ]);
      const results: RequestResult[] = [first, second].map((req, index) => {
        const outcome = outcomes[index]!;
        return { text: req.text, outcome: outcome.status === 'fulfilled' ? outcome.value : outcome };
      });
      const describe = (outcome: unknown): string =>
        typeof outcome === 'object' && outcome !== null && 'key' in outcome
          ? show({ ...(outcome as Session), key: keys.name((outcome as Session).key) })
          : show(outcome);
      story.add(
        `race (${race}), B starting ${delayB - delayA} microtask turns after A, the scheduler ordering every backend response:\n     ${results.map((r) => `${r.text} -> ${describe(r.outcome)}`).join('\n     ')}`,
        ...(a === undefined ? [] : [`const a = (await sessions.ofKey(${name})).session, b = (await sessions.ofKey(${name})).session;`]),
        `const race${round + 1} = await Promise.allSettled([${first.code}, ${second.code}]);`,
      );
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.status === 'rejected') {
          fail('with a working backend, no request fails', `request ${index === 0 ? 'A' : 'B'} rejected: ${show(outcome.reason)}`, k);
        }
      }
      const revived = 'a cleared session never comes back (SPEC §4: set never revives)';
      switch (race) {
        case 'set-vs-clear':
          await expectLookup(k, 'not_found', revived, 'after set and clear both finished, the session must be gone');
          break;
        case 'touch-vs-set': {
          const setOutcome = results[1]!.outcome;
          if (setOutcome === 'ok') {
            await expectLookup(k, 'ok "new"', 'a touch never restores an older value (SPEC §4 touch)', 'B\'s set answered ok and nothing else wrote');
          }
          break;
        }
        case 'regenerate-vs-set': {
          const fresh = results[0]!.outcome as Session;
          keys.name(fresh.key);
          if (fresh.key === k || fresh.key === bystander.key) {
            fail('regenerate hands out a new key (SPEC §5)', `regenerate returned the key ${keys.name(fresh.key)}`, fresh.key);
          }
          await expectLookup(k, 'not_found', revived, 'regenerate cleared the old key');
          await expectLookup(fresh.key, `ok ${show(value)}`, 'regenerate moves the value it was given to the new key (SPEC §5)', 'nobody else knows the new key');
          break;
        }
        case 'ofHeaderOrCreate-vs-clear': {
          const got = results[0]!.outcome as Session;
          keys.name(got.key);
          if (got.key === k) {
            if (got.value !== value) {
              fail('nobody is handed data the session did not hold (SPEC §5)', `A was handed ${name} holding ${show(got.value)}, expected ${show(value)}`, k);
            }
          } else if (got.key === bystander.key || got.value !== 'fresh') {
            fail(
              'nobody is handed another session\'s data (SPEC §5)',
              `A was handed ${keys.name(got.key)} holding ${show(got.value)}: expected ${name} or a new session holding "fresh"`,
              got.key,
            );
          }
          await expectLookup(k, 'not_found', revived, 'B cleared it');
          break;
        }
        case 'two-new-visitors': {
          const [alice, bob] = results.map((result) => result.outcome as Session) as [Session, Session];
          keys.name(alice.key);
          keys.name(bob.key);
          if (alice.key === bob.key) {
            fail('a key is never handed out twice: two new visitors never share a session (SPEC §2, §5)', `both visitors were handed ${keys.name(alice.key)}`, alice.key);
          }
          await expectLookup(alice.key, 'ok "alice"', 'nobody is handed another session\'s data (SPEC §5)', 'only A wrote its session');
          await expectLookup(bob.key, 'ok "bob"', 'nobody is handed another session\'s data (SPEC §5)', 'only B wrote its session');
          break;
        }
      }
      await expectLookup(bystander.key, 'ok "bystander"', 'nobody touches another session (SPEC §4)', 'no request used the bystander session');
    }

    const history = recorder.close();
    const result = checkBackendHistory(history, START_INSTANT);
    if (!result.linearizable) {
      reportNonLinearizable(result, { history, groups: [], keys }, story.told('every operation is atomic per key (SPEC §4)'));
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
