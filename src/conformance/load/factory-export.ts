/**
 * Finding the {@link BackendFactory} in a loaded module: shared by the Node loader and the
 * browser entry, so `--export` means the same thing in both.
 */
import type { BackendFactory } from '../../backend.js';
import { BackendFactoryError } from '../errors.js';

/**
 * The factory a module exports as `exportName` (`'default'` unless `--export` says otherwise).
 *
 * CommonJS modules reach us in several wrappings (`module.exports = factory`, `exports.default =
 * factory`, a bundler's `{ default: { default: factory } }`), so one level of `.default` is looked
 * through before giving up.
 *
 * @param moduleLabel how the module is named in the error, e.g. `./store.ts`.
 * @throws BackendFactoryError when there is no function under that name.
 */
export function pickFactory(module: unknown, exportName: string, moduleLabel: string): BackendFactory {
  const namespace = (module ?? {}) as Record<string, unknown>;
  let candidate: unknown = namespace[exportName];
  if (typeof candidate !== 'function' && exportName !== 'default') {
    const inner = namespace['default'];
    if (inner !== null && typeof inner === 'object') candidate = (inner as Record<string, unknown>)[exportName];
  }
  if (candidate !== null && typeof candidate === 'object' && typeof (candidate as { default?: unknown }).default === 'function') {
    candidate = (candidate as { default: unknown }).default;
  }
  if (typeof candidate === 'function') return candidate as BackendFactory;

  const found = exportedNames(namespace);
  // jiti's interop may present the module itself as `default`: that is "no default export" too.
  const where = exportName === 'default' ? 'its default export' : `export '${exportName}'`;
  const what = candidate === undefined || typeof candidate === 'object' ? '' : ` (${where} is a ${typeof candidate})`;
  const hint =
    exportName === 'default'
      ? `export your BackendFactory as default, or name it with --export NAME`
      : `check the name given to --export`;
  throw new BackendFactoryError(
    `${moduleLabel} has no BackendFactory function as ${where}${what} ` +
      `(it exports: ${found.length > 0 ? found.join(', ') : 'nothing'}): ${hint}`,
  );
}

function exportedNames(namespace: Record<string, unknown>): string[] {
  const names = new Set(Object.keys(namespace));
  const inner = namespace['default'];
  if (inner !== null && typeof inner === 'object') for (const name of Object.keys(inner)) names.add(name);
  // 'module.exports' and '__esModule' are CommonJS interop artefacts, not exports a user wrote.
  names.delete('module.exports');
  names.delete('__esModule');
  return [...names].sort();
}

/**
 * The agreed export name, or else the module's one `...BackendFactory` export (so that a rename in
 * the backend's module does not break its built-in name).
 */
export function builtinExportName(module: Record<string, unknown>, backend: { exportName: string }): string {
  if (typeof module[backend.exportName] === 'function') return backend.exportName;
  const factories = Object.keys(module).filter((name) => /BackendFactory$/.test(name) && typeof module[name] === 'function');
  return factories.length === 1 ? factories[0]! : backend.exportName;
}
