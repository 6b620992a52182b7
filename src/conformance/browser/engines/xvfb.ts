/**
 * A private X display for WebKitGTK, whose MiniBrowser has no headless mode (RECIPE.md: with
 * `--headless` it exits, and without a display it cannot open a window; either way the WebDriver
 * session request hangs). Xvfb picks a free display number itself and writes it to fd 3.
 */
import { spawn } from 'node:child_process';
import { installHint } from '../binaries.js';
import { ConformanceUsageError } from '../outside.js';
import type { Workspace } from '../workspace.js';
import { killGroup, stopGroup } from './processes.js';

const START_TIMEOUT_MS = 10_000;

/** Starts Xvfb; resolves the `DISPLAY` value (`:N`). Stopped with the workspace. */
export async function startXvfb(path: string, workspace: Workspace, env: Record<string, string | undefined>): Promise<string> {
  const child = spawn(path, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    // Its own process group, so that stopping it stops only what we started.
    detached: true,
    env: { ...env, TMPDIR: workspace.dir } as NodeJS.ProcessEnv,
  });
  workspace.onExitKill(() => killGroup(child, 'SIGKILL'));
  workspace.onCleanup(() => stopGroup(child, 'SIGTERM'));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const failed = (why: string) =>
    new ConformanceUsageError(`--browser webkit could not start Xvfb at ${path}: ${why} (${installHint('xvfb', 'XVFB_PATH')})`);
  return await new Promise<string>((resolve, reject) => {
    let display = '';
    const timer = setTimeout(() => reject(failed(`no display within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const displayFd = child.stdio[3] as NodeJS.ReadableStream;
    displayFd.on('data', (chunk: Buffer) => {
      display += chunk.toString();
      if (display.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${display.trim()}`);
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(failed(error.message));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(failed(`it exited (${signal ?? `code ${code}`}) ${stderr.trim().split('\n').at(-1) ?? ''}`.trim()));
    });
  });
}
