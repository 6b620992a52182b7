/**
 * A browser run's own temp folder, and what must be undone when the run ends: the browser's
 * profile and the automation library's files land in the folder (through `TMPDIR`), and the
 * folder, the browser and the server go when the run ends, on SIGINT/SIGTERM, and, for runs that
 * were killed outright (SIGKILL), with the next run's sweep.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Temp folders of runs are named so, and swept once their process is gone. */
const TEMP_PREFIX = 'sess-conformance-';
const OWNER_FILE = 'owner.pid';

/** The run's temp folder and its clean-ups, undone in reverse order by {@link Workspace.dispose}. */
export class Workspace {
  readonly dir: string;
  readonly #cleanups: Array<() => Promise<unknown> | unknown> = [];
  readonly #exitKills: Array<() => void> = [];
  readonly #previousTmpdir: string | undefined;
  readonly #onSignal = (signal: NodeJS.Signals) => {
    void this.dispose().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  /** Last resort when the process exits some other way: nothing may outlive the run. */
  readonly #onExit = () => {
    for (const kill of this.#exitKills) {
      try {
        kill();
      } catch {
        // Already gone.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  };
  #disposed = false;

  /** Makes the folder under `base` (after sweeping dead runs' folders there) and points `TMPDIR` at it. */
  constructor(base: string) {
    sweepStale(base);
    this.dir = mkdtempSync(join(base, TEMP_PREFIX));
    writeFileSync(join(this.dir, OWNER_FILE), String(process.pid));
    this.#previousTmpdir = process.env['TMPDIR'];
    // playwright-core and puppeteer-core make the browser's profile under os.tmpdir(), which reads TMPDIR.
    process.env['TMPDIR'] = this.dir;
    process.once('SIGINT', this.#onSignal);
    process.once('SIGTERM', this.#onSignal);
    process.once('exit', this.#onExit);
  }

  /** True once {@link dispose} has begun: what the browser reports from then on is its closing, not the run's outcome. */
  get disposing(): boolean {
    return this.#disposed;
  }

  /** Runs `cleanup` when the run ends (last registered, first run). */
  onCleanup(cleanup: () => Promise<unknown> | unknown): void {
    this.#cleanups.push(cleanup);
  }

  /** Runs `kill` (synchronous: a signal to a process we started) if the process exits before {@link dispose}. */
  onExitKill(kill: () => void): void {
    this.#exitKills.push(kill);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
    for (const cleanup of this.#cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: the folder below goes anyway, and what will not close is killed below.
      }
    }
    this.#onExit();
    process.off('exit', this.#onExit);
    if (this.#previousTmpdir === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = this.#previousTmpdir;
  }
}

/**
 * Removes the temp folders of earlier runs whose process is gone (a SIGKILL leaves them). Only a
 * folder with our owner file is ever touched: other programs' folders may share the prefix (one
 * did on this machine, a test's `sess-conformance-file-store-…`), and a sweep must not eat them.
 */
export function sweepStale(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base).filter((name) => name.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      // Not one of ours (or one being made this instant): left alone.
      continue;
    }
    if (!Number.isSafeInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another sweep got there first, or a file is in use: the next run tries again.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
