/**
 * Cases 4 and 5: what MemoryBackend holds on the heap, measured in a child process started with
 * `--expose-gc` (bench/memory-child.ts) so that the rest of the benchmark run is not on the heap
 * being measured.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { BenchCase, CaseContext } from '../case.js';
import { target } from '../case.js';

/** Runs bench/memory-child.ts with `args` and returns the JSON line it prints. */
async function child<T>(context: CaseContext, args: readonly string[]): Promise<T> {
  const script = path.join(context.root, 'bench', 'memory-child.ts');
  const proc = spawn(process.execPath, ['--expose-gc', '--import', 'jiti/register', script, ...args], {
    cwd: context.root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', resolve);
  });
  if (code !== 0) throw new Error(`memory child ${args.join(' ')} exited with ${code}: ${stderr.trim()}`);
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`memory child ${args.join(' ')} printed no JSON: ${JSON.stringify(stdout.slice(-500))}`);
  }
}

interface Footprint {
  sessions: number;
  totalBytes: number;
  payloadBytes: number;
  bytesPerSession: number;
  payloadPerSession: number;
  overheadPerSession: number;
}

export const memoryFootprint: BenchCase = {
  id: 'memory-footprint',
  title: 'MemoryBackend with many live sessions: heap overhead per session',
  async run(context) {
    const sessions = context.quick ? 50_000 : 1_000_000;
    const found = await child<Footprint>(context, ['footprint', String(sessions)]);
    return {
      figures: [
        { name: 'live sessions', value: found.sessions, unit: '' },
        { name: 'heap per session, all in', value: found.bytesPerSession, unit: 'B' },
        { name: 'key + value as flat strings', value: found.payloadPerSession, unit: 'B' },
        { name: 'overhead per session', value: found.overheadPerSession, unit: 'B' },
      ],
      targets: [target('overhead <= 250 B/session', found.overheadPerSession, '<=', 250)],
      notes: [
        'heapUsed after two gc() around filling a MemoryBackend (40-char generated keys, 64-char values), minus the same keys and values as flat strings in an array (array slots subtracted).',
      ],
      detail: found,
    };
  },
};

interface Churn {
  created: number;
  live: number;
  neededBytes: number;
  samples: Array<{ created: number; clockSeconds: number; heapBytes: number; size: number }>;
  maxHeapBytes: number;
  maxOverNeeded: number;
  maxSize: number;
  growth: number;
  createdPerSecond: number;
}

export const memoryChurn: BenchCase = {
  id: 'memory-churn',
  title: 'MemoryBackend churn: short-lived sessions under a moving ManualClock',
  async run(context) {
    // One session per simulated millisecond, each living 60 s: 60,001 live at any time.
    const [total, period, advance, samples] = context.quick ? [200_000, 20, 1, 10] : [10_000_000, 60, 1, 20];
    const found = await child<Churn>(context, ['churn', String(total), String(period), String(advance), String(samples)]);
    const sampleLine = found.samples
      .map((s) => `${(s.created / 1e6).toFixed(1)}M:${(s.heapBytes / 2 ** 20).toFixed(1)}MiB/${s.size}`)
      .join(' ');
    return {
      figures: [
        { name: 'sessions created', value: found.created, unit: '' },
        { name: 'live at any time', value: found.live, unit: '' },
        { name: 'heap the live set needs (fresh backend)', value: found.neededBytes / 2 ** 20, unit: 'MiB' },
        { name: 'max heap under churn', value: found.maxHeapBytes / 2 ** 20, unit: 'MiB' },
        { name: 'max records held (size())', value: found.maxSize, unit: '' },
        { name: 'created per second', value: found.createdPerSecond, unit: '/s' },
      ],
      targets: [
        target('max heap under churn <= 1.5x what the live set needs', found.maxOverNeeded, '<=', 1.5),
        target('no growth with churn (last / first steady heap sample <= 1.1)', found.growth, '<=', 1.1),
      ],
      notes: [
        `clock advances ${advance} ms per session, period ${period} s; heap sampled after gc() every ${Math.floor(total / samples)} sessions (created:heap/size): ${sampleLine}`,
      ],
      detail: found,
    };
  },
};

interface Flood {
  requests: number;
  maxSessions: number | null;
  users: number;
  usersKept: number;
  samples: Array<{ requests: number; heapBytes: number; size: number }>;
  maxHeapBytes: number;
  maxSize: number;
  growthSecondHalf: number;
  requestsPerSecond: number;
}

export const memoryFlood: BenchCase = {
  id: 'memory-flood',
  title: 'MemoryBackend under a cookieless flood: heap with the default maxSessions, and without a bound',
  async run(context) {
    // Three times the default bound of requests, none sending a cookie, after 100 users logged in.
    const [requests, users, samples] = context.quick ? [30_000, 10, 6] : [300_000, 100, 6];
    const bound = context.quick ? 10_000 : 100_000;
    const bounded = await child<Flood>(context, ['flood', String(requests), String(bound), String(users), String(samples)]);
    const unbounded = await child<Flood>(context, ['flood', String(requests), 'Infinity', String(users), String(samples)]);
    const line = (found: Flood) =>
      found.samples.map((s) => `${(s.requests / 1000).toFixed(0)}k:${(s.heapBytes / 2 ** 20).toFixed(1)}MiB/${s.size}`).join(' ');
    return {
      figures: [
        { name: 'cookieless requests', value: requests, unit: '' },
        { name: 'maxSessions', value: bound, unit: '' },
        { name: 'max heap, bounded', value: bounded.maxHeapBytes / 2 ** 20, unit: 'MiB' },
        { name: 'max records held, bounded', value: bounded.maxSize, unit: '' },
        { name: 'logged-in users kept, bounded', value: bounded.usersKept, unit: `/${users}` },
        { name: 'requests per second, bounded', value: bounded.requestsPerSecond, unit: '/s' },
        { name: 'max heap, no bound (maxSessions: Infinity)', value: unbounded.maxHeapBytes / 2 ** 20, unit: 'MiB' },
        { name: 'requests per second, no bound', value: unbounded.requestsPerSecond, unit: '/s' },
      ],
      targets: [
        target('records held <= maxSessions', bounded.maxSize, '<=', bound),
        target('heap flat once full (last / half-way sample <= 1.05)', bounded.growthSecondHalf, '<=', 1.05),
        target('every logged-in user kept', bounded.usersKept, '>=', users),
      ],
      notes: [
        `the quick start's request (ofHeaderOrCreate without a cookie, then set) ${requests} times; heap after gc() (requests:heap/size): bounded ${line(bounded)}; no bound ${line(unbounded)}`,
      ],
      detail: { bounded, unbounded },
    };
  },
};
