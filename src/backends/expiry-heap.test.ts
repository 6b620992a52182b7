import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShallowSiftUpHeap } from '../../fixtures/broken-parts/shallow-sift-up-heap.js';
import { ExpiryHeap, type HeapItem } from './expiry-heap.js';

interface Item extends HeapItem {
  id: number;
}

/** What the property needs of a heap (the shipped one, or a broken copy that must be caught). */
interface Heap {
  readonly size: number;
  peek(): Item | undefined;
  push(item: Item): void;
  update(item: Item): void;
  remove(item: Item): void;
}

type Step = { op: 'push'; at: number } | { op: 'update'; pick: number; at: number } | { op: 'remove'; pick: number } | { op: 'pop' };

/** Pushes most, so that heaps grow deep; expiries from a small range (ties) or a large one. */
const atArb = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 1_000_000 }));
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('push' as const), at: atArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('update' as const), pick: fc.nat(), at: atArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pop' as const) }) },
);

/**
 * Random steps up to 600 long (`size: 'max'`: fast-check's default size would stop at about 10,
 * a heap of depth 3), and runs of pushes with falling expiries, each of which must climb from a
 * leaf to the root: every level of heaps of up to 9 levels is exercised.
 */
const stepsArb: fc.Arbitrary<Step[]> = fc.oneof(
  fc.array(stepArb, { maxLength: 600, size: 'max' }),
  fc
    .tuple(fc.integer({ min: 16, max: 400 }), fc.array(stepArb, { maxLength: 50 }))
    .map(([count, rest]) => [...Array.from({ length: count }, (_, i): Step => ({ op: 'push', at: 1_000_000 - i })), ...rest]),
);

/** The deepest heap any run built, to show the property reaches every level. */
let largest = 0;

/** Runs `steps` on `heap` beside a plain list: the heap must always yield the earliest expiry. */
function holdsHeapOrder(makeHeap: () => Heap, steps: Step[]): void {
  const heap = makeHeap();
  const present: Item[] = [];
  let nextId = 0;
  for (const s of steps) {
    if (s.op === 'push') {
      const item = { id: nextId++, expiresAt: s.at, heapIndex: -1 };
      heap.push(item);
      present.push(item);
    } else if (present.length > 0 && s.op === 'update') {
      const item = present[s.pick % present.length]!;
      item.expiresAt = s.at;
      heap.update(item);
    } else if (present.length > 0 && s.op === 'remove') {
      const [item] = present.splice(s.pick % present.length, 1);
      heap.remove(item!);
      if (item!.heapIndex !== -1) throw new Error(`a removed record keeps heapIndex ${item!.heapIndex}`);
    } else if (present.length > 0 && s.op === 'pop') {
      const top = heap.peek()!;
      present.splice(present.indexOf(top), 1);
      heap.remove(top);
    }
    largest = Math.max(largest, present.length);
    // Plain checks, not expect(): tens of thousands per run.
    if (heap.size !== present.length) throw new Error(`size ${heap.size}, holding ${present.length}`);
    let earliest = Infinity;
    for (const item of present) earliest = Math.min(earliest, item.expiresAt);
    const top = heap.peek()?.expiresAt;
    if (top !== (present.length === 0 ? undefined : earliest)) throw new Error(`peek() gives ${top}, the earliest is ${earliest} (${present.length} records)`);
  }
}

describe('ExpiryHeap', () => {
  it('always yields the earliest expiry, under pushes, re-keying and removals anywhere, at every depth', () => {
    largest = 0;
    fc.assert(
      fc.property(stepsArb, (steps) => holdsHeapOrder(() => new ExpiryHeap<Item>(), steps)),
      { numRuns: 200 },
    );
    // 256 records: 9 levels. Drawn, not assumed.
    expect(largest).toBeGreaterThanOrEqual(256);
  });

  it('catches a sift-up that stops after three levels (fixtures/broken-parts/shallow-sift-up-heap.ts)', () => {
    const result = fc.check(fc.property(stepsArb, (steps) => holdsHeapOrder(() => new ShallowSiftUpHeap<Item>(), steps)), { numRuns: 200, endOnFailure: true });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/peek\(\) gives/);
  });
});
