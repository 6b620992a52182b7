/**
 * Loading a target's {@link BackendFactory} in Node: built-ins by import, a user's module with
 * jiti (RECIPE: the one loader that handled ESM and CommonJS `.ts`, top-level await and the
 * user's module importing `sess` itself as the same instance).
 */
import { pathToFileURL } from 'node:url';
import type { BackendFactory } from '../../backend.js';
import { describeError, firstLine } from '../../error-text.js';
import { BackendFactoryError, ConformanceUsageError } from '../errors.js';
import { builtinExportName, pickFactory } from './factory-export.js';
import type { BuiltinBackend, Target } from './targets.js';

/**
 * The factory a target names.
 *
 * @param note receives one-line remarks worth showing the user (e.g. "running over fake-indexeddb").
 * @throws ConformanceUsageError / BackendFactoryError with a message saying what to fix.
 */
export async function loadFactoryInNode(target: Target, exportName: string | undefined, note: (line: string) => void): Promise<BackendFactory> {
  if (target.kind === 'builtin') return loadBuiltin(target.backend, note);

  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url);
  let module: unknown;
  try {
    module = await jiti.import(target.path);
  } catch (error) {
    throw new BackendFactoryError(`could not load ${target.given}: ${firstLine(describeError(error))}`, { cause: error });
  }
  return pickFactory(module, exportName ?? 'default', target.given);
}

async function loadBuiltin(backend: BuiltinBackend, note: (line: string) => void): Promise<BackendFactory> {
  if (backend.name === 'indexeddb' && !('indexedDB' in globalThis)) {
    // Node has no IndexedDB. fake-indexeddb (a dev dependency here, optional for users) stands
    // in; Chromium's real one is what --browser is for.
    const fake = 'fake-indexeddb/auto';
    try {
      await import(fake);
    } catch {
      throw new ConformanceUsageError(
        'indexeddb needs IndexedDB, which Node lacks: add --browser to run it in Chromium (or npm install fake-indexeddb to run it in Node)',
      );
    }
    note('indexeddb: Node has no IndexedDB, so this runs over fake-indexeddb; add --browser for Chromium');
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(backend.modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(backend.modulePath)) {
      throw new ConformanceUsageError(`the built-in backend '${backend.name}' is not in this build of sess (${backend.modulePath} is missing)`);
    }
    throw new BackendFactoryError(`could not load the built-in backend '${backend.name}': ${firstLine(describeError(error))}`, { cause: error });
  }
  return pickFactory(module, builtinExportName(module, backend), `the built-in backend '${backend.name}'`);
}
