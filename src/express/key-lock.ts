/**
 * An in-process lock per session id: calls on one id run one after the other, in call order.
 *
 * The Store API has no conditional write (`set` is an upsert), so `set`/`touch` on a live session
 * are a read, then a write, as express-session does at the end of a request; a `destroy` between
 * the two is undone (expressjs/session#632). Holding this lock across the read and the write closes
 * that window for the calls of **this process only**: another process (a second server on the same
 * Redis or table) is not held by it, and there the race remains.
 */

/** Per store object, the tail of the queue of calls for each id. */
const queues = new WeakMap<object, Map<string, Promise<void>>>();

/**
 * Runs `work` once every earlier call holding (`store`, `sid`) has finished, and releases the id
 * when `work` settles, whatever its outcome. Shared by every adapter over the same store object.
 */
export function withKeyLock<T>(store: object, sid: string, work: () => Promise<T>): Promise<T> {
  let held = queues.get(store);
  if (held === undefined) {
    held = new Map();
    queues.set(store, held);
  }
  const previous = held.get(sid) ?? Promise.resolve();
  const result = previous.then(work);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  held.set(sid, tail);
  // The map holds only ids with calls pending: the last one out removes its id.
  void tail.then(() => {
    if (held.get(sid) === tail) held.delete(sid);
  });
  return result;
}
