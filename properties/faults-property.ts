/**
 * `faults` (SPEC §4 last rule, §5 "backend rejections pass through unchanged"): the manager over
 * a backend whose chosen calls fail or never settle ({@link withFaults}), with a per-call
 * `timeoutMs`. A failed call rejects (never a fake success, never a made-up `not_found`), a hung
 * one becomes a `TimeoutError`, the `Session` record is unchanged after a failed operation, no
 * user is ever handed another user's session, and the backend calls stay linearizable when the
 * outcome of the faulted ones is unknown.
 */
import fc from 'fast-check';
import type { Backend, BackendFactory } from '../src/backend.js';
import { SessionManager, TimeoutError, type Session, type SessionManagerOptions } from '../src/manager.js';
import { checkBackendHistory, HistoryRecorder, KeyNames } from './concurrency-history.js';
import { recordedBackend, reportNonLinearizable, Story } from './concurrency-run.js';
import { InjectedFault, withFaults, type Fault } from './faults.js';
import { setupCode, START_INSTANT, withFreshBackend } from './fresh-backend.js';
import type { ConformanceProperty } from './property.js';
import { show } from './trace.js';

/**
 * The manager's limit per backend call in steps where a call is made to hang: short, since hung
 * calls wait it out in real time. Other steps use {@link PATIENT_TIMEOUT_MS}, so that a real store
 * that is merely slow is not mistaken for a hung one.
 */
export const FAULT_TIMEOUT_MS = 25;
/** The manager's limit per backend call in steps with no hang planned. */
export const PATIENT_TIMEOUT_MS = 10_000;

/** The two users of a run, each with their own session. */
const USERS = ['alice', 'bob'] as const;
type User = 0 | 1;

/** A manager operation by one user, with the faults of its first and second backend calls. */
export type FaultStep = (
  | { readonly op: 'generate'; readonly user: User; readonly value: string }
  | { readonly op: 'ofKey'; readonly user: User }
  | { readonly op: 'ofHeaderOrCreate'; readonly user: User; readonly value: string }
  | { readonly op: 'set'; readonly user: User; readonly value: string }
  | { readonly op: 'touch'; readonly user: User }
  | { readonly op: 'clear'; readonly user: User }
  | { readonly op: 'regenerate'; readonly user: User; readonly value: string }
  | { readonly op: 'advance'; readonly ms: number }
) & { readonly faults: readonly [Fault | null, Fault | null] };

const userArb = fc.constantFrom<User>(0, 1);
const valueArb = fc.constantFrom('a', 'b', 'c', '');
// Hangs cost FAULT_TIMEOUT_MS of real time each: rarer than failures.
const faultArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.constantFrom<Fault>('fail', 'fail-after') },
  { weight: 1, arbitrary: fc.constantFrom<Fault>('hang', 'hang-after') },
);
const faultsArb = fc.tuple(faultArb, faultArb);

export const faultStepArb: fc.Arbitrary<FaultStep> = fc.oneof(
  fc.record({ op: fc.constant('generate' as const), user: userArb, value: valueArb, faults: faultsArb }),
  fc.record({ op: fc.constant('ofKey' as const), user: userArb, faults: faultsArb }),
  fc.record({ op: fc.constant('ofHeaderOrCreate' as const), user: userArb, value: valueArb, faults: faultsArb }),
  fc.record({ op: fc.constant('set' as const), user: userArb, value: valueArb, faults: faultsArb }),
  fc.record({ op: fc.constant('touch' as const), user: userArb, faults: faultsArb }),
  fc.record({ op: fc.constant('clear' as const), user: userArb, faults: faultsArb }),
  fc.record({ op: fc.constant('regenerate' as const), user: userArb, value: valueArb, faults: faultsArb }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(999, 1000, 1001, 3000), faults: fc.constant([null, null] as const) }),
);

/** Makes the manager under test; a test may pass a broken one to see the property fail. */
export type ManagerMaker = (backend: Backend, options: SessionManagerOptions) => SessionManager;

const FAULT_WORDS: Record<Fault, string> = {
  fail: 'fails before reaching the store',
  'fail-after': 'fails after the store did the work',
  hang: 'never settles, the store untouched',
  'hang-after': 'never settles, the store did the work',
};

const EXPIRY = 5;

/** One run: two users' sessions, then `steps` one at a time, checked after each and at the end. */
export async function runFaultSteps(factory: BackendFactory, steps: readonly FaultStep[], makeManager: ManagerMaker): Promise<void> {
  await withFreshBackend(factory, async ({ backend, clock }) => {
    const recorder = new HistoryRecorder();
    const planned: Array<Fault | null> = [];
    const faulty = withFaults(backend, () => planned.shift() ?? undefined);
    const recorded = recordedBackend(faulty, recorder);
    const patient = makeManager(recorded, { timeoutMs: PATIENT_TIMEOUT_MS });
    const quick = makeManager(recorded, { timeoutMs: FAULT_TIMEOUT_MS });
    let sessions = patient;
    const story = new Story('faults', [
      ...setupCode(['backend'], ['SessionManager']),
      `const sessions = new SessionManager(backend, { timeoutMs: ${FAULT_TIMEOUT_MS} }); // the property uses ${PATIENT_TIMEOUT_MS} ms in steps with no hang`,
    ]);
    const keys = new KeyNames();
    const held: [Session, Session] = [
      await sessions.generate('alice-0', { expiry: EXPIRY }),
      await sessions.generate('bob-0', { expiry: EXPIRY }),
    ];
    /** Every key each user was handed, and every value ever sent to each key. */
    const keysOf: [Set<string>, Set<string>] = [new Set([held[0].key]), new Set([held[1].key])];
    const written = new Map<string, Set<string>>([
      [held[0].key, new Set(['alice-0'])],
      [held[1].key, new Set(['bob-0'])],
    ]);
    const wrote = (key: string, value: string) => written.set(key, (written.get(key) ?? new Set()).add(value));
    USERS.forEach((name, user) => {
      keys.name(held[user as User].key);
      story.add(`${name}: generate("${name}-0", ${EXPIRY}s) = ${keys.name(held[user as User].key)}`, `let ${name} = await sessions.generate(${JSON.stringify(`${name}-0`)}, { expiry: ${EXPIRY} });`);
    });

    const fail: (rule: string, detail: string) => never = (rule, detail) => story.fail(rule, detail);
    /** A session `user` was handed: never one of the other user's keys, never a value not written to its key. */
    const checkOwn = (user: User, session: Session, what: string, fresh: string | undefined): void => {
      const other = keysOf[(1 - user) as User];
      if (other.has(session.key)) {
        fail('nobody is ever handed another session (SPEC §5)', `${what} handed ${USERS[user]} the session of ${USERS[1 - user]} (${keys.name(session.key)})`);
      }
      const values = written.get(session.key);
      if (values === undefined) {
        if (fresh === undefined || session.value !== fresh) {
          fail('nobody is ever handed another session\'s data (SPEC §5)', `${what} handed ${USERS[user]} an unknown key holding ${show(session.value)}`);
        }
      } else if (!values.has(session.value)) {
        fail(
          'nobody is ever handed another session\'s data (SPEC §5)',
          `${what} returned ${show(session.value)} for ${keys.name(session.key)}, which only ever held ${[...values].map(show).join(', ')}`,
        );
      }
    };

    for (const step of steps) {
      if (step.op === 'advance') {
        clock.advance(step.ms);
        recorder.step({ kind: 'advance', ms: step.ms });
        story.add(`clock +${step.ms}ms`, `clock.advance(${step.ms});`);
        continue;
      }
      const user = step.user;
      const name = USERS[user];
      const session = held[user];
      const before = { ...session };
      planned.length = 0;
      planned.push(...step.faults);
      const injectedBefore = faulty.injected.length;
      sessions = step.faults.some((fault) => fault === 'hang' || fault === 'hang-after') ? quick : patient;
      const cookie = `sid=${session.key}`;
      let text: string;
      let code: string;
      let call: () => Promise<unknown>;
      switch (step.op) {
        case 'generate':
          text = `${name}: generate(${show(step.value)}, ${EXPIRY}s)`;
          code = `sessions.generate(${JSON.stringify(step.value)}, { expiry: ${EXPIRY} })`;
          call = () => sessions.generate(step.value, { expiry: EXPIRY });
          break;
        case 'ofKey':
          text = `${name}: ofKey(${keys.name(session.key)})`;
          code = `sessions.ofKey(${name}.key)`;
          call = () => sessions.ofKey(session.key);
          break;
        case 'ofHeaderOrCreate':
          text = `${name}: ofHeaderOrCreate('sid', ${show(step.value)}, "sid=${keys.name(session.key)}")`;
          code = `sessions.ofHeaderOrCreate('sid', ${JSON.stringify(step.value)}, \`sid=\${${name}.key}\`, { expiry: ${EXPIRY} })`;
          call = () => sessions.ofHeaderOrCreate('sid', step.value, cookie, { expiry: EXPIRY });
          break;
        case 'set':
          wrote(session.key, step.value); // a failed set may still have written it
          text = `${name}: set(${keys.name(session.key)}, value ${show(step.value)})`;
          code = `sessions.set(${name}, { value: ${JSON.stringify(step.value)}, expiry: ${EXPIRY} })`;
          call = () => sessions.set(session, { value: step.value, expiry: EXPIRY });
          break;
        case 'touch':
          text = `${name}: set(${keys.name(session.key)}) with no value (touch)`;
          code = `sessions.set(${name}, { expiry: ${EXPIRY} })`;
          call = () => sessions.set(session, { expiry: EXPIRY });
          break;
        case 'clear':
          text = `${name}: clear(${keys.name(session.key)})`;
          code = `sessions.clear(${name})`;
          call = () => sessions.clear(session);
          break;
        case 'regenerate':
          text = `${name}: regenerate(${keys.name(session.key)}, value ${show(step.value)})`;
          code = `sessions.regenerate(${name}, { value: ${JSON.stringify(step.value)}, expiry: ${EXPIRY} })`;
          call = () => sessions.regenerate(session, { value: step.value, expiry: EXPIRY });
          break;
      }
      const outcome = await call().then(
        (value) => ({ resolved: true as const, value }),
        (error: unknown) => ({ resolved: false as const, error }),
      );
      const hit = faulty.injected.slice(injectedBefore);
      const faultText = hit.map((injected) => `backend.${injected.operation} ${FAULT_WORDS[injected.fault]}`).join('; ');
      const shown = outcome.resolved ? `-> ${show(describeResult(outcome.value, keys))}` : `-> rejected ${show(outcome.error)}`;
      story.add(
        `${text}${hit.length === 0 ? '' : ` [fault: ${faultText}]`} ${shown}`,
        hit.length === 0 ? `${outcomeCode(step.op, name, code)}` : `// next: ${faultText} (wrap the backend with withFaults to replay)\nawait ${code}.catch((error) => console.log(error));`,
      );

      if (hit.length > 0) {
        const first = hit[0]!;
        const later = hit[1];
        if (later !== undefined) {
          fail(
            'a backend failure rejects: it never turns into a success or a made-up not_found (SPEC §4, §5)',
            `backend.${first.operation} ${FAULT_WORDS[first.fault]}, yet ${text} carried on as if it had answered, and called backend.${later.operation}`,
          );
        }
        if (outcome.resolved) {
          fail(
            'a backend failure rejects: it never turns into a success or a made-up not_found (SPEC §4, §5)',
            `backend.${first.operation} ${FAULT_WORDS[first.fault]}, yet ${text} resolved ${show(describeResult(outcome.value, keys))}`,
          );
        }
        const expected = first.fault === 'fail' || first.fault === 'fail-after' ? 'the InjectedFault itself' : `a TimeoutError for ${first.operation}`;
        const error = outcome.error;
        // In a step run with the quick timeout, a store slower than FAULT_TIMEOUT_MS (a loaded
        // machine, a real database) may time out before the injected failure surfaces: that is a
        // TimeoutError of unknown outcome, still a rejection, and the record checks below apply.
        const slow = sessions === quick && error instanceof TimeoutError && error.timeoutMs === FAULT_TIMEOUT_MS;
        const right =
          slow ||
          (first.fault === 'fail' || first.fault === 'fail-after'
            ? error instanceof InjectedFault && error.callNumber === first.number
            : error instanceof TimeoutError && error.operation === first.operation && error.timeoutMs === FAULT_TIMEOUT_MS);
        if (!right) {
          fail(
            'backend rejections pass through unchanged; a call over timeoutMs rejects with a TimeoutError (SPEC §5)',
            `${text}: expected ${expected}, got ${show(error)}`,
          );
        }
        if (JSON.stringify({ ...session }) !== JSON.stringify(before)) {
          fail(
            'the Session record is unchanged after a failed operation (SPEC §5: set and clear update it only on success)',
            `${text} failed, and the record went from ${show(before)} to ${show({ ...session })}`,
          );
        }
        continue;
      }
      if (!outcome.resolved) {
        // A store slower than FAULT_TIMEOUT_MS in a step with a hang planned: a TimeoutError of
        // unknown outcome, which is right; the record must still be as it was.
        const slow = sessions === quick && outcome.error instanceof TimeoutError;
        if (!slow) fail('with no fault injected, the operation resolves', `${text} rejected ${show(outcome.error)} with no injected fault`);
        if (JSON.stringify({ ...session }) !== JSON.stringify(before)) {
          fail(
            'the Session record is unchanged after a failed operation (SPEC §5: set and clear update it only on success)',
            `${text} timed out, and the record went from ${show(before)} to ${show({ ...session })}`,
          );
        }
        continue;
      }
      const value = outcome.value;
      switch (step.op) {
        case 'generate':
        case 'regenerate': {
          const fresh = value as Session;
          const expectedValue = step.value;
          checkOwn(user, fresh, text, expectedValue);
          wrote(fresh.key, fresh.value);
          keysOf[user].add(fresh.key);
          keys.name(fresh.key);
          held[user] = fresh;
          break;
        }
        case 'ofKey': {
          const found = value as Awaited<ReturnType<SessionManager['ofKey']>>;
          if (found.status === 'ok') {
            checkOwn(user, found.session, text, undefined);
            held[user] = found.session;
          }
          break;
        }
        case 'ofHeaderOrCreate': {
          const found = value as Session;
          checkOwn(user, found, text, step.value);
          wrote(found.key, found.value);
          keysOf[user].add(found.key);
          keys.name(found.key);
          held[user] = found;
          break;
        }
        default:
          break;
      }
    }

    const history = recorder.close();
    const result = checkBackendHistory(history, START_INSTANT);
    if (!result.linearizable) {
      reportNonLinearizable(
        result,
        { history, groups: [], keys },
        story.told('every operation is atomic per key, faulted calls counting as may-or-may-not-have-happened (SPEC §4)'),
      );
    }
  });
}

function describeResult(value: unknown, keys: KeyNames): unknown {
  if (typeof value === 'object' && value !== null && 'key' in value) {
    const session = value as Session;
    return { ...session, key: keys.name(session.key) };
  }
  if (typeof value === 'object' && value !== null && 'session' in value) {
    const found = value as { status: 'ok'; session: Session };
    return { status: found.status, session: describeResult(found.session, keys) };
  }
  return value;
}

function outcomeCode(op: FaultStep['op'], name: string, code: string): string {
  if (op === 'generate' || op === 'regenerate' || op === 'ofHeaderOrCreate') return `${name} = await ${code};`;
  return `console.log(await ${code});`;
}

/** The `faults` property over the manager that `makeManager` builds (the real one by default). */
export function faultsProperty(makeManager: ManagerMaker = (backend, options) => new SessionManager(backend, options)): ConformanceProperty {
  return {
    name: 'faults',
    summary: 'backend calls that fail or never settle: the manager rejects (TimeoutError for a hang), keeps the Session as it was, never mixes sessions',
    rules: '§4 §5',
    defaultRuns: 100,
    async prepare(factory) {
      return {
        property: fc.asyncProperty(fc.array(faultStepArb, { minLength: 1, maxLength: 8 }), async (steps) => {
          await runFaultSteps(factory, steps, makeManager);
        }),
      };
    },
  };
}

export const faults: ConformanceProperty = faultsProperty();

