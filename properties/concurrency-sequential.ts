/**
 * Judging a history that no one-at-a-time order explains, sequentially first: a store that is wrong
 * one call at a time (an expiry 1 ms early, a revived key) is reported as that bug, named and
 * measured as the sequential properties name it, with a short story; "not linearizable" and the
 * timeline are kept for what only concurrency explains.
 *
 * Two ways, for two kinds of run:
 * - {@link replaySequentially} (the `linearizability` property, whose calls are plain backend
 *   calls): the same calls, one at a time in the order they were invoked, against a fresh backend
 *   and the backend model, as `backend-model` runs them; then the steps the failure does not need
 *   are dropped.
 * - {@link judgeForcedCall} (manager-level runs, where faults or a manager stand between): the
 *   recorded history itself, on the key that failed, as long as its calls came one at a time, so
 *   that the model's state before each call is known.
 */
import type { BackendFactory } from '../src/backend.js';
import * as model from '../models/backend-model.js';
import type { BackendModel, Judgement } from '../models/backend-model.js';
import {
  AdvanceCommand,
  ClearCommand,
  GenerateCommand,
  GetCommand,
  initialWorld,
  sameLookup,
  SetCommand,
  TouchCommand,
  type BackendUnderTest,
  type BackendWorld,
  type ModelStep,
} from './backend-commands.js';
import { describeOperation, describeResponse, type BackendHistoryEntry, type KeyNames } from './concurrency-history.js';
import { expiryEdge, lookupEvidence, updateEvidence, type ExpiryEdge } from './expiry-experiment.js';
import { setupCode, withFreshBackend } from './fresh-backend.js';
import { PropertyFailure, Trace } from './trace.js';

type Step = ModelStep<BackendWorld, BackendUnderTest>;

/** A replayable step and the key it acts on (`undefined` for a clock move). */
interface KeyedStep {
  readonly step: Step;
  readonly key: string | undefined;
}

/** At most this many extra replays go into dropping the steps a sequential failure does not need. */
const DROP_REPLAYS = 12;

/**
 * The calls of `history` (those that answered) as backend-model steps, in the order they were
 * invoked; a call names its key by the tag of the generate that made it, so dropping other steps
 * never re-aims it.
 */
export function historySteps(history: readonly BackendHistoryEntry[]): KeyedStep[] {
  const tags = new Map<string, number>();
  const tagged = (key: string) => ({ tagged: tags.get(key) ?? 0 });
  const steps: KeyedStep[] = [];
  for (const entry of [...history].sort((a, b) => a.invokedAt - b.invokedAt)) {
    if (entry.outcome.status !== 'returned') continue;
    const operation = entry.operation;
    switch (operation.kind) {
      case 'advance':
        steps.push({ step: new AdvanceCommand(operation.ms), key: undefined });
        break;
      case 'generate':
        tags.set(operation.key, tags.size);
        steps.push({ step: new GenerateCommand(operation.value, operation.expiry, tags.get(operation.key)), key: operation.key });
        break;
      case 'get':
        steps.push({ step: new GetCommand(tagged(operation.key)), key: operation.key });
        break;
      case 'set':
        steps.push({ step: new SetCommand(tagged(operation.key), operation.value, operation.expiry), key: operation.key });
        break;
      case 'touch':
        steps.push({ step: new TouchCommand(tagged(operation.key), operation.expiry), key: operation.key });
        break;
      case 'clear':
        steps.push({ step: new ClearCommand(tagged(operation.key)), key: operation.key });
        break;
    }
  }
  return steps;
}

/** A sequential run that failed: the failure and the index of the step it failed at. */
interface SequentialFailure {
  readonly failure: PropertyFailure;
  readonly at: number;
}

/** Runs `steps` one at a time against a fresh backend and the model; the failure, if one. */
async function runSteps(factory: BackendFactory, steps: readonly KeyedStep[], title: string): Promise<SequentialFailure | undefined> {
  return withFreshBackend(factory, async ({ backend, clock }) => {
    const world = initialWorld(backend, clock.now());
    const real: BackendUnderTest = { backend, clock, trace: new Trace(title, setupCode()), name: 'backend', factory };
    for (const [at, { step }] of steps.entries()) {
      if (!step.check(world)) continue;
      try {
        await step.run(world, real);
      } catch (error) {
        if (error instanceof PropertyFailure) return { failure: error, at };
        throw error;
      }
    }
    return undefined;
  });
}

/**
 * Replays the calls of `history` one at a time, in invocation order, against a fresh backend from
 * `factory`, compared with the backend model. Resolves the failure when the store is wrong even
 * so (a sequential bug), with the story cut down: steps after the failing one go, then calls on
 * other keys, then (within {@link DROP_REPLAYS} replays) any single step whose absence keeps the
 * same root cause. Resolves `undefined` when the sequential replay holds: only concurrency
 * explains the history.
 */
export async function replaySequentially(
  factory: BackendFactory,
  history: readonly BackendHistoryEntry[],
  title = 'linearizability',
): Promise<PropertyFailure | undefined> {
  const all = historySteps(history);
  const first = await runSteps(factory, all, title);
  if (first === undefined) return undefined;
  let best = first;
  let steps = all.slice(0, first.at + 1);
  const sameCause = async (candidate: KeyedStep[]): Promise<SequentialFailure | undefined> => {
    const outcome = await runSteps(factory, candidate, title);
    return outcome?.failure.rootCause.id === best.failure.rootCause.id ? outcome : undefined;
  };
  const failingKey = steps.at(-1)?.key;
  const onKey = steps.filter(({ key }) => key === undefined || key === failingKey);
  if (onKey.length < steps.length) {
    const kept = await sameCause(onKey);
    if (kept !== undefined) [best, steps] = [kept, onKey.slice(0, kept.at + 1)];
  }
  let replays = DROP_REPLAYS;
  for (let index = steps.length - 2; index >= 0 && replays > 0; index--) {
    replays -= 1;
    const candidate = [...steps.slice(0, index), ...steps.slice(index + 1)];
    const kept = await sameCause(candidate);
    if (kept !== undefined) [best, steps] = [kept, candidate.slice(0, kept.at + 1)];
  }
  return best.failure;
}

/** A call that answered wrong although the calls before it on its key came one at a time. */
export interface ForcedCall {
  readonly entry: BackendHistoryEntry;
  readonly judgement: Judgement;
  /** What the backend model answers after the calls before it. */
  readonly expected: string;
  /** Which edge of a lifetime the wrong answer may come from, for the expiry experiment. */
  readonly edge: ExpiryEdge | undefined;
}

/** The instant a call's answer came, or never. */
function end(entry: BackendHistoryEntry): number {
  return entry.outcome.status === 'returned' ? entry.outcome.respondedAt : Number.POSITIVE_INFINITY;
}

/**
 * Walks the calls on `key` (and the clock moves) in order while each came alone, none overlapping
 * another, so the model's state before each is known; the first that answered other than the
 * model is judged as the sequential properties judge it. `undefined` when the walk meets an
 * overlap or a call of unknown outcome first (then only the linearizability search can tell).
 */
export function judgeForcedCall(history: readonly BackendHistoryEntry[], key: string, startMs: number): ForcedCall | undefined {
  const calls = history
    .filter((entry) => entry.operation.kind === 'advance' || entry.operation.key === key)
    .sort((a, b) => a.invokedAt - b.invokedAt);
  let state: BackendModel = model.initialBackendModel(startMs, 0);
  for (const entry of calls) {
    const overlaps = calls.some((other) => other !== entry && other.invokedAt < end(entry) && entry.invokedAt < end(other));
    if (overlaps || entry.outcome.status !== 'returned') return undefined;
    const observed: unknown = entry.outcome.response;
    const operation = entry.operation;
    switch (operation.kind) {
      case 'advance':
        state = model.advance(state, operation.ms);
        break;
      case 'generate': {
        const problem = model.judgeKey(state, operation.key);
        if (problem !== undefined) return { entry, judgement: problem, expected: 'a fresh key', edge: undefined };
        state = model.generate(state, operation.key, operation).state;
        break;
      }
      case 'get': {
        const expected = model.get(state, operation.key).result;
        if (!sameLookup(expected, observed)) {
          const judgement = model.judgeGet(state, operation.key, expected, observed);
          return { entry, judgement, expected: describeResponse(expected), edge: expiryEdge(judgement, lookupEvidence(expected, observed)) };
        }
        break;
      }
      case 'set':
      case 'touch': {
        const transition =
          operation.kind === 'set'
            ? model.set(state, operation.key, operation.value, operation.expiry)
            : model.touch(state, operation.key, operation.expiry);
        if (observed !== transition.result) {
          const judgement = model.judgeUpdate(state, operation.kind, operation.key, transition.result, observed);
          return { entry, judgement, expected: transition.result, edge: expiryEdge(judgement, updateEvidence(transition.result, observed)) };
        }
        state = transition.state;
        break;
      }
      case 'clear':
        state = model.clear(state, operation.key).state;
        break;
    }
  }
  return undefined;
}

/** What a forced call's failure says: the call, its answer and the model's, one at a time. */
export function forcedCallDetail(forced: ForcedCall, keys: KeyNames): string {
  const { entry } = forced;
  const answered = entry.outcome.status === 'returned' ? describeResponse(entry.outcome.response) : 'nothing';
  const key = entry.operation.kind === 'advance' ? 'its key' : keys.name(entry.operation.key);
  return [
    `backend call #${entry.id} ${describeOperation(entry.operation, keys)} answered ${answered}.`,
    `The calls before it on ${key} came one at a time, so the backend model's answer is certain: ${forced.expected}.`,
  ].join('\n');
}
