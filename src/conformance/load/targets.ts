/**
 * What `sess-conformance [target]` can check: a built-in backend by name, or a module on disk
 * whose export is a {@link BackendFactory}. Node-only (it reads the file system).
 */
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConformanceUsageError } from '../errors.js';

/** A backend that ships with sess, checked by name. */
export interface BuiltinBackend {
  name: string;
  /** Absolute path of the module, in this package's build. */
  modulePath: string;
  /** The export holding its factory. */
  exportName: string;
  /** Whether it can run in Node, and if not, what to do instead. */
  node: true | string;
  /** Whether it can run in Chromium, and if not, why. */
  browser: true | string;
}

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** The built-in targets. `memory` is what a run with no target checks. */
export const BUILTIN_BACKENDS: readonly BuiltinBackend[] = [
  { name: 'memory', modulePath: here('../../backends/memory.js'), exportName: 'memoryBackendFactory', node: true, browser: true },
  {
    name: 'indexeddb',
    modulePath: here('../../backends/indexeddb.js'),
    exportName: 'indexedDbBackendFactory',
    // Node has no IndexedDB: run it in Chromium, or over fake-indexeddb when that is installed.
    node: true,
    browser: true,
  },
  {
    name: 'redis',
    modulePath: here('../../backends/redis.js'),
    exportName: 'redisBackendFactory',
    node: true,
    browser: 'redis needs a TCP connection, which a browser page cannot open: run it without --browser',
  },
];

/** The module extensions a target path may have (jiti and rolldown load all of them). */
export const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;

export type Target =
  | { kind: 'builtin'; backend: BuiltinBackend; given: string }
  | { kind: 'module'; path: string; given: string };

/**
 * Decides what `target` names: a built-in backend, or an existing module file (relative to
 * `cwd`).
 *
 * @throws ConformanceUsageError for a missing file or an unknown extension, saying what to fix.
 */
export function resolveTarget(target: string, cwd: string): Target {
  const builtin = BUILTIN_BACKENDS.find((b) => b.name === target);
  if (builtin !== undefined) return { kind: 'builtin', backend: builtin, given: target };

  const path = resolve(cwd, target);
  if (!existsSync(path)) {
    const names = BUILTIN_BACKENDS.map((b) => b.name).join(', ');
    const looksLikeName = !/[\\/]/.test(target) && extname(target) === '';
    throw new ConformanceUsageError(
      looksLikeName
        ? `unknown target '${target}': give a module path (e.g. ./store.ts) or a built-in backend (${names})`
        : `no such file: ${path} (the path is relative to the current directory)`,
    );
  }
  if (statSync(path).isDirectory()) {
    throw new ConformanceUsageError(`${path} is a directory: give the module file that exports your BackendFactory`);
  }
  if (!(MODULE_EXTENSIONS as readonly string[]).includes(extname(path))) {
    throw new ConformanceUsageError(
      `cannot load ${path}: a target module must end in ${MODULE_EXTENSIONS.join(', ')}`,
    );
  }
  return { kind: 'module', path, given: target };
}
