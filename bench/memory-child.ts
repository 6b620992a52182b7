/**
 * The memory measurements, run in a child process of their own (`node --expose-gc`), so that
 * nothing else in the benchmark run sits on the heap being measured. Started by
 * `bench/cases/memory.ts`; prints one JSON line on stdout.
 *
 *     node --expose-gc --import jiti/register bench/memory-child.ts footprint <sessions>
 *     node --expose-gc --import jiti/register bench/memory-child.ts churn <total> <periodSeconds> <advanceMs> <samples>
 *     node --expose-gc --import jiti/register bench/memory-child.ts flood <requests> <maxSessions|Infinity> <users> <samples>
 */
import { ManualClock } from '../src/clock.js';
import { MemoryBackend } from '../src/backends/memory.js';
import { SessionManager } from '../src/manager.js';
import { generateSessionKey } from '../src/keys.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('memory-child: run with node --expose-gc\n');
  process.exit(2);
}

/** Heap in use after full collections (twice: weak references and finalizers need a second pass). */
function settledHeap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** A realistic small session value (64 characters), distinct per session, as one flat string. */
function valueFor(i: number): string {
  return flat(JSON.stringify({ user: i, role: 'member', csrf: (i * 2654435761).toString(36).padStart(16, '0') }).padEnd(64, ' '));
}

/**
 * A flat copy of an ASCII string (one sequential string, as it would arrive from a socket):
 * concatenation and padding build ropes, and a rope would overstate what the characters need.
 */
function flat(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

/**
 * What `n` keys and `n` values take as plain flat strings: an array holding 2n distinct strings,
 * less the same array holding one string 2n times.
 */
function payloadBytes(n: number): number {
  const base = settledHeap();
  let strings: string[] | undefined = new Array<string>(2 * n);
  for (let i = 0; i < n; i++) {
    strings[2 * i] = flat(generateSessionKey());
    strings[2 * i + 1] = valueFor(i);
  }
  const withStrings = settledHeap() - base;
  // Read after measuring: otherwise V8 may see the array as dead and collect it early.
  if (strings.length !== 2 * n) throw new Error('unreachable');
  strings = undefined;
  const again = settledHeap();
  let slots: string[] | undefined = new Array<string>(2 * n).fill('x');
  const arrayOnly = settledHeap() - again;
  if (slots.length !== 2 * n) throw new Error('unreachable');
  slots = undefined;
  void strings;
  void slots;
  return withStrings - arrayOnly;
}

async function fill(backend: MemoryBackend, n: number, offset = 0): Promise<void> {
  for (let i = 0; i < n; i++) await backend.generate({ value: valueFor(offset + i) });
}

async function footprint(n: number) {
  const payload = payloadBytes(n);
  const base = settledHeap();
  const backend = new MemoryBackend({ clock: new ManualClock(0), maxSessions: n });
  await fill(backend, n);
  const total = settledHeap() - base;
  if ((await backend.size()) !== n) throw new Error(`backend holds ${await backend.size()} sessions, expected ${n}`);
  return {
    sessions: n,
    totalBytes: total,
    payloadBytes: payload,
    bytesPerSession: total / n,
    payloadPerSession: payload / n,
    overheadPerSession: (total - payload) / n,
  };
}

async function churn(total: number, periodSeconds: number, advanceMs: number, sampleCount: number) {
  // Sessions created one every `advanceMs` and living `periodSeconds` (SPEC §1: live while
  // now <= expiresAt): about this many are live at any time once the first ones die.
  const live = Math.floor((periodSeconds * 1000) / advanceMs) + 1;

  // What the live sessions need: a fresh backend holding exactly that many.
  let reference: MemoryBackend | undefined = new MemoryBackend({ clock: new ManualClock(0), defaultPeriod: periodSeconds });
  const before = settledHeap();
  await fill(reference, live);
  const needed = settledHeap() - before;
  reference = undefined;
  void reference;

  const base = settledHeap();
  const clock = new ManualClock(0);
  const backend = new MemoryBackend({ clock, defaultPeriod: periodSeconds });
  const every = Math.max(1, Math.floor(total / sampleCount));
  const samples: Array<{ created: number; clockSeconds: number; heapBytes: number; size: number }> = [];
  const started = performance.now();
  for (let i = 1; i <= total; i++) {
    await backend.generate({ value: valueFor(i) });
    clock.advance(advanceMs);
    if (i % every === 0) {
      samples.push({ created: i, clockSeconds: clock.now() / 1000, heapBytes: settledHeap() - base, size: await backend.size() });
    }
  }
  const elapsedMs = performance.now() - started;
  // Only once the live set is full (the first sessions have died) is the heap expected to be flat.
  const steady = samples.filter((s) => s.created > 2 * live);
  const heaps = steady.map((s) => s.heapBytes);
  return {
    created: total,
    live,
    neededBytes: needed,
    samples,
    maxHeapBytes: Math.max(...heaps),
    maxOverNeeded: Math.max(...heaps) / needed,
    maxSize: Math.max(...steady.map((s) => s.size)),
    // Last steady sample against the first: 1 means no growth with churn.
    growth: heaps.length >= 2 ? heaps[heaps.length - 1]! / heaps[0]! : NaN,
    createdPerSecond: (total / elapsedMs) * 1000,
  };
}

/**
 * A cookieless flood through the quick start's request (ofHeaderOrCreate, then set), after
 * `users` visitors have come back with their cookie and logged in: the heap after gc() every
 * `requests / samples` requests, and whether every logged-in user still has a session.
 */
async function flood(requests: number, maxSessions: number, users: number, sampleCount: number) {
  const base = settledHeap();
  const clock = new ManualClock(0);
  const sessions = new SessionManager(new MemoryBackend({ clock, defaultPeriod: 3600, maxSessions }));
  const loggedIn: string[] = [];
  for (let i = 0; i < users; i++) {
    const first = await sessions.ofHeaderOrCreate('sid', '0', undefined);
    const back = await sessions.ofHeaderOrCreate('sid', '0', `sid=${first.key}`);
    const login = await sessions.regenerate(back, { value: valueFor(i) });
    await sessions.ofHeaderOrCreate('sid', '0', `sid=${login.key}`);
    loggedIn.push(login.key);
  }
  const every = Math.max(1, Math.floor(requests / sampleCount));
  const samples: Array<{ requests: number; heapBytes: number; size: number }> = [];
  const started = performance.now();
  for (let i = 1; i <= requests; i++) {
    const session = await sessions.ofHeaderOrCreate('sid', '0', undefined);
    await sessions.set(session, { value: '1' });
    if (i % 100 === 0) clock.advance(1); // 100,000 requests per simulated second: nothing expires
    if (i % every === 0) samples.push({ requests: i, heapBytes: settledHeap() - base, size: (await sessions.backend.size?.()) ?? -1 });
  }
  const elapsedMs = performance.now() - started;
  let usersKept = 0;
  for (const key of loggedIn) if ((await sessions.ofKey(key)).status === 'ok') usersKept++;
  const heaps = samples.map((s) => s.heapBytes);
  const second = samples.filter((s) => s.requests > requests / 2).map((s) => s.heapBytes);
  return {
    requests,
    maxSessions,
    users,
    usersKept,
    samples,
    maxHeapBytes: Math.max(...heaps),
    maxSize: Math.max(...samples.map((s) => s.size)),
    // Heap at the end against the heap half-way: 1 means the flood stopped growing it.
    growthSecondHalf: second.length >= 2 ? second[second.length - 1]! / second[0]! : NaN,
    requestsPerSecond: (requests / elapsedMs) * 1000,
  };
}

const [mode, ...rest] = process.argv.slice(2);
const numbers = rest.map(Number);
// Infinity only as the flood's maxSessions (no bound).
if (numbers.some((n, i) => !(Number.isFinite(n) || (mode === 'flood' && i === 1 && n === Infinity)) || n <= 0)) {
  process.stderr.write(`memory-child: bad arguments ${JSON.stringify(rest)}\n`);
  process.exit(2);
}
let result: unknown;
if (mode === 'footprint' && numbers.length === 1) result = await footprint(numbers[0]!);
else if (mode === 'churn' && numbers.length === 4) result = await churn(numbers[0]!, numbers[1]!, numbers[2]!, numbers[3]!);
else if (mode === 'flood' && numbers.length === 4) result = await flood(numbers[0]!, numbers[1]!, numbers[2]!, numbers[3]!);
else {
  process.stderr.write(`memory-child: usage: footprint <n> | churn <total> <periodSeconds> <advanceMs> <samples> | flood <requests> <maxSessions|Infinity> <users> <samples>, got ${JSON.stringify(process.argv.slice(2))}\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
