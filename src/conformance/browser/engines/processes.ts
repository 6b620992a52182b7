/**
 * Stopping the processes a driver started itself (Xvfb, WebKitWebDriver and the MiniBrowser it
 * spawns): each is started in its own process group, and the whole group is signalled by its id.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Sends `signal` to the process group led by `child` (started with `detached: true`); quiet if it is gone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Signals the group with `signal`, waits up to `ms` for the leader to exit, then SIGKILLs the group
 * and waits for that: a run that ends leaves none of its processes behind.
 */
export async function stopGroup(child: ChildProcess, signal: NodeJS.Signals, ms = 2_000): Promise<void> {
  const gone = () => child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
  if (gone()) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = (limit: number) => Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, limit).unref())]);
  killGroup(child, signal);
  await waitFor(ms);
  if (gone()) return;
  killGroup(child, 'SIGKILL');
  await waitFor(ms);
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for the driver to take). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits up to `ms` for every process whose environment names `dir` (the run's TMPDIR, which every
 * process a browser starts inherits) to exit, then SIGKILLs what is left. Firefox's crash helper
 * is not in its process group and outlives a clean close by a moment. Linux only (`/proc`);
 * elsewhere it returns at once.
 */
export async function reapProcessesUsing(dir: string, ms = 2_000): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    const left = processesUsing(dir);
    if (left.length === 0) return;
    if (performance.now() >= deadline) {
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function processesUsing(dir: string): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const needle = `TMPDIR=${dir}`;
  return pids.flatMap((pid) => {
    try {
      return Number(pid) !== process.pid && readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(needle) ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}
