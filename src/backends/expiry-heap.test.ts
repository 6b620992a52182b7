import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiryHeap, type HeapItem } from './expiry-heap.js';

interface Item extends HeapItem {
  id: number;
}

type Step = { op: 'push'; at: number } | { op: 'update'; pick: number; at: number } | { op: 'remove'; pick: number } | { op: 'pop' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('push' as const), at: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant('update' as const), pick: fc.nat(), at: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('pop' as const) }),
);

describe('ExpiryHeap', () => {
  it('always yields the earliest expiry, under pushes, re-keying and removals anywhere', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const heap = new ExpiryHeap<Item>();
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
            expect(item!.heapIndex).toBe(-1);
          } else if (present.length > 0 && s.op === 'pop') {
            const top = heap.peek()!;
            present.splice(present.indexOf(top), 1);
            heap.remove(top);
          }
          expect(heap.size).toBe(present.length);
          const earliest = Math.min(...present.map((i) => i.expiresAt));
          expect(heap.peek()?.expiresAt).toBe(present.length === 0 ? undefined : earliest);
        }
      }),
      { numRuns: 300 },
    );
  });
});
