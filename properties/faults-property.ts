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
import { recordedBackend, reportHistoryFailure, Story } from './concurrency-run.js';
import { InjectedFault, withFaults, type Fault, type FaultyBackend, type InjectedCall } from './faults.js';
import { sameStructure } from '../models/linearizability.js';
import { setupCode, START_INSTANT, withFreshBackend } from './fresh-backend.js';
import type { ConformanceProperty } from './property.js';
import { rejectionCause, show, type RootCauseOptions } from './trace.js';

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

/** A manager call of a step: how it reads, its code in the snippet, and the call itself. */
interface StepCall {
  readonly text: string;
  readonly code: string;
  readonly call: () => Promise<unknown>;
}

/** How a step's call ended. */
type StepOutcome = { readonly resolved: true; readonly value: unknown } | { readonly resolved: false; readonly error: unknown };

const FAILURE_REJECTS = 'a backend failure rejects: it never turns into a success or a made-up not_found (SPEC §4, §5)';
const RECORD_UNCHANGED = 'the Session record is unchanged after a failed operation (SPEC §5: set and clear update it only on success)';
const UNFAULTED_RESOLVES = 'with no fault injected, the operation resolves: backend calls on valid input resolve (SPEC §4, §5)';
const NOT_MIXED_DATA = "nobody is ever handed another session's data (SPEC §5)";

/**
 * One run of the property over one backend: the faulty, recorded backend and the two managers
 * over it (patient, and quick for steps with a hang planned), the story, and what each user holds.
 */
class FaultRun {
  readonly recorder = new HistoryRecorder();
  readonly planned: Array<Fault | null> = [];
  readonly faulty: FaultyBackend;
  readonly patient: SessionManager;
  readonly quick: SessionManager;
  sessions: SessionManager;
  readonly story = new Story('faults', [
    ...setupCode(['backend'], ['SessionManager']),
    `const sessions = new SessionManager(backend, { timeoutMs: ${FAULT_TIMEOUT_MS} }); // the property uses ${PATIENT_TIMEOUT_MS} ms in steps with no hang`,
  ]);
  readonly keys = new KeyNames();
  /** The session each user holds now. */
  readonly held: Session[] = [];
  /** Every key each user was handed. */
  readonly keysOf: [Set<string>, Set<string>] = [new Set(), new Set()];
  /** Every value ever sent to each key. */
  readonly written = new Map<string, Set<string>>();

  constructor(backend: Backend, makeManager: ManagerMaker) {
    this.faulty = withFaults(backend, () => this.planned.shift() ?? undefined);
    const recorded = recordedBackend(this.faulty, this.recorder);
    this.patient = makeManager(recorded, { timeoutMs: PATIENT_TIMEOUT_MS });
    this.quick = makeManager(recorded, { timeoutMs: FAULT_TIMEOUT_MS });
    this.sessions = this.patient;
  }

  fail(rule: string, detail: string, options?: RootCauseOptions): never {
    return this.story.fail(rule, detail, undefined, options);
  }

  wrote(key: string, value: string): void {
    this.written.set(key, (this.written.get(key) ?? new Set()).add(value));
  }

  /** Each user's first session, made with no fault planned; a rejection fails the run. */
  async start(): Promise<void> {
    for (const [user, name] of USERS.entries()) {
      const value = `${name}-0`;
      const session = await this.sessions.generate(value, { expiry: EXPIRY }).catch((error: unknown) =>
        this.fail(UNFAULTED_RESOLVES, `${name}: generate(${show(value)}, ${EXPIRY}s) rejected ${show(error)} with no injected fault`, {
          id: rejectionCause(error),
        }),
      );
      this.held[user] = session;
      this.keysOf[user as User].add(session.key);
      this.wrote(session.key, value);
    }
    USERS.forEach((name, user) => {
      this.keys.name(this.held[user]!.key);
      this.story.add(`${name}: generate("${name}-0", ${EXPIRY}s) = ${this.keys.name(this.held[user]!.key)}`, `let ${name} = await sessions.generate(${JSON.stringify(`${name}-0`)}, { expiry: ${EXPIRY} });`);
    });
  }

  /** A session `user` was handed: never one of the other user's keys, never a value not written to its key. */
  checkOwn(user: User, session: Session, what: string, fresh: string | undefined): void {
    const other = this.keysOf[(1 - user) as User];
    if (other.has(session.key)) {
      this.fail('nobody is ever handed another session (SPEC §5)', `${what} handed ${USERS[user]} the session of ${USERS[1 - user]} (${this.keys.name(session.key)})`);
    }
    const values = this.written.get(session.key);
    if (values === undefined) {
      if (fresh === undefined || session.value !== fresh) {
        this.fail(NOT_MIXED_DATA, `${what} handed ${USERS[user]} an unknown key holding ${show(session.value)}`);
      }
    } else if (!values.has(session.value)) {
      this.fail(NOT_MIXED_DATA, `${what} returned ${show(session.value)} for ${this.keys.name(session.key)}, which only ever held ${[...values].map(show).join(', ')}`);
    }
  }

  /** Plans the step's faults and picks the manager: the quick one when a hang is planned. */
  plan(step: FaultStep): void {
    this.planned.length = 0;
    this.planned.push(...step.faults);
    this.sessions = step.faults.some((fault) => fault === 'hang' || fault === 'hang-after') ? this.quick : this.patient;
  }
}

/** The manager call a step makes, on the session `user` holds. */
function stepCall(run: FaultRun, step: Exclude<FaultStep, { op: 'advance' }>): StepCall {
  const name = USERS[step.user];
  const session = run.held[step.user]!;
  const label = run.keys.name(session.key);
  const sessions = run.sessions;
  switch (step.op) {
    case 'generate':
      return { text: `${name}: generate(${show(step.value)}, ${EXPIRY}s)`, code: `sessions.generate(${JSON.stringify(step.value)}, { expiry: ${EXPIRY} })`, call: () => sessions.generate(step.value, { expiry: EXPIRY }) };
    case 'ofKey':
      return { text: `${name}: ofKey(${label})`, code: `sessions.ofKey(${name}.key)`, call: () => sessions.ofKey(session.key) };
    case 'ofHeaderOrCreate':
      return {
        text: `${name}: ofHeaderOrCreate('sid', ${show(step.value)}, "sid=${label}")`,
        code: `sessions.ofHeaderOrCreate('sid', ${JSON.stringify(step.value)}, \`sid=\${${name}.key}\`, { expiry: ${EXPIRY} })`,
        call: () => sessions.ofHeaderOrCreate('sid', step.value, `sid=${session.key}`, { expiry: EXPIRY }),
      };
    case 'set':
      run.wrote(session.key, step.value); // a failed set may still have written it
      return { text: `${name}: set(${label}, value ${show(step.value)})`, code: `sessions.set(${name}, { value: ${JSON.stringify(step.value)}, expiry: ${EXPIRY} })`, call: () => sessions.set(session, { value: step.value, expiry: EXPIRY }) };
    case 'touch':
      return { text: `${name}: set(${label}) with no value (touch)`, code: `sessions.set(${name}, { expiry: ${EXPIRY} })`, call: () => sessions.set(session, { expiry: EXPIRY }) };
    case 'clear':
      return { text: `${name}: clear(${label})`, code: `sessions.clear(${name})`, call: () => sessions.clear(session) };
    case 'regenerate':
      return {
        text: `${name}: regenerate(${label}, value ${show(step.value)})`,
        code: `sessions.regenerate(${name}, { value: ${JSON.stringify(step.value)}, expiry: ${EXPIRY} })`,
        call: () => sessions.regenerate(session, { value: step.value, expiry: EXPIRY }),
      };
  }
}

/** Adds the step to the story: the call, the faults it met, and how it ended. */
function tellStep(run: FaultRun, step: Exclude<FaultStep, { op: 'advance' }>, made: StepCall, hit: readonly InjectedCall[], outcome: StepOutcome): void {
  const faultText = hit.map((injected) => `backend.${injected.operation} ${FAULT_WORDS[injected.fault]}`).join('; ');
  const shown = outcome.resolved ? `-> ${show(describeResult(outcome.value, run.keys))}` : `-> rejected ${show(outcome.error)}`;
  run.story.add(
    `${made.text}${hit.length === 0 ? '' : ` [fault: ${faultText}]`} ${shown}`,
    hit.length === 0 ? `${outcomeCode(step.op, USERS[step.user], made.code)}` : `// next: ${faultText} (wrap the backend with withFaults to replay)\nawait ${made.code}.catch((error) => console.log(error));`,
  );
}

/** A step a fault hit: it must reject, with the injected error or a TimeoutError, and leave the record as it was. */
function judgeFaulted(run: FaultRun, text: string, hit: readonly InjectedCall[], outcome: StepOutcome, session: Session, before: Session): void {
  const first = hit[0]!;
  const later = hit[1];
  if (later !== undefined) {
    run.fail(FAILURE_REJECTS, `backend.${first.operation} ${FAULT_WORDS[first.fault]}, yet ${text} carried on as if it had answered, and called backend.${later.operation}`);
  }
  if (outcome.resolved) {
    run.fail(FAILURE_REJECTS, `backend.${first.operation} ${FAULT_WORDS[first.fault]}, yet ${text} resolved ${show(describeResult(outcome.value, run.keys))}`);
  }
  const expected = first.fault === 'fail' || first.fault === 'fail-after' ? 'the InjectedFault itself' : `a TimeoutError for ${first.operation}`;
  const error = outcome.error;
  // In a step run with the quick timeout, a store slower than FAULT_TIMEOUT_MS (a loaded
  // machine, a real database) may time out before the injected failure surfaces: that is a
  // TimeoutError of unknown outcome, still a rejection, and the record checks below apply.
  const slow = run.sessions === run.quick && error instanceof TimeoutError && error.timeoutMs === FAULT_TIMEOUT_MS;
  const right =
    slow ||
    (first.fault === 'fail' || first.fault === 'fail-after'
      ? error instanceof InjectedFault && error.callNumber === first.number
      : error instanceof TimeoutError && error.operation === first.operation && error.timeoutMs === FAULT_TIMEOUT_MS);
  if (!right) {
    run.fail('backend rejections pass through unchanged; a call over timeoutMs rejects with a TimeoutError (SPEC §5)', `${text}: expected ${expected}, got ${show(error)}`);
  }
  if (!sameStructure({ ...session }, before)) {
    run.fail(RECORD_UNCHANGED, `${text} failed, and the record went from ${show(before)} to ${show({ ...session })}`);
  }
}

/** A step no fault hit that rejected: only a store slower than the quick timeout may, and the record stays. */
function judgeUnfaultedRejection(run: FaultRun, text: string, error: unknown, session: Session, before: Session): void {
  // A store slower than FAULT_TIMEOUT_MS in a step with a hang planned: a TimeoutError of
  // unknown outcome, which is right; the record must still be as it was.
  const slow = run.sessions === run.quick && error instanceof TimeoutError;
  if (!slow) run.fail(UNFAULTED_RESOLVES, `${text} rejected ${show(error)} with no injected fault`, { id: rejectionCause(error) });
  if (!sameStructure({ ...session }, before)) {
    run.fail(RECORD_UNCHANGED, `${text} timed out, and the record went from ${show(before)} to ${show({ ...session })}`);
  }
}

/** A step that resolved: a session handed out must be the user's own, and becomes what the user holds. */
function adoptResult(run: FaultRun, step: Exclude<FaultStep, { op: 'advance' }>, text: string, value: unknown): void {
  const user = step.user;
  switch (step.op) {
    case 'generate':
    case 'regenerate':
    case 'ofHeaderOrCreate': {
      const fresh = value as Session;
      run.checkOwn(user, fresh, text, step.value);
      run.wrote(fresh.key, fresh.value);
      run.keysOf[user].add(fresh.key);
      run.keys.name(fresh.key);
      run.held[user] = fresh;
      break;
    }
    case 'ofKey': {
      const found = value as Awaited<ReturnType<SessionManager['ofKey']>>;
      if (found.status === 'ok') {
        run.checkOwn(user, found.session, text, undefined);
        run.held[user] = found.session;
      }
      break;
    }
    default:
      break;
  }
}

/** One step: the clock moves, or a user's manager call runs with its faults and is judged. */
async function runStep(run: FaultRun, clock: { advance(ms: number): void }, step: FaultStep): Promise<void> {
  if (step.op === 'advance') {
    clock.advance(step.ms);
    run.recorder.step({ kind: 'advance', ms: step.ms });
    run.story.add(`clock +${step.ms}ms`, `clock.advance(${step.ms});`);
    return;
  }
  const session = run.held[step.user]!;
  const before = { ...session };
  run.plan(step);
  const injectedBefore = run.faulty.injected.length;
  const made = stepCall(run, step);
  const outcome: StepOutcome = await made.call().then(
    (value) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  const hit = run.faulty.injected.slice(injectedBefore);
  tellStep(run, step, made, hit, outcome);
  if (hit.length > 0) judgeFaulted(run, made.text, hit, outcome, session, before);
  else if (!outcome.resolved) judgeUnfaultedRejection(run, made.text, outcome.error, session, before);
  else adoptResult(run, step, made.text, outcome.value);
}

/** One run: two users' sessions, then `steps` one at a time, checked after each and at the end. */
export async function runFaultSteps(factory: BackendFactory, steps: readonly FaultStep[], makeManager: ManagerMaker): Promise<void> {
  await withFreshBackend(factory, async ({ backend, clock }) => {
    const run = new FaultRun(backend, makeManager);
    await run.start();
    for (const step of steps) await runStep(run, clock, step);
    const history = run.recorder.close();
    const result = checkBackendHistory(history, START_INSTANT);
    if (!result.linearizable) {
      await reportHistoryFailure(
        result,
        { history, groups: [], keys: run.keys },
        run.story,
        'every operation is atomic per key, faulted calls counting as may-or-may-not-have-happened (SPEC §4)',
        factory,
        'faults',
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

