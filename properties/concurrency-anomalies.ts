/**
 * Names for a history no one-at-a-time order explains, when it shows one of the anomalies that
 * have a rule of their own: a key handed out twice, a cleared session back, a live session missing
 * for a moment, an overwritten value back. Each is a witness that holds in every order consistent with real time (calls that ended
 * before another began stay before it), so naming it is as certain as "not linearizable" and says
 * more; the race properties name the same bug the same way (`manager-races`: `revives-cleared`,
 * `key-reused`, a touch restoring an older value), so a racy store shows one finding, not two
 * (issue 12: one finding per root cause). A history with none of them stays "not linearizable".
 */
import type { BackendHistoryEntry, BackendOperation } from './concurrency-history.js';
import { describeOperation, describeResponse, type KeyNames } from './concurrency-history.js';

/** A named anomaly: the rule it breaks, its root-cause id, what happened, and the calls that show it. */
export interface Anomaly {
  readonly rule: string;
  /** The root-cause id; `undefined`: the rule's slug, as the race property that names it leaves it. */
  readonly id: string | undefined;
  readonly detail: string;
  readonly calls: readonly number[];
}

/** The rules, worded as the properties that meet the same bug sequentially or in a race word them. */
export const ANOMALY_RULES = {
  keyReused: 'a key is never handed out twice by one backend (SPEC §2)',
  clearedKeyReused: 'a key is never equal to a key that was cleared (SPEC §2)',
  revived: 'a cleared session never comes back (SPEC §4: set never revives)',
  missing: 'a live session is never missing: once a lookup answers not_found, the session stays gone (SPEC §4: nothing revives one)',
  touchRestores: 'a touch never restores an older value (SPEC §4 touch)',
  staleValue: 'a lookup never answers a value that was overwritten before it began (SPEC §4: set replaces the value)',
} as const;

type Returned = BackendHistoryEntry & { outcome: { status: 'returned'; respondedAt: number; response: unknown } };

function returned(entry: BackendHistoryEntry): entry is Returned {
  return entry.outcome.status === 'returned';
}

/** When a call ended; a call that never answered (or rejected) may still be taking effect: never. */
function endOf(entry: BackendHistoryEntry): number {
  return returned(entry) ? entry.outcome.respondedAt : Number.POSITIVE_INFINITY;
}

/** `a` ended before `b` began: `a` comes before `b` in every order consistent with real time. */
function before(a: BackendHistoryEntry, b: BackendHistoryEntry): boolean {
  return endOf(a) < b.invokedAt;
}

/** The value a call leaves in the session when it took effect, or `undefined` for calls that write none. */
function written(entry: BackendHistoryEntry): { value: string | undefined } | undefined {
  const operation = entry.operation;
  if (operation.kind === 'generate') return { value: operation.value };
  if (operation.kind === 'set' && (!returned(entry) || entry.outcome.response === 'ok')) return { value: operation.value };
  return undefined;
}

/** A lookup's value as a write would leave it: `undefined` for `not_set`; not live: nothing. */
function readValue(response: unknown): { value: string | undefined } | undefined {
  const lookup = response as { status?: unknown; value?: unknown } | null;
  if (typeof lookup !== 'object' || lookup === null) return undefined;
  if (lookup.status === 'ok' && typeof lookup.value === 'string') return { value: lookup.value };
  if (lookup.status === 'not_set') return { value: undefined };
  return undefined;
}

/** Whether a call on a live session answered as if it were live. */
function answeredLive(entry: Returned): boolean {
  const { kind } = entry.operation;
  if (kind === 'get') return readValue(entry.outcome.response) !== undefined;
  return (kind === 'set' || kind === 'touch') && entry.outcome.response === 'ok';
}

/** Whether a call answered as if the session did not exist. */
function answeredMissing(entry: Returned): boolean {
  const { kind } = entry.operation;
  const response = entry.outcome.response as { status?: unknown } | string;
  if (kind === 'get') return typeof response === 'object' && response !== null && response.status === 'not_found';
  return (kind === 'set' || kind === 'touch') && response === 'not_found';
}

/** The first named anomaly among the calls on `key`, or `undefined`. */
export function namedAnomaly(history: readonly BackendHistoryEntry[], key: string, keys: KeyNames): Anomaly | undefined {
  const onKey = history.filter((entry) => entry.operation.kind !== 'advance' && entry.operation.key === key);
  const call = (entry: BackendHistoryEntry) => `#${entry.id} ${describeOperation(entry.operation, keys)}`;
  const answered = (entry: BackendHistoryEntry) => (returned(entry) ? describeResponse(entry.outcome.response) : 'nothing');
  const kinds = (kind: BackendOperation['kind']) => onKey.filter((entry) => entry.operation.kind === kind);

  const generates = kinds('generate').filter(returned);
  if (generates.length > 1) {
    const [first, second] = generates as [Returned, Returned];
    return { rule: ANOMALY_RULES.keyReused, id: 'key-reused', detail: `${call(first)} and ${call(second)} both handed out ${keys.name(key)}.`, calls: [first.id, second.id] };
  }
  const clears = kinds('clear').filter(returned);
  for (const clear of clears) {
    const again = generates.find((generate) => before(clear, generate));
    if (again !== undefined) {
      return { rule: ANOMALY_RULES.clearedKeyReused, id: 'key-reused', detail: `${call(again)} handed out ${keys.name(key)} after ${call(clear)} had cleared it.`, calls: [clear.id, again.id] };
    }
    const back = onKey.filter(returned).find((entry) => before(clear, entry) && answeredLive(entry));
    if (back !== undefined) {
      // Only an update that overlapped the clear can have written the session back (one begun after
      // it must answer not_found): when every such update is a touch, the touch wrote back what it
      // had read, a stale copy.
      const writers = onKey.filter((entry) => (entry.operation.kind === 'set' || entry.operation.kind === 'touch') && !before(entry, clear) && !before(clear, entry));
      const byTouch = writers.length > 0 && writers.every((entry) => entry.operation.kind === 'touch');
      return {
        rule: byTouch ? ANOMALY_RULES.touchRestores : ANOMALY_RULES.revived,
        id: byTouch ? undefined : 'revives-cleared',
        detail: `${call(back)} began after ${call(clear)} had answered, and answered ${answered(back)}: the session was back${byTouch ? `, written back by ${writers.map(call).join(', ')}` : ''}.`,
        calls: [clear.id, back.id, ...(byTouch ? writers.map((entry) => entry.id) : [])],
      };
    }
  }
  // Nothing brings a session back (SPEC §4), so a not_found for a key handed out before it is for good.
  const made = generates[0];
  if (made !== undefined) {
    for (const miss of onKey.filter(returned)) {
      if (miss.operation.kind === 'generate' || !before(made, miss) || !answeredMissing(miss)) continue;
      const back = onKey.filter(returned).find((entry) => before(miss, entry) && answeredLive(entry));
      if (back === undefined) continue;
      return {
        rule: ANOMALY_RULES.missing,
        id: 'live-session-missing',
        detail: `${call(miss)} answered ${answered(miss)}, yet ${call(back)}, which began after it, answered ${answered(back)}: the live session was missing for a moment.`,
        calls: [miss.id, back.id],
      };
    }
  }
  for (const lookup of kinds('get').filter(returned)) {
    const seen = readValue(lookup.outcome.response);
    if (seen === undefined) continue;
    const writes = onKey.filter((entry) => written(entry) !== undefined);
    // A write of another value that ended before the lookup began, after every write of the value seen had ended.
    const sources = writes.filter((entry) => written(entry)!.value === seen.value);
    const overwrite = writes.find(
      (entry) => written(entry)!.value !== seen.value && before(entry, lookup) && sources.length > 0 && sources.every((source) => before(source, entry)),
    );
    if (overwrite === undefined) continue;
    const touch = kinds('touch').find((entry) => entry.invokedAt < endOf(lookup) && endOf(entry) > sources[0]!.invokedAt);
    const detail = `${call(lookup)} answered ${answered(lookup)}, the value ${call(overwrite)} had replaced before it began${touch === undefined ? '' : `; ${call(touch)} ran in between`}.`;
    return {
      rule: touch === undefined ? ANOMALY_RULES.staleValue : ANOMALY_RULES.touchRestores,
      id: touch === undefined ? 'stale-value' : undefined,
      detail,
      calls: [...sources.map((source) => source.id), overwrite.id, lookup.id, ...(touch === undefined ? [] : [touch.id])],
    };
  }
  return undefined;
}
