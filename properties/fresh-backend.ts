/**
 * Every run gets its own backend: a {@link ManualClock} it must use for expiry, a namespace no other
 * factory call had, and a `close()` afterwards.
 */
import type { Backend, BackendFactory } from '../src/backend.js';
import { ManualClock } from '../src/clock.js';

/**
 * Where the simulated clock starts: 2020-01-01T00:00:00Z. Far from the wall clock on purpose, so
 * that a backend reading `Date.now()` instead of its context's clock gives itself away.
 */
export const START_INSTANT = 1_577_836_800_000;

let namespaceCounter = 0;
const runId = Math.floor(Math.random() * 36 ** 6).toString(36).padStart(6, '0');

/**
 * What follows the unique part of a namespace, in turn: SPEC §4 lets a namespace be any non-empty
 * string, so a backend is given separators, wildcards, spaces and non-ASCII in it too.
 */
const NAMESPACE_ENDINGS = ['', ':app', '/a.b', ' *?[x]%_', ':é日本😀'];

/** A namespace never used before in this process (and very likely never in a shared store). */
export function freshNamespace(): string {
  namespaceCounter += 1;
  const ending = NAMESPACE_ENDINGS[namespaceCounter % NAMESPACE_ENDINGS.length];
  return `sess-conformance-${runId}-${Date.now().toString(36)}-${namespaceCounter}${ending}`;
}

/** A backend made by `factory`, with the clock and namespace it was given. */
export interface FreshBackend {
  readonly backend: Backend;
  readonly clock: ManualClock;
  readonly namespace: string;
}

/** Calls `factory` with a fresh clock at `start` and a fresh namespace. */
export async function openBackend(factory: BackendFactory, start = START_INSTANT): Promise<FreshBackend> {
  const clock = new ManualClock(start);
  const namespace = freshNamespace();
  const backend = await factory({ clock, namespace });
  if (typeof backend !== 'object' || backend === null || typeof backend.get !== 'function') {
    throw new TypeError(`the factory must return a Backend (an object with generate/get/set/touch/clear), got ${String(backend)}`);
  }
  return { backend, clock, namespace };
}

/**
 * Runs `body` over a fresh backend and closes it after, whatever happened. A failure of `close`
 * is reported only when the body succeeded (it must not hide the failure being reported).
 */
export async function withFreshBackend<T>(factory: BackendFactory, body: (fresh: FreshBackend) => Promise<T>): Promise<T> {
  const fresh = await openBackend(factory);
  let result: T;
  try {
    result = await body(fresh);
  } catch (error) {
    await fresh.backend.close?.().catch(() => undefined);
    throw error;
  }
  await fresh.backend.close?.();
  return result;
}

/** The snippet lines that create what {@link openBackend} creates: one clock, then each named backend. */
export function setupCode(backends: readonly string[] = ['backend'], imports: readonly string[] = []): string[] {
  return [
    `import { ${['ManualClock', ...imports].join(', ')} } from 'sess';`,
    '',
    `const clock = new ManualClock(${START_INSTANT});`,
    ...backends.map((name) => `const ${name} = await factory({ clock, namespace: \`sess-replay-${name}-\${Date.now()}\` });`),
  ];
}
