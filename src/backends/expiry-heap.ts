/**
 * A binary min-heap of records ordered by `expiresAt`, each record knowing its own position so
 * that an update or a removal is O(log n) without a search. Hand-written: no maintained heap
 * package offers positional removal and re-keying with positions stored on the items themselves,
 * which is what keeps the memory backend at one object per session.
 */

export interface HeapItem {
  expiresAt: number;
  /** Position in the heap; -1 when not in it. Owned by the heap. */
  heapIndex: number;
}

export class ExpiryHeap<T extends HeapItem> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The record that expires first, if any. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapIndex);
  }

  /** Restores order after `item.expiresAt` changed. */
  update(item: T): void {
    this.#down(this.#up(item.heapIndex));
  }

  remove(item: T): void {
    const index = item.heapIndex;
    const last = this.#items.pop()!;
    item.heapIndex = -1;
    if (last !== item) {
      this.#items[index] = last;
      last.heapIndex = index;
      this.#down(this.#up(index));
    }
  }

  #up(index: number): number {
    const items = this.#items;
    const item = items[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (parent.expiresAt <= item.expiresAt) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
    return index;
  }

  #down(index: number): void {
    const items = this.#items;
    const length = items.length;
    const item = items[index]!;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && items[child + 1]!.expiresAt < items[child]!.expiresAt) child++;
      const smaller = items[child]!;
      if (smaller.expiresAt >= item.expiresAt) break;
      items[index] = smaller;
      smaller.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
