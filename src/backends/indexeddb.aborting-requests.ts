/**
 * A quota or I/O error on demand, for the IndexedDB tests (Node over fake-indexeddb, and the
 * engine checks in real browsers): while `run` runs, every `method` request on any object store
 * aborts its transaction right after it is issued.
 */
export async function withAbortingRequests<T>(method: 'add' | 'put' | 'get', run: () => Promise<T>): Promise<T> {
  const prototype = IDBObjectStore.prototype as unknown as Record<string, (...args: unknown[]) => IDBRequest>;
  const original = prototype[method]!;
  prototype[method] = function (this: IDBObjectStore, ...args: unknown[]) {
    const request = original.apply(this, args);
    this.transaction.abort();
    return request;
  };
  try {
    return await run();
  } finally {
    prototype[method] = original;
  }
}
