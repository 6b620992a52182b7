import { describe, expect, test } from 'vitest';
import {
  checkLinearizability,
  LinearizabilityUndecided,
  sameStructure,
  type HistoryEntry,
  type SequentialSpec,
} from './linearizability.js';

/** A register per key: `write` stores, `read` answers the value (0 at first), `tick` is shared. */
type RegisterOp = { kind: 'write'; key: string; value: number } | { kind: 'read'; key: string } | { kind: 'tick' };
const register: SequentialSpec<number, RegisterOp, number | 'done'> = {
  initial: 0,
  step: (state, op) =>
    op.kind === 'write' ? { state: op.value, response: 'done' } : op.kind === 'read' ? { state, response: state } : { state, response: 'done' },
};
const byKey = { partition: (op: RegisterOp) => (op.kind === 'tick' ? undefined : op.key) };

let nextId = 1;
/** A call invoked at `from` that answered `response` at `to` (`to: null`: unknown outcome). */
function call(op: RegisterOp, from: number, to: number | null, response: number | 'done' = 'done'): HistoryEntry<RegisterOp, number | 'done'> {
  return {
    id: nextId++,
    operation: op,
    invokedAt: from,
    outcome: to === null ? { status: 'unknown' } : { status: 'returned', response, respondedAt: to },
  };
}
const write = (value: number, key = 'x'): RegisterOp => ({ kind: 'write', key, value });
const read = (key = 'x'): RegisterOp => ({ kind: 'read', key });

describe('checkLinearizability', () => {
  test('an empty history is linearizable', () => {
    expect(checkLinearizability([], register).linearizable).toBe(true);
  });

  test('a sequential history that follows the specification is linearizable, in its own order', () => {
    const history = [call(write(1), 0, 1), call(read(), 2, 3, 1), call(write(2), 4, 5), call(read(), 6, 7, 2)];
    const result = checkLinearizability(history, register);
    expect(result.linearizable).toBe(true);
    if (result.linearizable) expect(result.witness.get('')).toEqual(history.map((entry) => entry.id));
  });

  test('overlapping writes may take effect in either order', () => {
    // write(1) [0..3] overlaps write(2) [1..2]; a later read of 1 means write(2) went first.
    const history = [call(write(1), 0, 3), call(write(2), 1, 2), call(read(), 4, 5, 1)];
    const result = checkLinearizability(history, register);
    expect(result.linearizable).toBe(true);
    if (result.linearizable) expect(result.witness.get('')).toEqual([history[1]!.id, history[0]!.id, history[2]!.id]);
  });

  test('real time is respected: a write that finished before another began cannot win', () => {
    const history = [call(write(2), 0, 1), call(write(1), 2, 3), call(read(), 4, 5, 2)];
    const result = checkLinearizability(history, register);
    expect(result.linearizable).toBe(false);
    if (!result.linearizable) {
      expect(result.longestPrefix).toEqual([history[0]!.id, history[1]!.id]);
      expect(result.stuckAt).toEqual([history[2]!.id]);
    }
  });

  test('a read of a value nobody wrote is not linearizable', () => {
    const history = [call(write(1), 0, 3), call(read(), 1, 2, 7)];
    expect(checkLinearizability(history, register).linearizable).toBe(false);
  });

  test('reads inside one write cannot see the new value and then the old one', () => {
    // Both reads overlap write(1), but the first answered 1 before the second began: the write
    // is already in effect, so the second read cannot answer 0.
    const history = [call(write(1), 0, 9), call(read(), 1, 2, 1), call(read(), 3, 4, 0)];
    expect(checkLinearizability(history, register).linearizable).toBe(false);
    const swapped = [call(write(1), 0, 9), call(read(), 1, 2, 0), call(read(), 3, 4, 1)];
    expect(checkLinearizability(swapped, register).linearizable).toBe(true);
  });

  describe('calls of unknown outcome (timed out, failed, never settled)', () => {
    test('may have taken effect', () => {
      expect(checkLinearizability([call(write(3), 0, null), call(read(), 1, 2, 3)], register).linearizable).toBe(true);
    });

    test('may not have taken effect', () => {
      expect(checkLinearizability([call(write(3), 0, null), call(read(), 1, 2, 0)], register).linearizable).toBe(true);
    });

    test('may take effect late, after later calls', () => {
      const history = [call(write(3), 0, null), call(read(), 1, 2, 0), call(write(4), 3, 4), call(read(), 5, 6, 3)];
      expect(checkLinearizability(history, register).linearizable).toBe(true);
    });

    test('once seen, cannot be undone', () => {
      const history = [call(write(3), 0, null), call(read(), 1, 2, 3), call(read(), 3, 4, 0)];
      expect(checkLinearizability(history, register).linearizable).toBe(false);
    });

    test('cannot take effect before their invocation', () => {
      const history = [call(read(), 0, 1, 3), call(write(3), 2, null)];
      expect(checkLinearizability(history, register).linearizable).toBe(false);
    });
  });

  describe('split per key', () => {
    test('each key is checked on its own and a failure names its key', () => {
      const history = [
        call(write(1, 'a'), 0, 1),
        call(write(2, 'b'), 2, 3),
        call(read('a'), 4, 5, 1),
        call(read('b'), 6, 7, 1), // b holds 2
      ];
      const result = checkLinearizability(history, register, byKey);
      expect(result.linearizable).toBe(false);
      if (!result.linearizable) expect(result.partition).toBe('b');
    });

    test('shared operations belong to every key', () => {
      const history = [call(write(1, 'a'), 0, 1), call({ kind: 'tick' }, 2, 3), call(write(2, 'b'), 4, 5)];
      const result = checkLinearizability(history, register, byKey);
      expect(result.linearizable).toBe(true);
      if (result.linearizable) {
        expect(result.witness.get('a')).toEqual([history[0]!.id, history[1]!.id]);
        expect(result.witness.get('b')).toEqual([history[1]!.id, history[2]!.id]);
      }
    });
  });

  test('memoisation keeps many overlapping calls cheap', () => {
    // 12 overlapping writes of one value, then a read: 12! orders, but only 2^12 configurations.
    const history = [...Array.from({ length: 12 }, (_, i) => call(write(5), i, 100 + i)), call(read(), 200, 201, 6)];
    const result = checkLinearizability(history, register);
    expect(result.linearizable).toBe(false);
    expect(result.explored).toBeLessThanOrEqual(2 ** 12 + 1);
  });

  test('gives up with LinearizabilityUndecided past its budget, naming the partition', () => {
    const history = [...Array.from({ length: 8 }, (_, i) => call(write(i), i, 100 + i)), call(read(), 200, 201, 99)];
    expect(() => checkLinearizability(history, register, { maxConfigurations: 10 })).toThrow(LinearizabilityUndecided);
    expect(() => checkLinearizability(history, register, { maxConfigurations: 10 })).toThrow(/partition "" after 11 configurations/);
  });

  test('rejects malformed histories with a RangeError naming the call', () => {
    const twice = call(write(1), 0, 1);
    expect(() => checkLinearizability([twice, { ...twice, invokedAt: 2 }], register)).toThrow(/call id \d+ appears twice/);
    expect(() => checkLinearizability([call(write(1), 5, 2)], register)).toThrow(/responds at 2, before its invocation at 5/);
    expect(() => checkLinearizability([call(write(1), 0, 1), call(write(2), 1, 3)], register)).toThrow(RangeError);
  });
});

describe('checkLinearizability: budget, errors and options', () => {
  const crowd = () => [...Array.from({ length: 6 }, (_, i) => call(write(i), i, 100 + i)), call(read(), 200, 201, 99)];

  test('LinearizabilityUndecided carries its name, the partition, the configurations explored and what to do', () => {
    const history = crowd();
    const error = (() => {
      try {
        checkLinearizability(history, register, { maxConfigurations: 3 });
      } catch (thrown) {
        return thrown as LinearizabilityUndecided;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(LinearizabilityUndecided);
    expect([error?.name, error?.partition, error?.explored]).toEqual(['LinearizabilityUndecided', '', 4]);
    expect(error?.message).toBe('linearizability search gave up on partition "" after 4 configurations: make the histories smaller');
    const keyed = history.map((entry) => ({ ...entry, id: entry.id + 1000 }));
    expect(() => checkLinearizability(keyed, register, { ...byKey, maxConfigurations: 3 })).toThrow('partition "x" after 4');
  });

  test('a budget of exactly the configurations needed is enough; one less is not', () => {
    const needed = checkLinearizability(crowd(), register).explored;
    expect(checkLinearizability(crowd(), register, { maxConfigurations: needed }).linearizable).toBe(false);
    expect(() => checkLinearizability(crowd(), register, { maxConfigurations: needed - 1 })).toThrow(LinearizabilityUndecided);
  });

  test('counts the configurations of every partition together', () => {
    const a = [call(write(1, 'a'), 0, 3), call(write(2, 'a'), 1, 2), call(read('a'), 4, 5, 1)];
    const b = [call(write(1, 'b'), 10, 13), call(write(2, 'b'), 11, 12), call(read('b'), 14, 15, 2)];
    const alone = checkLinearizability(a, register).explored + checkLinearizability(b, register).explored;
    expect(checkLinearizability([...a, ...b], register, byKey).explored).toBe(alone);
  });

  test('names the instant and the call in every malformed-history error', () => {
    const first = call(write(1), 0, 1);
    expect(() => checkLinearizability([{ ...first, invokedAt: Number.NaN }], register)).toThrow(`history: invocation of call ${first.id} must be a finite instant used once, got NaN`);
    const clash = call(write(2), 1, 3);
    expect(() => checkLinearizability([first, clash], register)).toThrow(`history: invocation of call ${clash.id} must be a finite instant used once, got 1`);
    const late = call(write(2), 2, 1);
    expect(() => checkLinearizability([first, late], register)).toThrow(`history: response of call ${late.id} must be a finite instant used once, got 1`);
    const early = call(write(2), 5, 4);
    expect(() => checkLinearizability([early], register)).toThrow(`history: call ${early.id} responds at 4, before its invocation at 5`);
  });

  test('a history of shared operations only is one partition, in the order of invocation', () => {
    const history = [call({ kind: 'tick' }, 4, 5), call({ kind: 'tick' }, 0, 1)];
    const result = checkLinearizability(history, register, byKey);
    expect(result.linearizable).toBe(true);
    if (result.linearizable) expect([...result.witness]).toEqual([['', [history[1]!.id, history[0]!.id]]]);
  });

  test('shared operations take their place in each partition by invocation', () => {
    const history = [call(write(1, 'a'), 4, 5), call({ kind: 'tick' }, 0, 1)];
    const result = checkLinearizability(history, register, byKey);
    if (result.linearizable) expect(result.witness.get('a')).toEqual([history[1]!.id, history[0]!.id]);
    expect(result.linearizable).toBe(true);
  });

  test('uses the specification\'s own response comparison and state key when it gives them', () => {
    const history = [call(write(1), 0, 1), call(read(), 2, 3, 7)];
    expect(checkLinearizability(history, { ...register, sameResponse: () => true }).linearizable).toBe(true);
    const keys: number[] = [];
    checkLinearizability(history, { ...register, sameResponse: () => true, stateKey: (state) => (keys.push(state), 'one') });
    expect(keys).toEqual([0, 1]);
  });
});

describe('checkLinearizability: what the reports hold exactly', () => {
  test('an empty history has no partitions to explain, with or without a partition function', () => {
    const whole = checkLinearizability([], register);
    const keyed = checkLinearizability([], register, byKey);
    expect(whole.linearizable && [...whole.witness]).toEqual([]);
    expect(keyed.linearizable && [...keyed.witness]).toEqual([]);
  });

  test('keyed calls with a shared one make one partition per key and no other', () => {
    const history = [call(write(1, 'a'), 0, 1), call({ kind: 'tick' }, 2, 3)];
    const result = checkLinearizability(history, register, byKey);
    expect(result.linearizable && [...result.witness.keys()]).toEqual(['a']);
  });

  test('a history whose first call cannot go first reports an empty prefix, stuck at that call', () => {
    const bad = call(read(), 0, 1, 7);
    expect(checkLinearizability([bad], register)).toMatchObject({ linearizable: false, longestPrefix: [], stuckAt: [bad.id] });
  });

  test('of two dead ends equally long, the one found last is reported', () => {
    const a = call(write(1), 0, 10);
    const b = call(write(2), 1, 11);
    const r = call(read(), 12, 13, 7);
    expect(checkLinearizability([a, b, r], register)).toMatchObject({ linearizable: false, longestPrefix: [b.id, a.id], stuckAt: [r.id] });
  });

  test('the memo tells apart which calls are placed, not only how many', () => {
    // Placing the long write(1) first leads nowhere; placing the short one first (then write(2),
    // then the long one) explains the read. The two configurations hold one call and one state.
    const long = call(write(1), 0, 100);
    const short = call(write(1), 1, 2);
    const two = call(write(2), 3, 4);
    const r = call(read(), 5, 6, 1);
    const result = checkLinearizability([long, short, two, r], register);
    expect(result.linearizable && result.witness.get('')).toEqual([short.id, two.id, long.id, r.id]);
  });
});

describe('sameStructure (how the checker compares responses by default)', () => {
  test('field order never matters; values, arrays and nesting do', () => {
    expect(sameStructure({ status: 'ok', value: 'v', period: 5 }, { period: 5, value: 'v', status: 'ok' })).toBe(true);
    expect(sameStructure({ status: 'ok', value: 'v', period: 5 }, { period: 4, value: 'v', status: 'ok' })).toBe(false);
    expect(sameStructure({ status: 'not_found' }, { status: 'not_found', value: undefined })).toBe(true);
    expect(sameStructure({ status: 'not_found' }, { status: 'not_found', value: null })).toBe(false);
    expect(sameStructure([['Vary', 'Cookie']], [['Vary', 'Cookie']])).toBe(true);
    expect(sameStructure(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(sameStructure({ a: { b: 1, c: 2 } }, { a: { c: 2, b: 1 } })).toBe(true);
    expect(sameStructure(Number.NaN, Number.NaN)).toBe(true);
    expect(sameStructure([1], { 0: 1 })).toBe(false);
    expect(sameStructure([1], { 0: 1, length: 1 })).toBe(false);
    expect(sameStructure({ 0: 1, length: 1 }, [1])).toBe(false);
    expect(sameStructure([1], [1, 2])).toBe(false);
    expect(sameStructure({}, 5)).toBe(false);
    expect(sameStructure(5, {})).toBe(false);
    expect(sameStructure(null, {})).toBe(false);
    expect(sameStructure({}, null)).toBe(false);
  });

  test('a history whose responses list their fields in another order is linearizable', () => {
    type Lookup = { status: string; value?: string };
    const store: SequentialSpec<string, RegisterOp, Lookup | 'done'> = {
      initial: '',
      step: (state, op) => (op.kind === 'read' ? { state, response: { status: 'ok', value: state } } : { state: op.kind === 'write' ? String(op.value) : state, response: 'done' }),
    };
    const history: HistoryEntry<RegisterOp, Lookup | 'done'>[] = [
      { id: 1, operation: write(7), invokedAt: 0, outcome: { status: 'returned', response: 'done', respondedAt: 1 } },
      { id: 2, operation: read(), invokedAt: 2, outcome: { status: 'returned', response: { value: '7', status: 'ok' }, respondedAt: 3 } },
    ];
    expect(checkLinearizability(history, store).linearizable).toBe(true);
  });
});
